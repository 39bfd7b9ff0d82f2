/**
 * Bounded memory (DESIGN invariant 5): one in-flight byte budget for fetched,
 * encoding and awaiting-Firehose work. The supervisor reserves a unit's bytes
 * when its batch is fetched and releases them when the unit settles; when the cap
 * is reached it pauses fetching rather than buffering without bound.
 *
 * A pure class (STYLE: "Backpressure is a signal; pause state is a pure class",
 * after arroyo's MessageRejected -> pause): no timers, no I/O, only counters and
 * promise bookkeeping for `waitForRoom`.
 *
 * One rule keeps the pipeline moving: when nothing is in flight, any unit is
 * admitted, even one larger than the cap; otherwise it would wait forever.
 */
import { abortedError } from './abort';

export interface BackpressureOptions {
  /**
   * Hysteresis: once paused, stay paused until in-flight bytes drop below this
   * (default: the cap itself, i.e. no hysteresis). Avoids pause/resume flapping
   * when units finish one by one near the cap.
   */
  readonly resumeBelowBytes?: number;
}

interface RoomWaiter {
  readonly bytes: number;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
  readonly signal: AbortSignal | undefined;
  onAbort?: () => void;
}

export class BackpressureGate {
  private inFlight = 0;
  private paused = false;
  private readonly resumeBelow: number;
  private readonly waiters: RoomWaiter[] = [];
  private readonly openWaiters = new Set<() => void>();

  constructor(readonly maxInFlightBytes: number, options: BackpressureOptions = {}) {
    assertBytes(maxInFlightBytes, 'maxInFlightBytes');
    if (maxInFlightBytes === 0) throw new RangeError('maxInFlightBytes must be > 0');
    this.resumeBelow = Math.min(options.resumeBelowBytes ?? maxInFlightBytes, maxInFlightBytes);
  }

  get inFlightBytes(): number {
    return this.inFlight;
  }

  /** True when the consumer should be paused: the cap is reached (and, with hysteresis, not yet drained below the resume mark). */
  get shouldPause(): boolean {
    return this.paused;
  }

  /** Whether `bytes` would be admitted now: it fits under the cap, or nothing is in flight. */
  hasRoomFor(bytes: number): boolean {
    return this.inFlight === 0 || this.inFlight + bytes <= this.maxInFlightBytes;
  }

  /** Reserves `bytes` if `hasRoomFor(bytes)`; returns whether it did. */
  tryReserve(bytes: number): boolean {
    assertBytes(bytes, 'bytes');
    if (!this.hasRoomFor(bytes)) return false;
    this.add(bytes);
    return true;
  }

  /**
   * Reserves `bytes` unconditionally: for work already taken from Kafka that must
   * be processed anyway. May exceed the cap; `shouldPause` then says so.
   */
  reserve(bytes: number): void {
    assertBytes(bytes, 'bytes');
    this.add(bytes);
  }

  /** Returns `bytes` reserved earlier; wakes `waitForRoom` callers that now fit. */
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
    this.wake();
  }

  /**
   * Resolves once `hasRoomFor(bytes)` is true; it does not reserve. Call
   * `reserve(bytes)` in the same synchronous continuation. With several concurrent
   * waiters all may wake on one release and overshoot the cap by their units;
   * the supervisor has a single fetch loop, so there is one waiter.
   * Rejects with an AbortedError when `signal` aborts first.
   */
  waitForRoom(bytes: number, signal?: AbortSignal): Promise<void> {
    assertBytes(bytes, 'bytes');
    if (signal?.aborted) return Promise.reject(abortedError(signal));
    if (this.hasRoomFor(bytes)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: RoomWaiter = { bytes, resolve, reject, signal };
      if (signal) {
        waiter.onAbort = (): void => {
          this.remove(waiter);
          reject(abortedError(signal));
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
    });
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

  private wake(): void {
    for (const waiter of [...this.waiters]) {
      if (!this.hasRoomFor(waiter.bytes)) continue;
      this.remove(waiter);
      waiter.resolve();
    }
  }

  private remove(waiter: RoomWaiter): void {
    const index = this.waiters.indexOf(waiter);
    if (index >= 0) this.waiters.splice(index, 1);
    if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
  }
}

function assertBytes(value: number, name: string): void {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
}
