/**
 * Retry delays. "Full jitter" spreads retries of many callers uniformly over the
 * whole window, which AWS measured as the best trade-off between total work and
 * completion time under contention:
 * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
import type { Random } from '../clock';

/** 2^52 already exceeds any sane cap; clamping keeps `baseMs * 2^attempt` finite (0 * Infinity is NaN). */
const MAX_EXPONENT = 52;

/**
 * Delay before retry number `attempt` (0-based: the first retry uses attempt 0):
 * `random() * min(maxMs, baseMs * 2^attempt)`, with `random()` in [0, 1).
 * The result is rounded down to whole milliseconds.
 */
export function fullJitterDelay(attempt: number, baseMs: number, maxMs: number, random: Random): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), MAX_EXPONENT);
  const ceiling = Math.min(maxMs, baseMs * 2 ** exponent);
  const r = Math.min(1, Math.max(0, random()));
  return Math.floor(r * Math.max(0, ceiling));
}

export interface BackoffSettings {
  readonly baseMs: number;
  readonly maxMs: number;
}
