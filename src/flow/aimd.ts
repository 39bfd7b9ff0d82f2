/**
 * AIMD (additive increase, multiplicative decrease) of the bytes/s limit, driven by
 * Firehose throttling answers (ServiceUnavailableException, per record or for the
 * whole request). It is TCP's congestion-avoidance rule (RFC 5681 §3.1) applied to
 * a rate instead of a window: a throttle means we are above what the stream takes
 * right now, so cut hard; quiet time means there may be room again, so probe up
 * slowly to the configured ceiling.
 *
 * Pure: time is passed in, growth is computed lazily from the time of the last cut,
 * so there is no timer to stop and tests are exact.
 *
 * Several requests are usually in flight when a throttle arrives, and they were all
 * sent at the old rate; counting each of their answers as a new signal would cut
 * the rate to the floor in one burst. So cuts are at least `minCutIntervalMs`
 * apart (the analogue of TCP's "one decrease per round trip").
 */

export interface AimdSettings {
  /** The configured bytes/s: the rate starts here and never grows above it. */
  readonly ceiling: number;
  /** Never cut below this (bytes/s). */
  readonly floor: number;
  /** Multiplicative decrease: rate × factor on a throttle (0 < factor < 1). */
  readonly factor: number;
  /** Additive increase, bytes/s added per quiet interval. */
  readonly increase: number;
  /** An interval without a throttle that earns one increase. */
  readonly quietIntervalMs: number;
  /** Throttles closer than this to the previous cut do not cut again. */
  readonly minCutIntervalMs: number;
}

export interface AimdSnapshot {
  readonly bytesPerSecond: number;
  readonly ceiling: number;
  readonly floor: number;
  readonly cuts: number;
}

export class AimdRate {
  /** Rate right after the last cut (or the ceiling before any). */
  private base: number;
  /** When `base` was set; growth counts whole quiet intervals from here. */
  private baseAtMs: number;
  private lastCutMs = Number.NEGATIVE_INFINITY;
  private cutCount = 0;

  constructor(
    private readonly settings: AimdSettings,
    nowMs: number,
  ) {
    const { ceiling, floor, factor, increase, quietIntervalMs, minCutIntervalMs } = settings;
    if (!(ceiling > 0) || !Number.isFinite(ceiling)) throw new RangeError(`AIMD ceiling must be > 0, got ${ceiling}`);
    if (!(floor > 0) || floor > ceiling) throw new RangeError(`AIMD floor must be in (0, ceiling ${ceiling}], got ${floor}`);
    if (!(factor > 0 && factor < 1)) throw new RangeError(`AIMD factor must be in (0, 1), got ${factor}`);
    if (!(increase >= 0) || !Number.isFinite(increase)) throw new RangeError(`AIMD increase must be >= 0, got ${increase}`);
    if (!(quietIntervalMs > 0)) throw new RangeError(`AIMD quiet interval must be > 0, got ${quietIntervalMs}`);
    if (!(minCutIntervalMs >= 0)) throw new RangeError(`AIMD minimum cut interval must be >= 0, got ${minCutIntervalMs}`);
    this.base = ceiling;
    this.baseAtMs = nowMs;
  }

  /** The bytes/s limit at `nowMs`. */
  rate(nowMs: number): number {
    if (this.base >= this.settings.ceiling) return this.settings.ceiling;
    const intervals = Math.max(0, Math.floor((nowMs - this.baseAtMs) / this.settings.quietIntervalMs));
    return Math.min(this.settings.ceiling, this.base + intervals * this.settings.increase);
  }

  /** A throttling answer arrived at `nowMs`. Returns whether the rate was cut. */
  throttled(nowMs: number): boolean {
    if (nowMs - this.lastCutMs < this.settings.minCutIntervalMs) {
      // Still inside the last cut's shadow; restart the quiet clock so no increase
      // is earned while Firehose keeps throttling.
      this.base = this.rate(nowMs);
      this.baseAtMs = nowMs;
      return false;
    }
    this.base = Math.max(this.settings.floor, Math.floor(this.rate(nowMs) * this.settings.factor));
    this.baseAtMs = nowMs;
    this.lastCutMs = nowMs;
    this.cutCount += 1;
    return true;
  }

  snapshot(nowMs: number): AimdSnapshot {
    return { bytesPerSecond: this.rate(nowMs), ceiling: this.settings.ceiling, floor: this.settings.floor, cuts: this.cutCount };
  }
}
