/**
 * Client-side rate limiting against the Firehose per-stream quotas (records/s,
 * requests/s, bytes/s: https://docs.aws.amazon.com/firehose/latest/dev/limits.html),
 * so we slow down before Firehose throttles us instead of after.
 *
 * Three token buckets (src/flow/token-bucket.ts); a rate of 0 disables that bucket.
 * `acquire` is FIFO-fair: callers are admitted strictly in arrival order, so a big
 * request is never starved by a stream of small ones. A newcomer never jumps the
 * queue even when tokens are available. Waiting uses the injected clock with the
 * exact computed delay, which makes the schedule testable to the millisecond.
 */
import type { Clock } from '../clock';
import { abortedError, linkSignals } from './abort';
import type { AimdRate } from './aimd';
import { TokenBucket } from './token-bucket';

export type QuotaBucket = 'records' | 'bytes' | 'requests';

export interface RateCost {
  readonly records: number;
  readonly bytes: number;
  readonly requests: number;
}

/** Per-second rates; 0 = unlimited. */
export interface RateLimits {
  readonly recordsPerSecond: number;
  readonly bytesPerSecond: number;
  readonly requestsPerSecond: number;
}

export const UNLIMITED: RateLimits = { recordsPerSecond: 0, bytesPerSecond: 0, requestsPerSecond: 0 };

/** Observers and controllers around the buckets (all optional; see src/flow/rate-control.ts). */
export interface RateLimiterOptions {
  /** Drives the bytes/s bucket's rate (only when bytesPerSecond > 0). */
  readonly aimd?: AimdRate;
  /** Share of a bucket's capacity below which `limited` reports `belowThreshold` (default 0.1). */
  readonly pauseThreshold?: number;
  /** A request could not be admitted at once; `bucket` is the one it waits longest for. */
  limited?(bucket: QuotaBucket, belowThreshold: boolean): void;
  /** A request was admitted at once. */
  passed?(): void;
  /** A queued request was admitted after waiting `ms`. */
  waited?(ms: number): void;
  /** Also abandon waits when this signal aborts (the process-wide rebalance signal, F4). */
  abortWith?(): AbortSignal;
}

export interface BucketSnapshot {
  readonly bucket: QuotaBucket;
  /** Per second; 0 = unlimited. */
  readonly rate: number;
  readonly tokens: number;
  readonly capacity: number;
}

interface Waiter {
  readonly cost: RateCost;
  readonly enqueuedAt: number;
  readonly signal: AbortSignal | undefined;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
  /** Detaches `signal` from its sources (./abort.ts linkSignals). */
  readonly dispose: (() => void) | undefined;
  onAbort?: () => void;
}

export class RateLimiter {
  private readonly records: TokenBucket;
  private readonly bytes: TokenBucket;
  private readonly requests: TokenBucket;
  private readonly queue: Waiter[] = [];
  private pumping = false;
  /** Aborted to wake the pump when the waiter it is sleeping for gives up. */
  private headSleep: AbortController | undefined;
  private waitedMs = 0;

  constructor(
    readonly limits: RateLimits,
    private readonly clock: Clock,
    private readonly options: RateLimiterOptions = {},
  ) {
    const now = clock.now();
    this.records = new TokenBucket(limits.recordsPerSecond, now);
    this.bytes = new TokenBucket(limits.bytesPerSecond, now);
    this.requests = new TokenBucket(limits.requestsPerSecond, now);
  }

  /** Total milliseconds callers have spent queued in `acquire` (a metric source). */
  get waitingMs(): number {
    return this.waitedMs;
  }

  /** Callers currently waiting. */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * Resolves when `cost` has been taken. Rejects with an AbortedError if `signal`
   * aborts first; an abandoned waiter takes no tokens and unblocks those behind it.
   */
  acquire(cost: RateCost, callerSignal?: AbortSignal): Promise<void> {
    const extra = this.options.abortWith?.();
    // Checked, not composed: most acquires pass at once and need no signal at all.
    const aborted = callerSignal?.aborted ? callerSignal : extra?.aborted ? extra : undefined;
    if (aborted) return Promise.reject(abortedError(aborted));
    if (this.tryAcquire(cost)) {
      this.options.passed?.();
      return Promise.resolve();
    }
    this.reportLimited(cost);
    // Defect 1: a waiter links the long-lived rebalance signal only while it waits,
    // and unlinks it when it leaves the queue (admitted or cancelled).
    const linked = extra || callerSignal ? linkSignals(callerSignal, extra) : undefined;
    return new Promise<void>((resolve, reject) => {
      const signal = linked?.signal;
      const waiter: Waiter = { cost, enqueuedAt: this.clock.now(), signal, resolve, reject, dispose: linked?.dispose };
      if (signal) {
        waiter.onAbort = (): void => this.cancel(waiter);
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.queue.push(waiter);
      if (!this.pumping) void this.pump();
    });
  }

  /** Takes `cost` now if nobody is queued and every bucket allows it; never waits. */
  tryAcquire(cost: RateCost): boolean {
    if (this.queue.length > 0 || this.waitMs(cost) > 0) return false;
    this.take(cost);
    return true;
  }

  /** The buckets as they stand now (tokens after refill; negative while in debt). */
  snapshot(): BucketSnapshot[] {
    const now = this.clock.now();
    this.applyAimd(now);
    return (
      [
        ['records', this.records],
        ['bytes', this.bytes],
        ['requests', this.requests],
      ] as const
    ).map(([bucket, b]) => ({ bucket, rate: b.ratePerSecond, tokens: b.available(now), capacity: b.capacity }));
  }

  private reportLimited(cost: RateCost): void {
    if (!this.options.limited) return;
    const now = this.clock.now();
    const waits = [
      ['records', this.records, cost.records],
      ['bytes', this.bytes, cost.bytes],
      ['requests', this.requests, cost.requests],
    ] as const;
    let worst: (typeof waits)[number] = waits[0];
    for (const w of waits) if (w[1].waitMs(w[2], now) > worst[1].waitMs(worst[2], now)) worst = w;
    const [name, bucket] = worst;
    const threshold = this.options.pauseThreshold ?? 0.1;
    this.options.limited(name, !bucket.unlimited && bucket.available(now) < threshold * bucket.capacity);
  }

  /** AIMD owns the bytes/s rate; the bucket follows it before every decision. */
  private applyAimd(now: number): void {
    const aimd = this.options.aimd;
    if (aimd && !this.bytes.unlimited) {
      const rate = aimd.rate(now);
      if (rate !== this.bytes.ratePerSecond) this.bytes.setRate(rate, now);
    }
  }

  private waitMs(cost: RateCost): number {
    const now = this.clock.now();
    this.applyAimd(now);
    return Math.max(
      this.records.waitMs(cost.records, now),
      this.bytes.waitMs(cost.bytes, now),
      this.requests.waitMs(cost.requests, now),
    );
  }

  private take(cost: RateCost): void {
    const now = this.clock.now();
    this.records.take(cost.records, now);
    this.bytes.take(cost.bytes, now);
    this.requests.take(cost.requests, now);
  }

  private cancel(waiter: Waiter): void {
    const index = this.queue.indexOf(waiter);
    if (index < 0) return;
    this.queue.splice(index, 1);
    waiter.dispose?.();
    waiter.reject(abortedError(waiter.signal as AbortSignal));
    if (index === 0) this.headSleep?.abort();
  }

  /** Serves the queue head by head; the only place that sleeps. */
  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.queue.length > 0) {
        const head = this.queue[0] as Waiter;
        const wait = this.waitMs(head.cost);
        if (wait > 0) {
          const wake = new AbortController();
          this.headSleep = wake;
          try {
            await this.clock.sleep(wait, wake.signal);
          } catch {
            // The head gave up (cancel aborted `wake`): re-evaluate the new head.
          } finally {
            this.headSleep = undefined;
          }
          continue;
        }
        this.queue.shift();
        if (head.onAbort) head.signal?.removeEventListener('abort', head.onAbort);
        head.dispose?.();
        this.take(head.cost);
        const waited = this.clock.now() - head.enqueuedAt;
        this.waitedMs += waited;
        this.options.waited?.(waited);
        head.resolve();
      }
    } finally {
      this.pumping = false;
    }
  }
}
