/**
 * The Firehose dispatcher: delivers one planned sub-batch (≤ 500 records, ≤ 4 MiB,
 * see src/pipeline/limits.ts) and does not return until every record is acked.
 *
 *   deliver(records) ──▶ rate limiter ──▶ PutRecordBatch ──▶ all acked? ──▶ report
 *                          ▲                                   │ no
 *                          └──── backoff (full jitter) ◀── resend only the failed entries
 *
 * Lifecycle contract:
 * - `deliver` is re-entrant: several may run concurrently (one per sub-batch in
 *   flight). The dispatcher keeps no state between calls; each call's counters
 *   live in its own report.
 * - Retriable failures (throttling, 5xx, timeouts, network, per-record
 *   ServiceUnavailable/InternalFailure) are retried WITHOUT LIMIT: nothing is
 *   dropped. Meanwhile the in-flight cap pauses the consumer, and `onWait` is called
 *   every `heartbeatIntervalMs` while waiting so the supervisor can heartbeat.
 * - A non-retriable failure rejects with that FirehoseError: the caller stops
 *   consuming; nothing is committed past the unit, so nothing is lost.
 * - Aborting `signal` (rebalance, terminate) rejects with an AbortedError promptly,
 *   in the rate limiter, mid-request or mid-backoff. Records may or may not have
 *   arrived; the offsets are not committed, so they are delivered again later.
 * - If `onWait` throws, the in-flight work is aborted and `deliver` rejects with
 *   that error.
 * - The caller must not modify `records` until `deliver` settles: resends send
 *   the same buffers again.
 */
import type { Clock, Random } from '../clock';
import { AbortedError, FirehoseError } from '../errors';
import { abortedError } from '../flow/abort';
import { type BackoffSettings, fullJitterDelay } from '../flow/backoff';
import type { RateLimiter } from '../flow/rate-limiter';
import type { FirehosePort, PutBatchResponse } from './client';
import { classifyRequestError, isThrottleCode } from './classify';
import type { DispatchObserver, RequestSize } from './observer';
import { assessResponse } from './response';

export interface DispatcherOptions {
  readonly port: FirehosePort;
  readonly streamName: string;
  readonly clock: Clock;
  readonly random: Random;
  readonly backoff: BackoffSettings;
  readonly rateLimiter: RateLimiter;
  /** Per-request bound; on expiry the request is aborted and retried (REQUEST_TIMEOUT). */
  readonly requestTimeoutMs: number;
  readonly observer: DispatchObserver;
  /** Called at least every `heartbeatIntervalMs` while a delivery waits (limiter, request, backoff). */
  readonly onWait?: () => Promise<void> | void;
  /** Default 1000 ms: well inside kafkajs's default 3 s heartbeat interval. */
  readonly heartbeatIntervalMs?: number;
}

export interface DeliveryReport {
  /** Records delivered (all of them: `deliver` resolves only when every record is acked). */
  readonly records: number;
  /** Their bytes (each record counted once, resends excluded). */
  readonly bytes: number;
  /** PutRecordBatch calls that returned a usable response (each counts against requests/s). */
  readonly requests: number;
  /** PutRecordBatch calls made, including those that failed as a whole. */
  readonly attempts: number;
  /** Entries resent after per-record failures, summed over all resends. */
  readonly resentEntries: number;
  /** Attempts that met throttling (request-level or per-record ServiceUnavailableException). */
  readonly throttled: number;
}

/** The meaning of one attempt (see `judge`). */
interface Verdict {
  /** A usable response arrived (counted in `DeliveryReport.requests`). */
  readonly answered: boolean;
  /** Indices into this attempt's batch to resend: [] = all acked; absent = resend the whole batch. */
  readonly resend?: readonly number[];
  /** Why we retry: an error code or 'PARTIAL_FAILURE'. */
  readonly reason: string;
  readonly throttled: boolean;
}

const TICK = Symbol('tick');

export class FirehoseDispatcher {
  private readonly heartbeatIntervalMs: number;

  constructor(private readonly options: DispatcherOptions) {
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 1_000;
    if (!(this.heartbeatIntervalMs > 0)) throw new RangeError('heartbeatIntervalMs must be > 0');
    if (!(options.requestTimeoutMs > 0)) throw new RangeError('requestTimeoutMs must be > 0');
  }

  async deliver(records: readonly Uint8Array[], signal: AbortSignal): Promise<DeliveryReport> {
    const report = { records: records.length, bytes: sumBytes(records), requests: 0, attempts: 0, resentEntries: 0, throttled: 0 };
    // `local` aborts with the caller's signal, and also when onWait throws.
    const local = new AbortController();
    const forward = (): void => local.abort(signal.reason);
    if (signal.aborted) throw abortedError(signal);
    signal.addEventListener('abort', forward, { once: true });
    try {
      let pending = records.map((_, index) => index);
      let failures = 0; // consecutive failed attempts: the backoff exponent
      while (pending.length > 0) {
        const { observer, clock } = this.options;
        const batch = pending.map((index) => records[index] as Uint8Array);
        const bytes = sumBytes(batch);
        await this.stoppable(local, signal, () =>
          this.whileWaiting(local, this.options.rateLimiter.acquire({ records: batch.length, bytes, requests: 1 }, local.signal)),
        );
        observer.requestSent(batch.length, bytes);
        report.attempts++;
        const started = clock.now();
        let response: PutBatchResponse | undefined;
        let requestError: unknown;
        try {
          response = await this.whileWaiting(local, this.send(batch, local.signal));
        } catch (err) {
          if (local.signal.aborted) throw this.stopReason(local, signal);
          requestError = err;
        }
        const verdict = this.judge(response, requestError, { records: batch.length, bytes }, failures + 1, clock.now() - started, signal);
        if (verdict.answered) report.requests++;
        if (verdict.resend?.length === 0) break;
        if (verdict.resend) {
          // Only the failed entries, in their original relative order (invariant 3).
          pending = verdict.resend.map((i) => pending[i] as number);
          report.resentEntries += pending.length;
        }
        if (verdict.throttled) report.throttled++;
        failures++;
        const delay = fullJitterDelay(failures - 1, this.options.backoff.baseMs, this.options.backoff.maxMs, this.options.random);
        observer.retryScheduled(delay, failures, verdict.reason);
        await this.stoppable(local, signal, () => this.whileWaiting(local, clock.sleep(delay, local.signal)));
      }
      return report;
    } finally {
      signal.removeEventListener('abort', forward);
      local.abort(); // cancels stray timers (heartbeat ticks, the request timeout)
    }
  }

  /**
   * What one attempt means: done, resend some entries, resend everything, or stop
   * (throws). Reports to the observer on the way.
   */
  private judge(
    response: PutBatchResponse | undefined,
    requestError: unknown,
    request: RequestSize,
    attempt: number,
    latencyMs: number,
    signal: AbortSignal,
  ): Verdict {
    const { observer } = this.options;
    const sent = request.records;
    if (response === undefined) {
      const err = classifyRequestError(requestError, signal);
      if (err instanceof AbortedError) throw err;
      observer.requestFailed(err, attempt, request, latencyMs);
      if (!err.retriable) throw err;
      return { answered: false, reason: err.code, throttled: isThrottleCode(err.code) };
    }
    const outcome = assessResponse(response, sent);
    if (outcome.kind === 'invalid') {
      observer.requestFailed(outcome.error, attempt, request, latencyMs);
      return { answered: false, reason: outcome.error.code, throttled: false };
    }
    observer.requestSucceeded(latencyMs, request);
    if (outcome.kind === 'ok') return { answered: true, resend: [], reason: 'OK', throttled: false };
    observer.partialFailure(outcome.failed.length, sent, outcome.codes);
    if (outcome.permanent) {
      observer.requestFailed(outcome.permanent, attempt, request, latencyMs);
      throw outcome.permanent;
    }
    const throttled = Object.keys(outcome.codes).some(isThrottleCode);
    return { answered: true, resend: outcome.failed, reason: 'PARTIAL_FAILURE', throttled };
  }

  /** One request, bounded by requestTimeoutMs, settled as soon as `signal` aborts even if the port does not. */
  private async send(batch: readonly Uint8Array[], signal: AbortSignal): Promise<PutBatchResponse> {
    const { port, streamName, clock, requestTimeoutMs } = this.options;
    const request = new AbortController();
    const forward = (): void => request.abort(signal.reason);
    signal.addEventListener('abort', forward, { once: true });
    const timer = new AbortController();
    clock.sleep(requestTimeoutMs, timer.signal).then(
      () => request.abort(new FirehoseError('REQUEST_TIMEOUT', `no response within ${requestTimeoutMs} ms`, true)),
      () => undefined,
    );
    try {
      return await settleOnAbort(port.putRecordBatch(streamName, batch, request.signal), request.signal);
    } finally {
      timer.abort();
      signal.removeEventListener('abort', forward);
    }
  }

  /** Awaits `work`, calling onWait every heartbeat interval until it settles. */
  private async whileWaiting<T>(local: AbortController, work: Promise<T>): Promise<T> {
    const onWait = this.options.onWait;
    if (!onWait) return work;
    const ticks = new AbortController();
    try {
      for (;;) {
        const tick = this.options.clock.sleep(this.heartbeatIntervalMs, ticks.signal).then(
          () => TICK,
          () => TICK,
        );
        const winner = await Promise.race([work, tick]);
        if (winner !== TICK) return winner as T;
        try {
          await onWait();
        } catch (err) {
          local.abort(err);
          work.catch(() => undefined);
          throw err;
        }
      }
    } finally {
      ticks.abort();
    }
  }

  /** Runs a wait; if it fails because `local` aborted, rethrows why we stopped. */
  private async stoppable(local: AbortController, caller: AbortSignal, wait: () => Promise<unknown>): Promise<void> {
    try {
      await wait();
    } catch (err) {
      if (local.signal.aborted) throw this.stopReason(local, caller);
      throw err;
    }
  }

  private stopReason(local: AbortController, caller: AbortSignal): unknown {
    return caller.aborted ? abortedError(caller) : local.signal.reason;
  }
}

function sumBytes(records: readonly Uint8Array[]): number {
  let total = 0;
  for (const record of records) total += record.byteLength;
  return total;
}

/** `work`, or a rejection with the signal's reason as soon as it aborts (whichever first). */
function settleOnAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) {
      work.catch(() => undefined);
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
