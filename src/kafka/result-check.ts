/**
 * F11 — the main thread does not trust the worker. Before a unit's result is
 * delivered and acked, check that it accounts for every message exactly once
 * (delivered in some record, or rejected) and that the planned sub-batches
 * cover every record once, in order, within the request limits. A result that
 * fails is a worker failure (retried, then isolated), never an ack: acking it
 * could commit past a message that was never sent.
 */
import { AppError } from '../errors';
import type { PlanLimits, UnitResult } from '../pipeline/wire';

/** The first problem found in `result` for a unit of `messages` messages, or undefined. */
export function resultProblem(result: UnitResult, messages: number, limits: PlanLimits): string | undefined {
  const { recordBounds, recordMessageBounds, recordMessages, batches, rejected } = result;
  const records = recordBounds.length - 1;
  if (records < 0) return 'recordBounds is empty';
  if (recordMessageBounds.length !== recordBounds.length) return `recordMessageBounds has ${recordMessageBounds.length} entries for ${records} records`;
  if (recordBounds[0] !== 0 || recordBounds[records] !== result.data.byteLength) return `record bounds ${recordBounds[0]}..${recordBounds[records]} do not span the ${result.data.byteLength} data bytes`;
  if (recordMessageBounds[0] !== 0 || recordMessageBounds[records] !== recordMessages.length) return 'record message bounds do not span recordMessages';
  for (let r = 0; r < records; r++) {
    if ((recordBounds[r + 1] as number) <= (recordBounds[r] as number)) return `record ${r} is empty or out of order`;
    if ((recordMessageBounds[r + 1] as number) <= (recordMessageBounds[r] as number)) return `record ${r} carries no message`;
  }
  const seen = new Uint8Array(messages);
  const mark = (index: number, what: string): string | undefined => {
    if (!Number.isInteger(index) || index < 0 || index >= messages) return `${what} names message ${index} of a unit of ${messages}`;
    if (seen[index]) return `message ${index} is accounted for twice`;
    seen[index] = 1;
    return undefined;
  };
  for (const m of recordMessages) {
    const p = mark(m, 'a record');
    if (p) return p;
  }
  for (const r of rejected) {
    const p = mark(r.index, 'a rejection');
    if (p) return p;
  }
  const missing = seen.indexOf(0);
  if (missing >= 0) return `message ${missing} is neither delivered nor rejected`;
  let next = 0;
  for (const b of batches) {
    if (b.firstRecord !== next || b.endRecord <= b.firstRecord) return `sub-batch [${b.firstRecord}, ${b.endRecord}) does not continue at record ${next}`;
    if (b.endRecord - b.firstRecord > limits.maxRecordsPerBatch) return `sub-batch [${b.firstRecord}, ${b.endRecord}) has more than ${limits.maxRecordsPerBatch} records`;
    const bytes = (recordBounds[b.endRecord] as number) - (recordBounds[b.firstRecord] as number);
    if (bytes > limits.maxBytesPerBatch) return `sub-batch [${b.firstRecord}, ${b.endRecord}) has ${bytes} bytes, above ${limits.maxBytesPerBatch}`;
    next = b.endRecord;
  }
  if (next !== records) return `sub-batches cover ${next} of ${records} records`;
  return undefined;
}

/** Throws WORKER_RESULT_INVALID (a worker failure) when the result does not cover the unit exactly. */
export function checkResult(result: UnitResult, messages: number, limits: PlanLimits): void {
  const problem = resultProblem(result, messages, limits);
  if (problem) throw new AppError('WORKER_RESULT_INVALID', `worker result for unit ${result.unitId} rejected: ${problem}`);
}
