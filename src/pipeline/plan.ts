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
  const batches: SubBatch[] = [];
  let first = 0;
  let bytes = 0;
  for (let i = 0; i < recordSizes.length; i++) {
    const size = recordSizes[i];
    if (size > perRecordLimit) throw recordTooLarge(i, size, perRecordLimit);
    const count = i - first;
    if (count > 0 && (count >= limits.maxRecordsPerBatch || bytes + size > limits.maxBytesPerBatch)) {
      batches.push({ firstRecord: first, endRecord: i, bytes });
      first = i;
      bytes = 0;
    }
    bytes += size;
  }
  if (recordSizes.length > first) batches.push({ firstRecord: first, endRecord: recordSizes.length, bytes });
  return batches;
}

/**
 * Groups consecutive encoded messages into Firehose records of at most
 * `maxRecordBytes` each (pipeline.aggregate). Every format is self-delimiting,
 * so concatenating encoded messages inside one record loses nothing. Returns,
 * per record, the indexes into `encoded`.
 */
export function aggregate(encoded: readonly Uint8Array[], maxRecordBytes: number): number[][] {
  const records: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (let i = 0; i < encoded.length; i++) {
    const size = encoded[i].length;
    if (size > maxRecordBytes) throw recordTooLarge(i, size, maxRecordBytes);
    if (current.length > 0 && bytes + size > maxRecordBytes) {
      records.push(current);
      current = [];
      bytes = 0;
    }
    current.push(i);
    bytes += size;
  }
  if (current.length > 0) records.push(current);
  return records;
}
