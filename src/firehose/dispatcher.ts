/**
 * The Firehose dispatcher: delivers one planned sub-batch (≤ 500 records, ≤ 4 MiB,
 * see src/pipeline/limits.ts) and does not return until every record is acked by
 * Firehose or rejected by it as invalid (then the caller dead-letters it).
 *
 *   deliver(records) ──▶ rate limiter ──▶ PutRecordBatch ──▶ verdict (./verdict.ts)
 *        ▲                                                    │
 *        ├── retry: graduated schedule (src/flow/retry-schedule.ts), only the failed entries
 *        ├── circuit: stream/key/credentials wrong → circuit open, wait until it closes, resend
 *        └── bisect: the request was rejected as invalid → halves, until the bad record is alone
 *
 * The error table (issue 6 §3), by class (./classify.ts):
 *  - throttle (ServiceUnavailableException per record or request): graduated
 *    5 s → 15 s → 45 s → 2 min → 5 min …; `onThrottle(scope)`; never dropped.
 *  - transient (5xx, InternalFailure, timeout, reset, unknown — F5): 3 fast
 *    jittered retries, then the graduated steps.
 *  - invalid, one record: that record is returned in `report.rejected`; the rest proceed.
 *  - invalid, whole request: bisect; a single record rejected alone is `rejected`.
 *  - downstream (ResourceNotFound, AccessDenied, KMS): `circuit.open(reason)`,
 *    then wait on `circuit.whenClosed` (the half-open probe lives in the
 *    service) and resend; with `exitOnPermanentError` (or no circuit) the
 *    FirehoseError is thrown instead and the caller stops consuming.
 *
 * Call interface (kept small for a coalescer in front of it, issue 6 / H6):
 *   deliver(records, signal, onSettled?) → DeliveryReport. Re-entrant: several
 *   may run concurrently; each call keeps its own pending set, schedule and report.
 *   `onSettled(acked, rejected)` (optional) is told after each answer which
 *   entries are done — acked, or rejected as invalid — while the others are
 *   still resent: a coalesced request carries several units' records, and a
 *   unit settles when ITS records are done, not when the slowest entry of the
 *   request is (issue 13, defect 3). Each entry is reported once; the final
 *   report repeats the rejections.
 *
 * Throttling signal for AIMD (H2): `onThrottle(scope)` is called once per
 * throttled attempt — 'request' for a whole-request throttle, 'record' when an
 * answered request had throttled records — before the attempt's success is
 * reported; `lastThrottleAtMs` is the clock time of the last one (a caller
 * that wants "quiet" compares it with now).
 *
 * Lifecycle contract:
 * - Aborting `signal` (rebalance, terminate) rejects with an AbortedError promptly,
 *   in the rate limiter, mid-request, mid-backoff or while the circuit is open.
 *   Records may or may not have arrived; the offsets are not committed, so they
 *   are delivered again later.
 * - `onWait` is called every `heartbeatIntervalMs` while waiting; if it throws,
 *   the in-flight work is aborted and `deliver` rejects with that error.
 * - The caller must not modify `records` until `deliver` settles: resends send
 *   the same buffers again.
 */
import type { Clock, Random } from '../clock';
import { FirehoseError } from '../errors';
import { abortedError } from '../flow/abort';
import { type BackoffSettings } from '../flow/backoff';
import type { Circuit } from '../flow/circuit';
import type { RateLimiter } from '../flow/rate-limiter';
import { RetryPlan, type RetryScheduleSettings } from '../flow/retry-schedule';
import type { FirehosePort, PutBatchResponse } from './client';
import type { DispatchObserver, RequestSize } from './observer';
import { judge, type RejectedRecord, type Verdict } from './verdict';

export type { RejectedRecord } from './verdict';

export type ThrottleScope = 'record' | 'request';

/** Entries (indices into `records`) that are done: acked by Firehose, or rejected as invalid. Must not throw. */
export type SettledListener = (acked: readonly number[], rejected: readonly RejectedRecord[]) => void;

/** The graduated part of the schedule; the fast part is `backoff`. */
export type ScheduleSettings = Pick<RetryScheduleSettings, 'fastRetries' | 'stepsMs' | 'jitter'>;

export interface DispatcherOptions {
  readonly port: FirehosePort;
  readonly streamName: string;
  readonly clock: Clock;
  readonly random: Random;
  /** Fast retries: full jitter between baseMs and maxMs. */
  readonly backoff: BackoffSettings;
  /** The graduated schedule. Absent: every retry is a fast one (unit tests of the resend mechanics). */
  readonly schedule?: ScheduleSettings;
  readonly rateLimiter: RateLimiter;
  /** Per-request bound; on expiry the request is aborted and retried (REQUEST_TIMEOUT). */
  readonly requestTimeoutMs: number;
  readonly observer: DispatchObserver;
  /** The Firehose circuit; absent = a downstream error is thrown (as with exitOnPermanentError). */
  readonly circuit?: Circuit;
  /** Throw downstream errors (the process exits 2) instead of opening the circuit. */
  readonly exitOnPermanentError?: boolean;
  readonly onThrottle?: (scope: ThrottleScope) => void;
  /** Called at least every `heartbeatIntervalMs` while a delivery waits (limiter, request, backoff, circuit). */
  readonly onWait?: () => Promise<void> | void;
  /** Default 1000 ms: well inside kafkajs's default 3 s heartbeat interval. */
  readonly heartbeatIntervalMs?: number;
}

export interface DeliveryReport {
  /** Records acknowledged by Firehose. */
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
  /** Records Firehose refused as invalid (indices into `records`): the caller dead-letters them. */
  readonly rejected: readonly RejectedRecord[];
  /** Times this delivery waited for the circuit to close. */
  readonly circuitWaits: number;
}

type MutableReport = { -readonly [K in keyof DeliveryReport]: DeliveryReport[K] } & { rejected: RejectedRecord[] };

const TICK = Symbol('tick');

export class FirehoseDispatcher {
  private readonly heartbeatIntervalMs: number;
  private readonly scheduleSettings: RetryScheduleSettings;
  private lastThrottle: number | undefined;

  constructor(private readonly options: DispatcherOptions) {
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 1_000;
    if (!(this.heartbeatIntervalMs > 0)) throw new RangeError('heartbeatIntervalMs must be > 0');
    if (!(options.requestTimeoutMs > 0)) throw new RangeError('requestTimeoutMs must be > 0');
    const sch = options.schedule;
    this.scheduleSettings = {
      fastBaseMs: options.backoff.baseMs,
      fastMaxMs: options.backoff.maxMs,
      fastRetries: sch ? sch.fastRetries : Number.POSITIVE_INFINITY,
      stepsMs: sch ? sch.stepsMs : [options.backoff.maxMs],
      jitter: sch ? sch.jitter : 0,
    };
  }

  /** Clock ms of the last throttled attempt, or undefined (for AIMD's "quiet" check). */
  get lastThrottleAtMs(): number | undefined {
    return this.lastThrottle;
  }

  async deliver(records: readonly Uint8Array[], signal: AbortSignal, onSettled?: SettledListener): Promise<DeliveryReport> {
    const report: MutableReport = { records: 0, bytes: 0, requests: 0, attempts: 0, resentEntries: 0, throttled: 0, rejected: [], circuitWaits: 0 };
    // `local` aborts with the caller's signal, and also when onWait throws.
    const local = new AbortController();
    const forward = (): void => local.abort(signal.reason);
    if (signal.aborted) throw abortedError(signal);
    signal.addEventListener('abort', forward, { once: true });
    try {
      await this.deliverSet(records, records.map((_, index) => index), report, local, signal, onSettled);
      const refused = new Set(report.rejected.map((r) => r.index));
      const acked = records.filter((_, i) => !refused.has(i));
      report.records = acked.length;
      report.bytes = sumBytes(acked);
      return report;
    } finally {
      signal.removeEventListener('abort', forward);
      local.abort(); // cancels stray timers (heartbeat ticks, the request timeout)
    }
  }

  /** Delivers `indices` of `records` until each is acked or rejected; bisects a request rejected as invalid. */
  private async deliverSet(
    records: readonly Uint8Array[],
    indices: readonly number[],
    report: MutableReport,
    local: AbortController,
    signal: AbortSignal,
    onSettled: SettledListener | undefined,
  ): Promise<void> {
    const { observer, clock } = this.options;
    const plan = new RetryPlan(this.scheduleSettings, this.options.random);
    let pending = [...indices];
    let failures = 0; // consecutive failed attempts, for the observer
    while (pending.length > 0) {
      const batch = pending.map((index) => records[index] as Uint8Array);
      const size: RequestSize = { records: batch.length, bytes: sumBytes(batch) };
      await this.stoppable(local, signal, () =>
        this.whileWaiting(local, this.options.rateLimiter.acquire({ records: size.records, bytes: size.bytes, requests: 1 }, local.signal)),
      );
      observer.requestSent(size.records, size.bytes);
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
      const verdict = judge(response, requestError, batch.length, signal);
      this.report(verdict, size, failures + 1, clock.now() - started);
      const rejected = verdict.rejected.map((r) => ({ ...r, index: pending[r.index] as number }));
      report.rejected.push(...rejected);
      if (onSettled) settledBy(verdict, pending, rejected, onSettled);
      if (verdict.answered) report.requests++;
      if (verdict.throttledEntries > 0 || (verdict.kind === 'retry' && verdict.retry === 'throttle')) report.throttled++;
      if (verdict.kind === 'done') return;
      if (verdict.kind === 'bisect') {
        if (pending.length === 1) {
          const alone = { index: pending[0] as number, code: verdict.error.code, message: verdict.error.message };
          report.rejected.push(alone);
          onSettled?.([], [alone]);
          return;
        }
        // Halves in order, one after the other: the bad record ends up alone (log2(500) < 9 levels).
        const half = Math.ceil(pending.length / 2);
        observer.retryScheduled(0, failures + 1, `BISECT_${verdict.error.code}`);
        await this.deliverSet(records, pending.slice(0, half), report, local, signal, onSettled);
        await this.deliverSet(records, pending.slice(half), report, local, signal, onSettled);
        return;
      }
      if (verdict.resend) {
        // Only the failed entries, in their original relative order (invariant 3).
        pending = verdict.resend.map((i) => pending[i] as number);
        report.resentEntries += pending.length;
        if (pending.length === 0) return;
      }
      failures++;
      if (verdict.kind === 'circuit') {
        await this.waitForCircuit(verdict.error, report, local, signal);
        plan.reset();
        failures = 0;
        continue;
      }
      const next = plan.next(this.options.schedule ? verdict.retry : 'transient');
      observer.retryScheduled(next.delayMs, failures, verdict.reason);
      await this.stoppable(local, signal, () => this.whileWaiting(local, clock.sleep(next.delayMs, local.signal)));
    }
  }

  /** Tells the observer (and the throttle listener, first) what the attempt meant. */
  private report(verdict: Verdict, size: RequestSize, attempt: number, latencyMs: number): void {
    const { observer } = this.options;
    const requestThrottled = verdict.kind === 'retry' && !verdict.answered && verdict.retry === 'throttle';
    if (requestThrottled || verdict.throttledEntries > 0) {
      this.lastThrottle = this.options.clock.now();
      this.options.onThrottle?.(requestThrottled ? 'request' : 'record');
    }
    if (!verdict.answered) {
      if ('error' in verdict && verdict.error) observer.requestFailed(verdict.error, attempt, size, latencyMs);
      return;
    }
    observer.requestSucceeded(latencyMs, size);
    if (verdict.codes) {
      const failed = Object.values(verdict.codes).reduce((n, c) => n + c, 0);
      observer.partialFailure(failed, size.records, verdict.codes);
    }
    if (verdict.kind === 'circuit') observer.requestFailed(verdict.error, attempt, size, latencyMs);
  }

  /** The circuit opens (or we stop, if so configured); waits until the probe closes it. */
  private async waitForCircuit(error: FirehoseError, report: MutableReport, local: AbortController, signal: AbortSignal): Promise<void> {
    const { circuit } = this.options;
    if (!circuit || this.options.exitOnPermanentError) throw error;
    circuit.open(`${error.code}: ${error.message}`);
    report.circuitWaits++;
    await this.stoppable(local, signal, () => this.whileWaiting(local, circuit.whenClosed(local.signal)));
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

/**
 * Tells `onSettled` which entries of one attempt are done: those neither resent
 * (`resend`; absent on a failure of the whole request = all of them, and a
 * request to bisect goes on in its halves) nor rejected are acked.
 */
function settledBy(verdict: Verdict, pending: readonly number[], rejected: readonly RejectedRecord[], onSettled: SettledListener): void {
  if (verdict.kind === 'bisect' || (verdict.kind !== 'done' && verdict.resend === undefined)) return;
  const open = new Set(verdict.kind === 'done' ? [] : verdict.resend);
  const refused = new Set(verdict.rejected.map((r) => r.index));
  const acked = pending.filter((_, i) => !open.has(i) && !refused.has(i));
  if (acked.length > 0 || rejected.length > 0) onSettled(acked, rejected);
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
