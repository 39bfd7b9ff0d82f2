/**
 * One token bucket: pure arithmetic over an injected time, no timers.
 *
 * Capacity is one second of the rate, so a burst never exceeds a second's quota
 * (Firehose enforces its quotas per second: https://docs.aws.amazon.com/firehose/latest/dev/limits.html).
 * A cost larger than the capacity is still admitted once the bucket is full, and
 * the bucket goes into debt: otherwise one 4 MiB request against a 1 MiB/s quota
 * would wait forever. The debt is paid back by later callers waiting, so the
 * long-run rate stays exact.
 */

/** Tolerance for float drift in token arithmetic (tokens are counts or bytes, so far below 1). */
const EPSILON = 1e-6;

export class TokenBucket {
  /** Tokens currently available; negative while in debt. */
  private tokens: number;
  private lastRefillMs: number;

  private rate: number;

  /** `ratePerSecond` 0 means unlimited: every cost is admitted at once. */
  constructor(ratePerSecond: number, nowMs: number) {
    assertRate(ratePerSecond);
    this.rate = ratePerSecond;
    this.tokens = ratePerSecond;
    this.lastRefillMs = nowMs;
  }

  get ratePerSecond(): number {
    return this.rate;
  }

  /**
   * Changes the rate from `nowMs` on (AIMD, src/flow/aimd.ts): tokens earned so far
   * are counted at the old rate, then clamped to the new capacity. Switching
   * between unlimited (0) and limited is refused: that is configuration, not AIMD.
   */
  setRate(ratePerSecond: number, nowMs: number): void {
    assertRate(ratePerSecond);
    if ((ratePerSecond === 0) !== (this.rate === 0)) throw new RangeError('setRate cannot switch a bucket between unlimited and limited');
    this.refill(nowMs);
    this.rate = ratePerSecond;
    this.tokens = Math.min(this.tokens, ratePerSecond);
  }

  get unlimited(): boolean {
    return this.rate === 0;
  }

  get capacity(): number {
    return this.rate;
  }

  /** Tokens available at `nowMs` (after refilling). */
  available(nowMs: number): number {
    this.refill(nowMs);
    return this.tokens;
  }

  /**
   * Milliseconds until `cost` can be taken: until the bucket holds `cost` tokens,
   * or is full when `cost` exceeds the capacity. 0 when it can be taken now.
   */
  waitMs(cost: number, nowMs: number): number {
    if (this.unlimited || cost <= 0) return 0;
    this.refill(nowMs);
    const deficit = Math.min(cost, this.capacity) - this.tokens;
    if (deficit <= EPSILON) return 0;
    // Round up to whole ms so one sleep is always enough; the small subtraction
    // keeps an exact quotient (2500 / 5000/s = 500 ms) from becoming 501.
    return Math.max(1, Math.ceil((deficit * 1000) / this.rate - EPSILON));
  }

  /** Takes `cost` tokens unconditionally (the caller checked `waitMs` first); may leave debt. */
  take(cost: number, nowMs: number): void {
    if (this.unlimited || cost <= 0) return;
    this.refill(nowMs);
    this.tokens -= cost;
  }

  private refill(nowMs: number): void {
    const elapsed = nowMs - this.lastRefillMs;
    if (elapsed > 0) {
      this.tokens = Math.min(this.capacity, this.tokens + (elapsed * this.rate) / 1000);
      this.lastRefillMs = nowMs;
    }
  }
}

function assertRate(rate: number): void {
  if (!(rate >= 0) || !Number.isFinite(rate)) throw new RangeError(`rate must be a finite number >= 0, got ${rate}`);
}
