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
import { abortedError } from './abort';
import { TokenBucket } from './token-bucket';

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

interface Waiter {
  readonly cost: RateCost;
  readonly enqueuedAt: number;
  readonly signal: AbortSignal | undefined;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
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

  constructor(readonly limits: RateLimits, private readonly clock: Clock) {
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
  acquire(cost: RateCost, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortedError(signal));
    if (this.tryAcquire(cost)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { cost, enqueuedAt: this.clock.now(), signal, resolve, reject };
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

  private waitMs(cost: RateCost): number {
    const now = this.clock.now();
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
        this.take(head.cost);
        this.waitedMs += this.clock.now() - head.enqueuedAt;
        head.resolve();
      }
    } finally {
      this.pumping = false;
    }
  }
}
