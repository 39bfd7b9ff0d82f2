/**
 * A token bucket with interval refill, as Bucket4j's `refillIntervally` (the
 * original service's "refill-speed: interval"): the whole refill arrives at once at
 * the end of each interval, never a fraction in between
 * (https://bucket4j.com/8.10.1/toc.html#refill-types). Pure arithmetic over an
 * injected time; no timers.
 *
 * The refill amount may change between intervals (the size-class preset picks it
 * per unit); elapsed intervals are credited at the amount in force when they are
 * counted, then the new amount applies.
 */
export class IntervalBucket {
  private tokens: number;
  /** Start of the interval in progress. */
  private intervalStartMs: number;

  constructor(
    readonly capacity: number,
    private refillTokens: number,
    readonly intervalMs: number,
    nowMs: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    if (!(intervalMs > 0)) throw new RangeError(`intervalMs must be > 0, got ${intervalMs}`);
    assertRefill(refillTokens);
    this.tokens = capacity;
    this.intervalStartMs = nowMs;
  }

  get refill(): number {
    return this.refillTokens;
  }

  /** Tokens available at `nowMs`. */
  available(nowMs: number): number {
    this.catchUp(nowMs);
    return this.tokens;
  }

  /** Credits the intervals elapsed so far, then refills by `refillTokens` from now on. */
  setRefill(refillTokens: number, nowMs: number): void {
    assertRefill(refillTokens);
    this.catchUp(nowMs);
    this.refillTokens = refillTokens;
  }

  /** Takes `count` tokens (the caller checked `available`). */
  take(count: number, nowMs: number): void {
    this.catchUp(nowMs);
    if (count > this.tokens) throw new RangeError(`take(${count}) exceeds the ${this.tokens} tokens available`);
    this.tokens -= count;
  }

  /** ms until the next refill lands (> 0). */
  msUntilRefill(nowMs: number): number {
    this.catchUp(nowMs);
    return this.intervalStartMs + this.intervalMs - nowMs;
  }

  private catchUp(nowMs: number): void {
    const intervals = Math.floor((nowMs - this.intervalStartMs) / this.intervalMs);
    if (intervals <= 0) return;
    this.tokens = Math.min(this.capacity, this.tokens + intervals * this.refillTokens);
    this.intervalStartMs += intervals * this.intervalMs;
  }
}

function assertRefill(refill: number): void {
  if (!(refill > 0) || !Number.isFinite(refill)) throw new RangeError(`refill must be a finite number > 0, got ${refill}`);
}
