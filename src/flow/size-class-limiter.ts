/**
 * The original service's size-class preset ("Bucket4j Rate Limiting for Batch
 * Processing", the original task list, ../shared/reference/000_1e8dbbeff2f859c3.txt):
 * messages per second chosen by the unit's message sizes, because a Firehose
 * stream's bytes/s quota is what the big scans exhaust.
 *
 *   average ≤ smallMaxBytes (40 KB)  → small:  100 msg/s
 *   average ≥ largeMinBytes (80 KB)  → large:   50 msg/s
 *   otherwise                        → mixed:  the mean over the unit's messages of
 *                                              their own class rates (small 100,
 *                                              medium = baseline 75, large 50)
 *
 * so a unit of 65 KB scans runs at the baseline 75 msg/s and a half-and-half unit
 * of 30 KB and 100 KB scans at 75 too. One bucket (capacity 150 tokens, one per
 * message, interval refill of one second of the selected rate), so the mix of
 * classes cannot add up past the stream's budget.
 *
 * Admission of a unit of n messages (tryConsume / tryConsumeAndReturnRemaining):
 *  - n tokens available → the whole unit;
 *  - else at least `minPartial` → that many messages now; the caller splits the
 *    unit and the remainder asks again in its turn;
 *  - else wait for the next refill and try again.
 * Callers are served in arrival order. A unit that could not be served whole at
 * once is a rate-limit event; if the bucket was below its pause threshold it asks
 * the rate pause (src/flow/rate-pause.ts) to stop fetching; a unit served whole
 * without waiting — not for tokens, not behind another caller, and not the
 * remainder of a split unit — resets the pause backoff.
 */
import type { Clock } from '../clock';
import type { RateLimitConfig } from '../config/types';
import { abortedError } from './abort';
import { IntervalBucket } from './interval-bucket';

/**
 * The preset's keys (rateLimit.sizeClass, documented in src/config/schema.ts) and
 * the pause threshold: the share of capacity (0..1) below which a unit that
 * cannot be served whole causes a rate pause.
 */
export type SizeClassSettings = RateLimitConfig['sizeClass'] & { readonly pauseThreshold: number };

export type SizeClassName = 'small' | 'mixed' | 'large';

export interface SizeClassSelection {
  readonly sizeClass: SizeClassName;
  /** Messages per second for this unit. */
  readonly perSecond: number;
  readonly averageBytes: number;
}

/** Picks the rate for a unit from its messages' sizes (bytes). An empty unit is small. */
export function selectSizeClass(sizes: readonly number[], s: SizeClassSettings): SizeClassSelection {
  if (sizes.length === 0) return { sizeClass: 'small', perSecond: s.smallPerSecond, averageBytes: 0 };
  let total = 0;
  let rateSum = 0;
  for (const size of sizes) {
    total += size;
    rateSum += size <= s.smallMaxBytes ? s.smallPerSecond : size >= s.largeMinBytes ? s.largePerSecond : s.baselinePerSecond;
  }
  const averageBytes = total / sizes.length;
  if (averageBytes <= s.smallMaxBytes) return { sizeClass: 'small', perSecond: s.smallPerSecond, averageBytes };
  if (averageBytes >= s.largeMinBytes) return { sizeClass: 'large', perSecond: s.largePerSecond, averageBytes };
  return { sizeClass: 'mixed', perSecond: rateSum / sizes.length, averageBytes };
}

export interface SizeClassHooks {
  /** The unit could not be served whole at once (`belowThreshold`: the bucket was nearly empty). */
  limited?(belowThreshold: boolean): void;
  /** The unit was served whole without waiting. */
  passed?(): void;
  /** The caller waited `ms` in total for this admission. */
  waited?(ms: number): void;
}

export interface Admission {
  /** Messages admitted from the front of the unit (1..n). */
  readonly admitted: number;
  readonly selection: SizeClassSelection;
  readonly waitedMs: number;
}

export interface SizeClassSnapshot {
  readonly tokens: number;
  readonly capacity: number;
  readonly perSecond: number;
  readonly sizeClass: SizeClassName | null;
  readonly queued: number;
}

export class SizeClassLimiter {
  private readonly bucket: IntervalBucket;
  /** Resolves when every earlier admission is done: callers are served in order. */
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;
  private lastClass: SizeClassName | null = null;

  constructor(
    readonly settings: SizeClassSettings,
    private readonly clock: Clock,
    private readonly hooks: SizeClassHooks = {},
  ) {
    validate(settings);
    const tokensPerInterval = (settings.baselinePerSecond * settings.refillIntervalMs) / 1000;
    this.bucket = new IntervalBucket(settings.capacity, tokensPerInterval, settings.refillIntervalMs, clock.now());
  }

  /**
   * Admits the front of a unit whose messages have these sizes; see the file comment.
   * `remainder`: this is what is left of a unit split by a partial take; being
   * served whole at once then does not reset the pause backoff (the unit waited).
   */
  async admit(sizes: readonly number[], signal?: AbortSignal, remainder = false): Promise<Admission> {
    if (signal?.aborted) throw abortedError(signal);
    const selection = selectSizeClass(sizes, this.settings);
    const n = Math.max(1, sizes.length);
    const previous = this.tail;
    let done!: () => void;
    const mine = new Promise<void>((resolve) => (done = resolve));
    // If this caller gives up early, the next one still waits for `previous`.
    this.tail = Promise.all([previous, mine]).then(() => undefined);
    // Queued behind another caller: this unit waits for its turn even if the tokens are there then.
    const queued = this.waiting > 0;
    this.waiting += 1;
    const started = this.clock.now();
    try {
      await untilAborted(previous, signal);
      let first = true;
      for (;;) {
        const now = this.clock.now();
        this.bucket.setRefill((selection.perSecond * this.settings.refillIntervalMs) / 1000, now);
        this.lastClass = selection.sizeClass;
        const tokens = Math.floor(this.bucket.available(now));
        const take = tokens >= n ? n : tokens >= this.settings.minPartial ? tokens : 0;
        if (first && take < n) this.hooks.limited?.(tokens < this.settings.pauseThreshold * this.settings.capacity);
        if (take > 0) {
          this.bucket.take(take, now);
          const waitedMs = now - started;
          if (first && take === n && !remainder && !queued) this.hooks.passed?.();
          if (waitedMs > 0) this.hooks.waited?.(waitedMs);
          return { admitted: take, selection, waitedMs };
        }
        first = false;
        await this.clock.sleep(this.bucket.msUntilRefill(now), signal);
      }
    } catch (err) {
      if (signal?.aborted) throw abortedError(signal);
      throw err;
    } finally {
      this.waiting -= 1;
      done();
    }
  }

  snapshot(): SizeClassSnapshot {
    const now = this.clock.now();
    return {
      tokens: this.bucket.available(now),
      capacity: this.bucket.capacity,
      perSecond: (this.bucket.refill * 1000) / this.settings.refillIntervalMs,
      sizeClass: this.lastClass,
      queued: this.waiting,
    };
  }
}

function untilAborted(work: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return work;
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(abortedError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function validate(s: SizeClassSettings): void {
  if (!(s.smallMaxBytes < s.largeMinBytes)) throw new RangeError(`size classes: smallMaxBytes (${s.smallMaxBytes}) must be < largeMinBytes (${s.largeMinBytes})`);
  for (const [name, rate] of [['small', s.smallPerSecond], ['baseline', s.baselinePerSecond], ['large', s.largePerSecond]] as const) {
    if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`size classes: ${name} rate must be > 0, got ${rate}`);
  }
  if (!Number.isInteger(s.minPartial) || s.minPartial < 1 || s.minPartial > s.capacity) {
    throw new RangeError(`size classes: minPartial must be an integer in [1, capacity ${s.capacity}], got ${s.minPartial}`);
  }
  if (!(s.pauseThreshold >= 0 && s.pauseThreshold <= 1)) throw new RangeError(`size classes: pauseThreshold must be in [0, 1], got ${s.pauseThreshold}`);
}
