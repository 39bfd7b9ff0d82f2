/**
 * How many bytes a set of messages takes as one Kafka record batch, and how to
 * cut a list of messages into consecutive chunks that each fit a byte cap.
 *
 * Why: kafkajs packs all of one `producer.send`'s messages for a partition into
 * one record batch, and the broker refuses a batch larger than the topic's
 * `max.message.bytes` with MESSAGE_TOO_LARGE (not retriable). Issue 6, fault F2:
 * ten invalid 100 KB dead letters with one key made a ~1 MB batch and the
 * partition stalled. Pure functions, no I/O; used by the dead-letter sink and
 * the replay tool.
 *
 * Sizes follow the v2 record format (KIP-98; kafkajs
 * src/protocol/recordBatch/{v0/index.js,record/v0/index.js}): a 61-byte batch
 * header, then per record a varint length, attributes (1), timestampDelta
 * (varlong), offsetDelta (varint), key and value with varint lengths (-1 for
 * null), and headers (count, then key and value with varint lengths). Deltas
 * are counted at their largest, so the estimate is an upper bound for
 * uncompressed batches (the sink and replay never compress).
 */
import { packRuns } from '../pipeline/pack-runs';

/** Bytes of the v2 record batch header (baseOffset … recordCount). */
export const RECORD_BATCH_OVERHEAD = 61;
/** attributes (1) + timestampDelta (≤ 10 as a zigzag varlong) + offsetDelta (≤ 5). */
const RECORD_FIXED_MAX = 16;

export interface BatchMessage {
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, Buffer | string | ReadonlyArray<Buffer | string> | undefined>;
}

/** Bytes of a zigzag varint holding `n` (Kafka encodes lengths and deltas this way). */
export function varintBytes(n: number): number {
  let z = n >= 0 ? n * 2 : -n * 2 - 1;
  let bytes = 1;
  while (z >= 128) {
    z = Math.floor(z / 128);
    bytes += 1;
  }
  return bytes;
}

function byteLength(v: Buffer | string): number {
  return typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : v.length;
}

function sizedField(v: Buffer | string | null): number {
  if (v === null) return varintBytes(-1);
  const n = byteLength(v);
  return varintBytes(n) + n;
}

/** Bytes one message takes inside a record batch (its length prefix included). */
export function recordBytes(m: BatchMessage): number {
  const headers = Object.entries(m.headers ?? {});
  let body = RECORD_FIXED_MAX + sizedField(m.key) + sizedField(m.value);
  let count = 0;
  for (const [k, v] of headers) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? (v as ReadonlyArray<Buffer | string>) : [v as Buffer | string]) {
      body += sizedField(k) + sizedField(one);
      count += 1;
    }
  }
  body += varintBytes(count);
  return varintBytes(body) + body;
}

export interface Chunk {
  /** First message index (inclusive). */
  start: number;
  /** One past the last message index. */
  end: number;
  /** The chunk as one record batch: header plus records. */
  batchBytes: number;
}

/**
 * Consecutive chunks, in order, each at most `capBytes` as one record batch.
 * A message that alone exceeds the cap gets a chunk of its own (the caller
 * decides whether the topic can still take it). An empty list gives no chunks.
 */
export function planChunks(sizes: readonly number[], capBytes: number): Chunk[] {
  return packRuns(sizes, { maxItems: Number.POSITIVE_INFINITY, maxBytes: capBytes, baseBytes: RECORD_BATCH_OVERHEAD }).map((r) => ({ start: r.start, end: r.end, batchBytes: r.bytes }));
}

/** Walks kafkajs's wrappers (KafkaJSNonRetriableError → KafkaJSProtocolError) for MESSAGE_TOO_LARGE. */
export function isMessageTooLarge(err: unknown): boolean {
  let cur: unknown = err;
  for (let i = 0; cur && i < 8; i++) {
    const e = cur as { type?: string; cause?: unknown; originalError?: unknown };
    if (e.type === 'MESSAGE_TOO_LARGE') return true;
    cur = e.cause ?? e.originalError;
  }
  return false;
}
