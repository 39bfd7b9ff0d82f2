/**
 * Reads what Firehose delivered to S3 back into the original messages.
 *
 * Firehose (and moto, which writes one object per PutRecordBatch call) joins the
 * raw `Data` bytes of the records without a delimiter, so each record format ends
 * every message with '\n' or is self-delimiting (DESIGN "Record formats"):
 *   base64-gzip-lines  base64(gzip(message)) + '\n'
 *   gzip-ndjson        gzip(message + '\n') members: an object is a multi-member gzip
 *   ndjson             message + '\n'
 * Several messages may share one record (aggregation); the decoding is the same.
 *
 * The decoding functions are pure (bytes in, messages out) and unit-tested;
 * `readDelivered*` adds the paginated S3 listing and fetching.
 */
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { RecordFormat } from '../../src/pipeline/wire';
import { emulatorS3Client } from './firehose-admin';

export interface ReadDeliveredOptions {
  endpoint: string;
  bucket: string;
  prefix: string;
  format: RecordFormat;
  /** Each line is an envelope {"topic","partition","offset","timestamp","key","value"}. */
  envelope?: boolean;
  /** Objects fetched at once (default 8). */
  concurrency?: number;
}

export interface Envelope {
  topic: string;
  partition: number;
  offset: string;
  timestamp: string;
  key: string | null;
  value: unknown;
}

export interface DeliveredObject {
  key: string;
  size: number;
  lastModified?: Date;
  /** Messages (lines) decoded from this object. */
  messages: number;
}

export interface DeliveredRead {
  /** In listing order after sorting by (lastModified, key); delivery order is not kept across objects. */
  objects: DeliveredObject[];
  /** Every decoded line as delivered: the message itself, or the envelope JSON when `envelope`. */
  lines: Buffer[];
  /** The original messages: `lines`, or each envelope's value bytes when `envelope`. */
  messages: Buffer[];
  /** Parsed envelopes, parallel to `lines`, when `envelope`. */
  envelopes?: Envelope[];
  /** Sum of object sizes as stored. */
  objectBytes: number;
}

/** Thrown for bytes that are not a valid object of the format; names the object, never the payload. */
export class DeliveredFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeliveredFormatError';
  }
}

const NEWLINE = 0x0a;

/** Splits on '\n'. The data must end with '\n' (every format ends each message so); an empty line is an error. */
export function splitLines(data: Buffer, what = 'object'): Buffer[] {
  if (data.length === 0) return [];
  if (data[data.length - 1] !== NEWLINE) {
    throw new DeliveredFormatError(`${what}: does not end with a newline (truncated or wrong format)`);
  }
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = data.indexOf(NEWLINE, start); i !== -1; i = data.indexOf(NEWLINE, start)) {
    if (i === start) throw new DeliveredFormatError(`${what}: empty line at byte ${start}`);
    lines.push(data.subarray(start, i));
    start = i + 1;
  }
  return lines;
}

/** One delivered object's bytes → one Buffer per message. */
export function decodeObject(body: Buffer, format: RecordFormat, what = 'object'): Buffer[] {
  switch (format) {
    case 'ndjson':
      return splitLines(body, what);
    case 'gzip-ndjson': {
      if (body.length === 0) return [];
      let plain: Buffer;
      try {
        // zlib reads every member of a multi-member gzip (RFC 1952 §2.2) in one call.
        plain = gunzipSync(body);
      } catch (err) {
        throw new DeliveredFormatError(`${what}: not a valid gzip stream (${(err as Error).message})`);
      }
      return splitLines(plain, what);
    }
    case 'base64-gzip-lines':
      return splitLines(body, what).map((line, i) => {
        const text = line.toString('latin1');
        if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) {
          throw new DeliveredFormatError(`${what}: line ${i} is not base64`);
        }
        try {
          return gunzipSync(Buffer.from(text, 'base64'));
        } catch (err) {
          throw new DeliveredFormatError(`${what}: line ${i} is not gzip (${(err as Error).message})`);
        }
      });
    default: {
      const never: never = format;
      throw new DeliveredFormatError(`unknown format ${String(never)}`);
    }
  }
}

/**
 * Parses one envelope line. `valueBytes` is the exact byte slice of the value when
 * the envelope was written as JSON.stringify would ("value" last, no spaces), so a
 * test can compare it with the original message byte for byte.
 */
export function parseEnvelope(line: Buffer, what = 'line'): { envelope: Envelope; valueBytes: Buffer } {
  let raw: unknown;
  try {
    raw = JSON.parse(line.toString('utf8'));
  } catch {
    throw new DeliveredFormatError(`${what}: envelope is not JSON`);
  }
  if (typeof raw !== 'object' || raw === null || !('value' in raw)) {
    throw new DeliveredFormatError(`${what}: envelope has no "value"`);
  }
  const o = raw as Record<string, unknown>;
  if (typeof o.topic !== 'string' || typeof o.partition !== 'number') {
    throw new DeliveredFormatError(`${what}: envelope lacks topic/partition`);
  }
  const envelope: Envelope = {
    topic: o.topic,
    partition: o.partition,
    offset: String(o.offset),
    timestamp: String(o.timestamp),
    key: o.key === null || o.key === undefined ? null : String(o.key),
    value: o.value,
  };
  return { envelope, valueBytes: envelopeValueBytes(line, o.value) };
}

/**
 * Every member before "value" is a string, number or null, inside which `"value":`
 * cannot occur unescaped; so its first occurrence is the top-level key.
 */
function envelopeValueBytes(line: Buffer, value: unknown): Buffer {
  const marker = line.indexOf('"value":');
  if (marker !== -1 && line[line.length - 1] === 0x7d /* } */) {
    const slice = line.subarray(marker + 8, line.length - 1);
    try {
      JSON.parse(slice.toString('utf8'));
      return slice;
    } catch {
      // "value" was not the last member; fall through to re-serialising.
    }
  }
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** Lists, fetches and decodes everything under the prefix; see DeliveredRead. */
export async function readDeliveredDetailed(opts: ReadDeliveredOptions): Promise<DeliveredRead> {
  const s3 = emulatorS3Client(opts.endpoint);
  try {
    const listed = await listObjects(s3, opts.bucket, opts.prefix);
    listed.sort((a, b) => (a.lastModified?.getTime() ?? 0) - (b.lastModified?.getTime() ?? 0) || a.key.localeCompare(b.key));
    const bodies = await mapLimited(listed, opts.concurrency ?? 8, (o) => getObject(s3, opts.bucket, o.key));
    const read: DeliveredRead = { objects: [], lines: [], messages: [], objectBytes: 0 };
    if (opts.envelope) read.envelopes = [];
    listed.forEach((o, i) => {
      const body = bodies[i] as Buffer;
      const lines = decodeObject(body, opts.format, `s3://${opts.bucket}/${o.key}`);
      read.objects.push({ ...o, size: body.length, messages: lines.length });
      read.objectBytes += body.length;
      lines.forEach((line, j) => {
        read.lines.push(line);
        if (!opts.envelope) {
          read.messages.push(line);
          return;
        }
        const { envelope, valueBytes } = parseEnvelope(line, `s3://${opts.bucket}/${o.key} line ${j}`);
        read.envelopes?.push(envelope);
        read.messages.push(valueBytes);
      });
    });
    return read;
  } finally {
    s3.destroy();
  }
}

/** One Buffer per delivered message (with `envelope`, the value bytes of each envelope). */
export async function readDelivered(opts: ReadDeliveredOptions): Promise<Buffer[]> {
  return (await readDeliveredDetailed(opts)).messages;
}

async function listObjects(s3: S3Client, bucket: string, prefix: string): Promise<Omit<DeliveredObject, 'messages'>[]> {
  const out: Omit<DeliveredObject, 'messages'>[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      if (o.Key !== undefined) out.push({ key: o.Key, size: o.Size ?? 0, lastModified: o.LastModified });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return out;
}

async function getObject(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (res.Body === undefined) return Buffer.alloc(0);
  return Buffer.from(await res.Body.transformToByteArray());
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return results;
}
