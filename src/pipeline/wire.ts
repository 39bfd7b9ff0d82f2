/**
 * The typed wire format between the supervisor (main thread) and the Piscina
 * workers. Only structured-clone-friendly plain data crosses; the big byte
 * buffers are *transferred* (DESIGN invariant 6: copy once):
 *
 *   main → worker: UnitRequest.values is one ArrayBuffer that the supervisor
 *                  owns, holding every message value of the unit back to back;
 *                  valueBounds[i]..valueBounds[i+1] is message i.
 *   worker → main: UnitResult.data is one ArrayBuffer holding every encoded
 *                  Firehose record back to back, returned with Piscina.move.
 */
import type { ErrorData } from '../errors';

export const RECORD_FORMATS = ['base64-gzip-lines', 'gzip-ndjson', 'ndjson'] as const;
export type RecordFormat = (typeof RECORD_FORMATS)[number];

export interface PlanLimits {
  /** ≤ MAX_RECORDS_PER_BATCH */
  maxRecordsPerBatch: number;
  /** ≤ MAX_BYTES_PER_BATCH, raw Data bytes */
  maxBytesPerBatch: number;
  /** ≤ MAX_RECORD_BYTES, after encoding */
  maxRecordBytes: number;
}

export interface EncodeOptions {
  format: RecordFormat;
  /** zlib level 0..9 (default 6). */
  gzipLevel: number;
  /** Wrap each message as {"topic","partition","offset","timestamp","key","value":<message>}. */
  envelope: boolean;
  /** Pack several encoded messages into one Firehose record, up to maxRecordBytes. */
  aggregate: boolean;
  /** Parse each message as JSON; invalid ones are rejected (dead-lettered). */
  validateJson: boolean;
  /** Nesting-depth cap applied when validateJson is on. */
  maxJsonDepth: number;
  limits: PlanLimits;
}

/** Per-message coordinates that travel with the unit (small; the payload does not). */
export interface MessageMeta {
  offset: string;
  timestamp: string;
  /** utf-8 key, or null when the message has none. */
  key: string | null;
}

export interface UnitRequest {
  unitId: number;
  topic: string;
  partition: number;
  /** Owned buffer with every value back to back; transferred, never a kafkajs view. */
  values: ArrayBuffer;
  /** length = messages + 1; message i is values[valueBounds[i], valueBounds[i+1]). */
  valueBounds: Uint32Array;
  meta: MessageMeta[];
  options: EncodeOptions;
}

export type RejectReason = 'OVERSIZED' | 'INVALID_JSON' | 'ENCODE_FAILED';

export interface Rejection {
  /** Index of the message within the unit. */
  index: number;
  code: RejectReason;
  /** Human text, never payload bytes. */
  reason: string;
}

export interface SizeClassStats {
  count: number;
  bytes: number;
}

/** ≤30 KB, 31–80 KB, >80 KB of raw message bytes (KB = 1,000 bytes). */
export interface SizeClasses {
  small: SizeClassStats;
  medium: SizeClassStats;
  large: SizeClassStats;
}

export interface SubBatch {
  /** Record index range [firstRecord, endRecord). */
  firstRecord: number;
  endRecord: number;
  /** Sum of raw Data bytes of those records. */
  bytes: number;
}

export interface UnitResult {
  unitId: number;
  /** Every encoded record back to back; transferred back with Piscina.move. */
  data: ArrayBuffer;
  /** length = records + 1; record r is data[recordBounds[r], recordBounds[r+1]). */
  recordBounds: Uint32Array;
  /** length = records + 1; record r carries messages recordMessages[recordMessageBounds[r] .. recordMessageBounds[r+1]). */
  recordMessageBounds: Uint32Array;
  /** Message indexes (within the unit) in record order. */
  recordMessages: Uint32Array;
  /** Sub-batch plan for PutRecordBatch, in record order, covering every record once. */
  batches: SubBatch[];
  /** Messages that can never be delivered; the supervisor dead-letters them. */
  rejected: Rejection[];
  sizeClasses: SizeClasses;
  rawBytes: number;
  encodedBytes: number;
}

/** What the worker returns when the whole task failed (errors cross as plain data). */
export interface UnitFailure {
  unitId: number;
  error: ErrorData;
}
