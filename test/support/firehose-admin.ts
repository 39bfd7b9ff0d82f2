/**
 * Admin helpers for integration tests against the local Firehose/S3 emulator
 * (moto_server, started by scripts/firehose/emulator.sh). Each test makes its
 * own bucket/stream with `uniqueName` and deletes the stream afterwards: moto
 * caps a region at 50 delivery streams (moto/firehose/models.py,
 * DeliveryStream.MAX_STREAMS_PER_REGION) and answers LimitExceededException past it.
 */
import { randomBytes } from 'node:crypto';
import {
  CreateDeliveryStreamCommand,
  DeleteDeliveryStreamCommand,
  FirehoseClient,
  type FirehoseClientConfig,
  ResourceInUseException,
  ResourceNotFoundException,
} from '@aws-sdk/client-firehose';
import {
  BucketAlreadyExists,
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';

export const EMULATOR_REGION = 'us-east-1';
/** moto accepts any credentials; these dummies keep the SDK from looking for real ones. */
export const EMULATOR_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;
export const EMULATOR_ROLE_ARN = 'arn:aws:iam::123456789012:role/firehose';
/** What `emulator.sh start` creates unless overridden by FIREHOSE_EMULATOR_BUCKET/STREAM/PREFIX. */
export const DEFAULT_BUCKET = 'wifi-scans-local';
export const DEFAULT_STREAM = 'wifi-scans-local';
export const DEFAULT_PREFIX = 'scans/';

/** FIREHOSE_EMULATOR_ENDPOINT, else http://127.0.0.1:${FIREHOSE_EMULATOR_PORT ?? 4566}. */
export function emulatorEndpoint(env: NodeJS.ProcessEnv = process.env): string {
  return env.FIREHOSE_EMULATOR_ENDPOINT ?? `http://127.0.0.1:${env.FIREHOSE_EMULATOR_PORT ?? '4566'}`;
}

export function emulatorS3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: EMULATOR_REGION,
    credentials: EMULATOR_CREDENTIALS,
    // Virtual-hosted style would need <bucket>.127.0.0.1 to resolve.
    forcePathStyle: true,
    // Checksums only where the API demands them: keeps the emulator's job simple.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export function emulatorFirehoseClient(endpoint: string, extra: Partial<FirehoseClientConfig> = {}): FirehoseClient {
  return new FirehoseClient({ endpoint, region: EMULATOR_REGION, credentials: EMULATOR_CREDENTIALS, ...extra });
}

/** A name unique to this run: lower case, [a-z0-9-], at most 63 characters (valid for a bucket and a stream). */
export function uniqueName(base: string): string {
  const clean = base.toLowerCase().replace(/[^a-z0-9-]+/g, '-').slice(0, 40);
  return `${clean}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** True when something answers like moto on the endpoint. */
export async function isEmulatorUp(endpoint: string, timeoutMs = 2000): Promise<boolean> {
  try {
    // GET / is S3 ListBuckets: cheap, and unlike /moto-api/data.json it cannot fail on odd state.
    const res = await fetch(`${endpoint}/`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** Creates the bucket; an existing one is fine. */
export async function createBucket(endpoint: string, bucket: string): Promise<void> {
  const s3 = emulatorS3Client(endpoint);
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (err) {
    if (!(err instanceof BucketAlreadyOwnedByYou || err instanceof BucketAlreadyExists)) throw err;
  } finally {
    s3.destroy();
  }
}

/**
 * Creates a DirectPut stream delivering to s3://bucket/prefix and returns its ARN
 * (an existing stream of that name is fine; its ARN is built the same way).
 */
export async function createDeliveryStream(
  endpoint: string,
  name: string,
  bucket: string,
  prefix: string,
): Promise<string> {
  const firehose = emulatorFirehoseClient(endpoint);
  try {
    const out = await firehose.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: name,
        DeliveryStreamType: 'DirectPut',
        ExtendedS3DestinationConfiguration: {
          RoleARN: EMULATOR_ROLE_ARN,
          BucketARN: `arn:aws:s3:::${bucket}`,
          Prefix: prefix,
          CompressionFormat: 'UNCOMPRESSED',
        },
      }),
    );
    return out.DeliveryStreamARN ?? streamArn(name);
  } catch (err) {
    if (err instanceof ResourceInUseException) return streamArn(name);
    throw err;
  } finally {
    firehose.destroy();
  }
}

/** Deletes the stream; a missing one is fine. Objects already delivered stay in S3. */
export async function deleteDeliveryStream(endpoint: string, name: string): Promise<void> {
  const firehose = emulatorFirehoseClient(endpoint);
  try {
    await firehose.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: name, AllowForceDelete: true }));
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) throw err;
  } finally {
    firehose.destroy();
  }
}

/** Deletes every object under the prefix (paginated) and returns how many; moto keeps them in memory. */
export async function deleteObjects(endpoint: string, bucket: string, prefix: string): Promise<number> {
  const s3 = emulatorS3Client(endpoint);
  let deleted = 0;
  try {
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      const keys = (page.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [{ Key: o.Key }]));
      if (keys.length > 0) {
        await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
        deleted += keys.length;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return deleted;
  } finally {
    s3.destroy();
  }
}

/** Empties and deletes the bucket; a missing one is fine. */
export async function deleteBucket(endpoint: string, bucket: string): Promise<void> {
  const s3 = emulatorS3Client(endpoint);
  try {
    await deleteObjects(endpoint, bucket, '');
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
  } catch (err) {
    if ((err as { name?: string }).name !== 'NoSuchBucket') throw err;
  } finally {
    s3.destroy();
  }
}

function streamArn(name: string): string {
  return `arn:aws:firehose:${EMULATOR_REGION}:123456789012:deliverystream/${name}`;
}
