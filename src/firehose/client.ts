/**
 * The narrow Firehose interface: the one call we deliver with, plus a start-up
 * check. The dispatcher and its tests see only `FirehosePort`; the AWS SDK stays
 * behind `createFirehosePort` (STYLE: "Narrow injected interfaces").
 *
 * Retries belong to the dispatcher, not the SDK: the SDK would resend the whole
 * batch on a request error and knows nothing of partial failures, rate limits or
 * heartbeats. So `maxAttempts` is 1 and requests are bounded by a timeout.
 */
import http from 'node:http';
import https from 'node:https';
import {
  DescribeDeliveryStreamCommand,
  FirehoseClient,
  PutRecordBatchCommand,
  type FirehoseClientConfig,
} from '@aws-sdk/client-firehose';
import { firehoseProtocol } from './wire-codec';

/** One entry per record sent, same length and order as the request (PutRecordBatch RequestResponses). */
export interface PutBatchEntry {
  readonly recordId?: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

export interface PutBatchResponse {
  readonly failedPutCount: number;
  readonly responses: readonly PutBatchEntry[];
}

export interface FirehosePort {
  /**
   * One PutRecordBatch call. Rejects on a request-level failure (raw error, see
   * src/firehose/classify.ts); resolves with per-record outcomes otherwise, which
   * may include failures (FailedPutCount > 0 with HTTP 200).
   * Must stop promptly when `signal` aborts.
   */
  putRecordBatch(streamName: string, records: readonly Uint8Array[], signal: AbortSignal): Promise<PutBatchResponse>;
  /** DescribeDeliveryStream: the stream's status (ACTIVE, CREATING, ...). Rejects with the raw error if it does not exist. */
  checkStream(streamName: string, signal: AbortSignal): Promise<{ status: string }>;
}

export interface ClosableFirehosePort extends FirehosePort {
  /** Closes the keep-alive sockets. */
  close(): void;
}

export interface FirehosePortOptions {
  readonly region: string;
  /** '' or undefined = the regional AWS endpoint; set for the local emulator. */
  readonly endpoint?: string;
  /** Used only when both are non-empty; otherwise the SDK's default credential chain (IRSA, env, profile, IMDS). */
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  /** Upper bound for one request, response included. The dispatcher also enforces it. */
  readonly requestTimeoutMs: number;
  /** PutRecordBatch calls in flight (firehose.maxConcurrentRequests): sizes the keep-alive socket pool. */
  readonly maxConcurrentRequests: number;
  /** TCP connect bound; defaults to min(requestTimeoutMs, 5000). */
  readonly connectTimeoutMs?: number;
}

/** The SDK client configuration, separate so its rules are testable without a network. */
export function buildFirehoseClientConfig(options: FirehosePortOptions): FirehoseClientConfig {
  // Twice the requests in flight: DescribeDeliveryStream (probes, readiness) and a
  // timed-out request's socket still closing must not queue behind deliveries.
  const agentOptions = { keepAlive: true, maxSockets: options.maxConcurrentRequests * 2 };
  const config: FirehoseClientConfig = {
    region: options.region,
    maxAttempts: 1,
    // The stock protocol with native base64 for record Data (./wire-codec.ts: the SDK's
    // JavaScript base64 loop was the main thread's largest cost).
    protocol: firehoseProtocol(),
    // Constructor options for the SDK's NodeHttpHandler (@smithy/node-http-handler), so we
    // need not depend on that package directly. throwOnRequestTimeout turns a breach of
    // requestTimeout into a TimeoutError instead of a logged warning.
    requestHandler: {
      requestTimeout: options.requestTimeoutMs,
      throwOnRequestTimeout: true,
      connectionTimeout: options.connectTimeoutMs ?? Math.min(options.requestTimeoutMs, 5_000),
      httpAgent: new http.Agent(agentOptions),
      httpsAgent: new https.Agent(agentOptions),
    },
  };
  if (options.endpoint) config.endpoint = options.endpoint;
  if (options.accessKeyId && options.secretAccessKey) {
    config.credentials = { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey };
  }
  return config;
}

export function createFirehosePort(
  options: FirehosePortOptions,
  client: FirehoseClient = new FirehoseClient(buildFirehoseClientConfig(options)),
): ClosableFirehosePort {
  return {
    async putRecordBatch(streamName, records, signal) {
      const command = new PutRecordBatchCommand({
        DeliveryStreamName: streamName,
        Records: records.map((data) => ({ Data: data })),
      });
      const out = await client.send(command, { abortSignal: signal });
      return {
        // Absent fields are passed on as such: the dispatcher never assumes success
        // (no RequestResponses = length mismatch = the whole request is resent).
        failedPutCount: out.FailedPutCount ?? 0,
        responses: (out.RequestResponses ?? []).map((entry) => ({
          ...(entry.RecordId === undefined ? {} : { recordId: entry.RecordId }),
          ...(entry.ErrorCode === undefined ? {} : { errorCode: entry.ErrorCode }),
          ...(entry.ErrorMessage === undefined ? {} : { errorMessage: entry.ErrorMessage }),
        })),
      };
    },
    async checkStream(streamName, signal) {
      const out = await client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: streamName }), {
        abortSignal: signal,
      });
      return { status: out.DeliveryStreamDescription?.DeliveryStreamStatus ?? 'UNKNOWN' };
    },
    close() {
      client.destroy();
    },
  };
}
