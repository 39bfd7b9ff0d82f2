/**
 * Sub-batch planning for PutRecordBatch and record aggregation. Pure, greedy,
 * order-preserving. The limits come from wire.PlanLimits, which config checks
 * against limits.ts (500 records, 4 MiB of raw Data bytes per request,
 * 1,024,000 bytes per record).
 *
 * A record too large for the limits is a programming error here: encodeUnit
 * rejects oversized messages (code OVERSIZED) before anything is planned.
 */
import { AppError } from '../errors';
import { packRuns } from './pack-runs';
import type { PlanLimits, SubBatch } from './wire';

function recordTooLarge(index: number, size: number, limit: number): AppError {
  return new AppError(
    'PLAN_RECORD_TOO_LARGE',
    `record ${index} is ${size} bytes, above the ${limit}-byte limit; oversized messages must be rejected before planning`,
  );
}

/**
 * Greedy split of records (in order) into batches of at most
 * `maxRecordsPerBatch` records and at most `maxBytesPerBatch` summed bytes.
 * Every record lands in exactly one batch; batches cover [0, n) contiguously.
 */
export function planSubBatches(recordSizes: readonly number[], limits: PlanLimits): SubBatch[] {
  const perRecordLimit = Math.min(limits.maxRecordBytes, limits.maxBytesPerBatch);
  recordSizes.forEach((size, i) => {
    if (size > perRecordLimit) throw recordTooLarge(i, size, perRecordLimit);
  });
  return packRuns(recordSizes, { maxItems: limits.maxRecordsPerBatch, maxBytes: limits.maxBytesPerBatch }).map((r) => ({ firstRecord: r.start, endRecord: r.end, bytes: r.bytes }));
}

/**
 * Groups consecutive encoded messages into Firehose records of at most
 * `maxRecordBytes` each (pipeline.aggregate). Every format is self-delimiting,
 * so concatenating encoded messages inside one record loses nothing. Returns,
 * per record, the indexes into `encoded`.
 */
export function aggregate(encoded: readonly Uint8Array[], maxRecordBytes: number): number[][] {
  const sizes = encoded.map((e, i) => {
    if (e.length > maxRecordBytes) throw recordTooLarge(i, e.length, maxRecordBytes);
    return e.length;
  });
  return packRuns(sizes, { maxItems: Number.POSITIVE_INFINITY, maxBytes: maxRecordBytes }).map((r) => Array.from({ length: r.end - r.start }, (_, k) => r.start + k));
}
