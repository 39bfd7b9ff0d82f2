/**
 * Bounded memory (DESIGN invariant 5): one in-flight byte budget for fetched,
 * encoding and awaiting-Firehose work. The supervisor reserves a unit's bytes
 * when its batch is fetched and releases them when the unit settles; when the cap
 * is reached it pauses fetching rather than buffering without bound.
 *
 * A pure class (STYLE: "Backpressure is a signal; pause state is a pure class",
 * after arroyo's MessageRejected -> pause): no timers, no I/O, only counters and
 * promise bookkeeping for `whenOpen`.
 *
 * Fetched work is always reserved (`reserve` may pass the cap): it was taken
 * from Kafka and must be processed anyway; the cap decides only whether
 * fetching goes on (src/kafka/supervisor.ts holds its round while it is spent).
 */
import { abortedError } from './abort';

/**
 * Hysteresis: once the cap is reached, fetching resumes when in-flight bytes
 * drop below this share of it, not at the first unit that settles (which paused
 * and resumed the consumer per unit near the cap).
 */
export const RESUME_BELOW_SHARE = 0.75;

export interface BackpressureOptions {
  /** Resume below this many bytes instead (default: RESUME_BELOW_SHARE of the cap). */
  readonly resumeBelowBytes?: number;
}

export class BackpressureGate {
  private inFlight = 0;
  private paused = false;
  private readonly resumeBelow: number;
  private readonly openWaiters = new Set<() => void>();

  constructor(readonly maxInFlightBytes: number, options: BackpressureOptions = {}) {
    assertBytes(maxInFlightBytes, 'maxInFlightBytes');
    if (maxInFlightBytes === 0) throw new RangeError('maxInFlightBytes must be > 0');
    this.resumeBelow = Math.min(options.resumeBelowBytes ?? Math.floor(maxInFlightBytes * RESUME_BELOW_SHARE), maxInFlightBytes);
  }

  get inFlightBytes(): number {
    return this.inFlight;
  }

  /** True when the consumer should be paused: the cap is reached (and, with hysteresis, not yet drained below the resume mark). */
  get shouldPause(): boolean {
    return this.paused;
  }

  /**
   * Reserves `bytes` unconditionally: for work already taken from Kafka that must
   * be processed anyway. May exceed the cap; `shouldPause` then says so.
   */
  reserve(bytes: number): void {
    assertBytes(bytes, 'bytes');
    this.add(bytes);
  }

  /** Returns `bytes` reserved earlier; below the resume mark `whenOpen` callers go on. */
  release(bytes: number): void {
    assertBytes(bytes, 'bytes');
    if (bytes > this.inFlight) {
      // A double release would silently raise the cap: a programmer error, never retried.
      throw new RangeError(`release of ${bytes} bytes exceeds the ${this.inFlight} in flight`);
    }
    this.inFlight -= bytes;
    if (this.paused && this.inFlight < this.resumeBelow) {
      this.paused = false;
      const open = [...this.openWaiters];
      this.openWaiters.clear();
      open.forEach((w) => w());
    }
  }

  /**
   * Resolves once `shouldPause` is false (at once when it is): the pipelined
   * supervisor holds a fetch round here while the budget is spent (issue 12).
   * Rejects with an AbortedError when `signal` aborts first.
   */
  whenOpen(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortedError(signal));
    if (!this.paused) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.openWaiters.delete(done);
        reject(abortedError(signal as AbortSignal));
      };
      const done = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.openWaiters.add(done);
    });
  }

  private add(bytes: number): void {
    this.inFlight += bytes;
    if (this.inFlight >= this.maxInFlightBytes) this.paused = true;
  }
}

function assertBytes(value: number, name: string): void {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
}
