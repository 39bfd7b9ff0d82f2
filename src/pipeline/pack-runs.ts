/**
 * "Pack items in order under a count and a byte limit": the one greedy rule
 * behind unit cutting (./units.ts), PutRecordBatch sub-batches and record
 * aggregation (./plan.ts) and dead-letter produce chunks
 * (src/kafka/record-batch-size.ts). Pure and order-preserving: the runs cover
 * [0, n) contiguously, each item in exactly one run.
 */

export interface PackLimits {
  /** Items per run at most (Infinity: no count limit). */
  readonly maxItems: number;
  /** Bytes per run at most, `baseBytes` included. */
  readonly maxBytes: number;
  /** Bytes every run costs before its first item (a record batch's header); default 0. */
  readonly baseBytes?: number;
}

export interface Run {
  readonly start: number;
  readonly end: number;
  /** `baseBytes` plus the items' sizes. */
  readonly bytes: number;
}

/**
 * A new run starts when the current one holds `maxItems` items, or when the
 * next item would take it past `maxBytes`. An item too large for any run forms
 * a run of its own: callers that must refuse such items check them first.
 */
export function packRuns(sizes: ArrayLike<number>, limits: PackLimits): Run[] {
  const base = limits.baseBytes ?? 0;
  const runs: Run[] = [];
  let start = 0;
  let bytes = base;
  for (let i = 0; i < sizes.length; i++) {
    const size = sizes[i] as number;
    const count = i - start;
    if (count > 0 && (count >= limits.maxItems || bytes + size > limits.maxBytes)) {
      runs.push({ start, end: i, bytes });
      start = i;
      bytes = base;
    }
    bytes += size;
  }
  if (sizes.length > start) runs.push({ start, end: sizes.length, bytes });
  return runs;
}
