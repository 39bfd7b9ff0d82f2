/**
 * The rate-limiting layer put together from configuration (README "Rate limiting"):
 *
 *   unit ──▶ size-class preset (messages/s per unit, may split it) ──▶ worker ──▶
 *   request ──▶ quota buckets (records/s, bytes/s ◀── AIMD, requests/s) ──▶ Firehose
 *                     │ cannot serve whole, nearly empty          ▲ throttling answers
 *                     ▼                                           │
 *               rate pause (RATE_LIMIT, 5 s → × 1.5 → 60 s)    throttled()
 *
 * Mode `quota` uses the per-request buckets only (their rates from firehose.rate,
 * 0 = unlimited), `size-class` the per-unit preset only, `both` both: a unit must
 * pass the preset before it is encoded, and each of its requests the quota buckets.
 * This class decides nothing new; it wires the pure parts (token-bucket,
 * interval-bucket, size-class-limiter, rate-pause, rate-backlog, aimd) and
 * reports through `RateControlEvents`. The batch handlers count fetched work in
 * and out of `backlog`; a rate pause in force is lifted once it is empty and no
 * request waits at the quota buckets (src/flow/rate-pause.ts, `work-exhausted`).
 */
import type { Clock } from '../clock';
import type { RateLimitConfig } from '../config/types';
import { AimdRate, type AimdSnapshot } from './aimd';
import { RateLimiter, UNLIMITED, type QuotaBucket, type RateLimits } from './rate-limiter';
import { RateBacklog } from './rate-backlog';
import { RatePause, type RatePauseEnd, type RatePauseEvent, type RatePauseHolder, type RatePauseSnapshot } from './rate-pause';
import { SizeClassLimiter, type SizeClassName } from './size-class-limiter';

export type LimiterBucket = QuotaBucket | 'size_class';

export interface RateControlEvents {
  /** A unit or request could not be served whole at once by `bucket`. */
  limited(bucket: LimiterBucket): void;
  /** Time a unit or request spent waiting for tokens. */
  waited(seconds: number): void;
  paused(event: RatePauseEvent): void;
  /** A rate pause ended: after `heldMs` of its `pauseMs` (earlier when lifted early: `endedBy`). */
  resumed(pauseMs: number, heldMs: number, endedBy: RatePauseEnd): void;
  /** AIMD cut the bytes/s rate. */
  rateCut(fromBytesPerSecond: number, toBytesPerSecond: number): void;
}

export interface BucketState {
  readonly bucket: LimiterBucket;
  /** Tokens per second (messages/s for size_class); 0 = unlimited. */
  readonly rate: number;
  readonly tokens: number;
  readonly capacity: number;
  /** 1 - tokens / capacity, clamped to 0..1 (0 for an unlimited bucket). */
  readonly utilization: number;
}

/** The read-only snapshot behind `rateLimiterState()` (admin status, /api/metrics/kafka). */
export interface RateLimiterState {
  readonly mode: RateLimitConfig['mode'];
  readonly buckets: readonly BucketState[];
  readonly sizeClass: { readonly current: SizeClassName | null; readonly queued: number } | null;
  readonly aimd: AimdSnapshot | null;
  readonly pause: RatePauseSnapshot | null;
}

export class RateControl {
  readonly quota: RateLimiter;
  readonly sizeClass: SizeClassLimiter | undefined;
  readonly pause: RatePause | undefined;
  readonly aimd: AimdRate | undefined;
  /** Fetched messages not yet started as units (the batch handlers count them in and out). */
  readonly backlog = new RateBacklog();

  constructor(
    private readonly config: { readonly rate: RateLimits; readonly rateLimit: RateLimitConfig },
    private readonly clock: Clock,
    holder: RatePauseHolder,
    private readonly events: RateControlEvents,
    /** Waits for tokens are abandoned when it aborts (the rebalance signal, F4). */
    abortWith?: () => AbortSignal,
  ) {
    const { mode, pause, aimd, sizeClass } = config.rateLimit;
    if (pause.enabled) {
      this.pause = new RatePause(pause, clock, holder, (e) => events.paused(e), (ms, held, end) => events.resumed(ms, held, end), {
        ready: () => (this.exhausted() ? 'work-exhausted' : this.caughtUp() ? 'caught-up' : null),
        everyMs: sizeClass.refillIntervalMs,
      });
      this.backlog.onEmpty(() => {
        if (this.exhausted()) this.pause?.lift('work-exhausted');
      });
    }
    const limits = mode === 'size-class' ? UNLIMITED : config.rate;
    if (aimd.enabled && limits.bytesPerSecond > 0) {
      this.aimd = new AimdRate(
        {
          ceiling: limits.bytesPerSecond,
          floor: Math.min(aimd.floorBytesPerSecond, limits.bytesPerSecond),
          factor: aimd.factor,
          increase: aimd.increaseBytesPerSecond,
          quietIntervalMs: aimd.quietIntervalMs,
          minCutIntervalMs: aimd.minCutIntervalMs,
        },
        clock.now(),
      );
    }
    this.quota = new RateLimiter(limits, clock, {
      aimd: this.aimd,
      pauseThreshold: pause.threshold,
      limited: (bucket, below) => this.onLimited(bucket, below),
      // With the preset on, units (not requests) decide when the backoff resets.
      passed: mode === 'quota' ? () => this.pause?.passed() : undefined,
      waited: (ms) => events.waited(ms / 1000),
      abortWith,
    });
    if (mode !== 'quota') {
      this.sizeClass = new SizeClassLimiter({ ...sizeClass, pauseThreshold: pause.threshold }, clock, {
        limited: (below) => this.onLimited('size_class', below),
        passed: () => this.pause?.passed(),
        waited: (ms) => events.waited(ms / 1000),
      });
    }
  }

  /**
   * How many messages from the front of a unit (sizes in bytes) may go now:
   * all of them without the size-class preset; else what the preset admits,
   * waiting if it must. Rejects with AbortedError when `signal` aborts.
   */
  async admit(sizes: readonly number[], signal?: AbortSignal, remainder = false): Promise<number> {
    if (!this.sizeClass) return sizes.length;
    return (await this.sizeClass.admit(sizes, signal, remainder)).admitted;
  }

  /**
   * The admission of a unit (its messages' value sizes) for the supervisor's
   * lanes: only with the size-class preset; without it every unit starts whole.
   */
  get unitAdmission(): ((unit: { messages: ReadonlyArray<{ value: Buffer | null }> }, signal: AbortSignal, remainder: boolean) => Promise<number>) | undefined {
    if (!this.sizeClass) return undefined;
    return (unit, signal, remainder) => this.admit(unit.messages.map((m) => m.value?.length ?? 0), signal, remainder);
  }

  /** Firehose answered with throttling (ServiceUnavailableException, per record or request). */
  throttled(): void {
    if (!this.aimd) return;
    const now = this.clock.now();
    const before = this.aimd.rate(now);
    if (this.aimd.throttled(now)) this.events.rateCut(before, this.aimd.rate(now));
  }

  state(): RateLimiterState {
    const buckets: BucketState[] = this.quota.snapshot().map((b) => bucketState(b.bucket, b.rate, b.tokens, b.capacity));
    let sizeClass: RateLimiterState['sizeClass'] = null;
    if (this.sizeClass) {
      const s = this.sizeClass.snapshot();
      buckets.push(bucketState('size_class', s.perSecond, s.tokens, s.capacity));
      sizeClass = { current: s.sizeClass, queued: s.queued };
    }
    return {
      mode: this.config.rateLimit.mode,
      buckets,
      sizeClass,
      aimd: this.aimd ? this.aimd.snapshot(this.clock.now()) : null,
      pause: this.pause ? this.pause.snapshot() : null,
    };
  }

  /** Ends a rate pause in force (shutdown). */
  stop(): void {
    this.pause?.stop();
  }

  /**
   * Nothing fetched is left to hold back (in quota mode the last requests may still
   * wait at the buckets after the backlog emptied: the probe sees them leave).
   */
  private exhausted(): boolean {
    return this.backlog.messages === 0 && this.quota.queued === 0 && (this.sizeClass?.snapshot().queued ?? 0) === 0;
  }

  /** Nobody waits for tokens and every limited bucket is full: a whole unit would pass now. */
  private caughtUp(): boolean {
    if (this.quota.queued > 0) return false;
    if (this.quota.snapshot().some((b) => b.rate > 0 && b.tokens < b.capacity)) return false;
    if (!this.sizeClass) return true;
    const s = this.sizeClass.snapshot();
    return s.queued === 0 && s.tokens >= s.capacity;
  }

  private onLimited(bucket: LimiterBucket, belowThreshold: boolean): void {
    this.events.limited(bucket);
    if (belowThreshold) this.pause?.blocked(bucket);
  }
}

function bucketState(bucket: LimiterBucket, rate: number, tokens: number, capacity: number): BucketState {
  const utilization = capacity > 0 ? Math.min(1, Math.max(0, 1 - tokens / capacity)) : 0;
  return { bucket, rate, tokens, capacity, utilization };
}
