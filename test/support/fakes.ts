/**
 * Fakes behind the narrow interfaces (STYLE: "Narrow injected interfaces"):
 * a deterministic clock, a scripted Firehose port, a recording observer, and
 * `createTestDispatcher(partial)`.
 */
import type { Clock, Random } from '../../src/clock';
import type { FirehoseError } from '../../src/errors';
import type { FirehosePort, PutBatchResponse } from '../../src/firehose/client';
import { type DeliveryReport, FirehoseDispatcher, type DispatcherOptions } from '../../src/firehose/dispatcher';
import type { DispatchObserver, RequestSize } from '../../src/firehose/observer';
import { RateLimiter, UNLIMITED } from '../../src/flow/rate-limiter';

interface Sleeper {
  readonly due: number;
  readonly seq: number;
  readonly resolve: () => void;
}

/** Lets every pending microtask (and promise chain) run: setImmediate fires after the microtask queue drains. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A Clock whose time moves only in `advance`. `sleep` honours abort signals like
 * systemClock (rejects with the signal's reason). `advance(ms)` wakes due sleepers
 * one at a time in due-time order (ties in call order), setting `now()` to each
 * sleeper's due time and letting microtasks run before the next, so code that
 * sleeps again in reaction is woken within the same advance if due.
 */
export class FakeClock implements Clock {
  private time: number;
  private seq = 0;
  private sleepers: Sleeper[] = [];
  /** Every sleep requested, in ms, in call order (timer sleeps included). */
  readonly sleeps: number[] = [];

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const sleeper: Sleeper = {
        due: this.time + ms,
        seq: this.seq++,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.sleepers.push(sleeper);
    });
  }

  /** Sleepers not yet woken. */
  get pending(): number {
    return this.sleepers.length;
  }

  /** Due time of the earliest sleeper, if any. */
  nextDue(): number | undefined {
    return this.earliest()?.due;
  }

  async advance(ms: number): Promise<void> {
    const target = this.time + ms;
    await flush();
    for (;;) {
      const next = this.earliest();
      if (next === undefined || next.due > target) break;
      this.sleepers = this.sleepers.filter((s) => s !== next);
      this.time = Math.max(this.time, next.due);
      next.resolve();
      await flush();
    }
    this.time = target;
    await flush();
  }

  /** Advances to the next due sleeper (if any) and runs what it wakes. */
  async step(): Promise<boolean> {
    await flush();
    const due = this.nextDue();
    if (due === undefined) return false;
    await this.advance(due - this.time);
    return true;
  }

  /**
   * Advances from sleeper to sleeper until `promise` settles; returns its outcome.
   * Throws if it cannot settle (no sleepers left) or `maxSteps` is exceeded.
   */
  async run<T>(promise: Promise<T>, maxSteps = 10_000): Promise<T> {
    let settled = false;
    const watched = promise.finally(() => {
      settled = true;
    });
    watched.catch(() => undefined);
    await flush();
    for (let i = 0; !settled; i++) {
      if (i >= maxSteps) throw new Error(`FakeClock.run: not settled after ${maxSteps} steps`);
      if (!(await this.step())) {
        await flush();
        if (!settled) throw new Error('FakeClock.run: deadlock, nothing scheduled and the promise is pending');
      }
    }
    return watched;
  }

  private earliest(): Sleeper | undefined {
    let best: Sleeper | undefined;
    for (const s of this.sleepers) {
      if (best === undefined || s.due < best.due || (s.due === best.due && s.seq < best.seq)) best = s;
    }
    return best;
  }
}

/** One scripted reaction of the fake port to a PutRecordBatch call. */
export type PortStep =
  | 'ok'
  /** 200 with these entries failed (indices into this call's records). */
  | { readonly failIndices: readonly number[]; readonly code?: string; readonly message?: string }
  /** Reject with this error. */
  | { readonly throw: unknown }
  /** Resolve with exactly this response (e.g. a wrong length). */
  | { readonly respond: PutBatchResponse }
  /** Never answer; reject with an AbortError once the request signal aborts (as the SDK does), unless ignoreAbort. */
  | { readonly hang: true; readonly ignoreAbort?: boolean }
  | ((records: readonly Uint8Array[], signal: AbortSignal) => Promise<PutBatchResponse>);

export interface PortCall {
  readonly streamName: string;
  /** Copies of the records sent, so later mutation of the caller's buffers cannot hide a bug. */
  readonly records: readonly Uint8Array[];
  readonly signal: AbortSignal;
}

/** A FirehosePort scripted call by call; after the script runs out every call succeeds. */
export class FakeFirehosePort implements FirehosePort {
  readonly calls: PortCall[] = [];
  private readonly script: PortStep[];
  private recordSeq = 0;
  streamStatus: string | Error = 'ACTIVE';

  constructor(script: readonly PortStep[] = []) {
    this.script = [...script];
  }

  /** Appends steps to the script. */
  then(...steps: PortStep[]): this {
    this.script.push(...steps);
    return this;
  }

  /** The records of call `n` as strings (assumes UTF-8 test records). */
  sentText(n: number): string[] {
    const call = this.calls[n];
    if (!call) throw new Error(`no call ${n}; ${this.calls.length} calls made`);
    return call.records.map((r) => Buffer.from(r).toString('utf8'));
  }

  async putRecordBatch(streamName: string, records: readonly Uint8Array[], signal: AbortSignal): Promise<PutBatchResponse> {
    this.calls.push({ streamName, records: records.map((r) => Uint8Array.from(r)), signal });
    const step = this.script.shift() ?? 'ok';
    if (typeof step === 'function') return step(records, signal);
    if (step === 'ok') return this.respond(records.length, []);
    if ('throw' in step) throw step.throw;
    if ('respond' in step) return step.respond;
    if ('hang' in step) {
      return new Promise<PutBatchResponse>((_resolve, reject) => {
        if (step.ignoreAbort) return;
        const fail = (): void => reject(Object.assign(new Error('Request aborted'), { name: 'AbortError', cause: signal.reason }));
        if (signal.aborted) fail();
        else signal.addEventListener('abort', fail, { once: true });
      });
    }
    return this.respond(records.length, step.failIndices, step.code ?? 'ServiceUnavailableException', step.message);
  }

  async checkStream(): Promise<{ status: string }> {
    if (this.streamStatus instanceof Error) throw this.streamStatus;
    return { status: this.streamStatus };
  }

  private respond(count: number, failIndices: readonly number[], code = '', message = 'Slow down.'): PutBatchResponse {
    const failed = new Set(failIndices);
    return {
      failedPutCount: failed.size,
      responses: Array.from({ length: count }, (_, i) =>
        failed.has(i) ? { errorCode: code, errorMessage: message } : { recordId: `rec-${this.recordSeq++}` },
      ),
    };
  }
}

export type ObserverEvent =
  | { readonly type: 'requestSent'; readonly records: number; readonly bytes: number }
  | { readonly type: 'requestSucceeded'; readonly latencyMs: number }
  | { readonly type: 'partialFailure'; readonly failed: number; readonly total: number; readonly codes: Readonly<Record<string, number>> }
  | { readonly type: 'requestFailed'; readonly error: FirehoseError; readonly attempt: number }
  | { readonly type: 'retryScheduled'; readonly delayMs: number; readonly attempt: number; readonly reason: string };

/** A DispatchObserver that records every event in order. */
export class RecordingObserver implements DispatchObserver {
  readonly events: ObserverEvent[] = [];

  requestSent(records: number, bytes: number): void {
    this.events.push({ type: 'requestSent', records, bytes });
  }
  requestSucceeded(latencyMs: number, _request?: RequestSize): void {
    this.events.push({ type: 'requestSucceeded', latencyMs });
  }
  partialFailure(failed: number, total: number, codes: Readonly<Record<string, number>>): void {
    this.events.push({ type: 'partialFailure', failed, total, codes });
  }
  requestFailed(error: FirehoseError, attempt: number, _request?: RequestSize, _latencyMs?: number): void {
    this.events.push({ type: 'requestFailed', error, attempt });
  }
  retryScheduled(delayMs: number, attempt: number, reason: string): void {
    this.events.push({ type: 'retryScheduled', delayMs, attempt, reason });
  }

  of<K extends ObserverEvent['type']>(type: K): Array<Extract<ObserverEvent, { type: K }>> {
    return this.events.filter((e): e is Extract<ObserverEvent, { type: K }> => e.type === type);
  }

  /** Delays of the scheduled retries, in order. */
  get delays(): number[] {
    return this.of('retryScheduled').map((e) => e.delayMs);
  }
}

export interface TestDispatcher {
  readonly dispatcher: FirehoseDispatcher;
  readonly port: FakeFirehosePort;
  readonly clock: FakeClock;
  readonly observer: RecordingObserver;
  readonly rateLimiter: RateLimiter;
  /** Runs one delivery to completion on the fake clock. */
  deliver(records: readonly Uint8Array[], signal?: AbortSignal): Promise<DeliveryReport>;
}

/**
 * A dispatcher over fakes: FakeClock, FakeFirehosePort, random = () => 1 (so
 * delays are exactly the backoff ceilings), backoff 100 ms .. 10 s, an unlimited
 * rate limiter, a 30 s request timeout. Override any part.
 */
export function createTestDispatcher(
  partial: Partial<DispatcherOptions> & { port?: FakeFirehosePort; clock?: FakeClock; random?: Random } = {},
): TestDispatcher {
  const clock = partial.clock ?? new FakeClock();
  const port = partial.port ?? new FakeFirehosePort();
  const observer = (partial.observer as RecordingObserver | undefined) ?? new RecordingObserver();
  const rateLimiter = partial.rateLimiter ?? new RateLimiter(UNLIMITED, clock);
  const dispatcher = new FirehoseDispatcher({
    streamName: 'test-stream',
    random: () => 1,
    backoff: { baseMs: 100, maxMs: 10_000 },
    requestTimeoutMs: 30_000,
    ...partial,
    port,
    clock,
    observer,
    rateLimiter,
  });
  return {
    dispatcher,
    port,
    clock,
    observer,
    rateLimiter,
    deliver: (records, signal = new AbortController().signal) => clock.run(dispatcher.deliver(records, signal)),
  };
}

/** UTF-8 records 'r0', 'r1', ... for readable assertions. */
export function textRecords(count: number, prefix = 'r'): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => new TextEncoder().encode(`${prefix}${i}`));
}
