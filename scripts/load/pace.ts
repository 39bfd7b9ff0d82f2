/**
 * Open-loop pacing for the producer: message k is due at k / rate seconds
 * after the start, whatever happened before, so a slow send is caught up on
 * (in larger batches) instead of stretching the whole run. Pure.
 */

/** How many messages are due `elapsedMs` after the start (message 0 is due at once); Infinity when unthrottled. */
export function dueBy(elapsedMs: number, rate: number): number {
  if (rate <= 0) return Number.POSITIVE_INFINITY;
  return Math.floor((Math.max(0, elapsedMs) * rate) / 1000) + 1;
}

/** Milliseconds from `elapsedMs` until message `next` is due (0 when it already is). */
export function delayUntil(next: number, elapsedMs: number, rate: number): number {
  if (rate <= 0) return 0;
  return Math.max(0, (next * 1000) / rate - elapsedMs);
}
