/**
 * One unit's journey: copy once → encode in a worker → dead-letter what can
 * never be delivered → PutRecordBatch every planned sub-batch → acked.
 *
 * The unit is acked only when every message in it is acknowledged by Firehose
 * or by the dead-letter topic. Failures are results where they are normal
 * (rejections, partial failures inside the dispatcher) and exceptions only when
 * the unit cannot finish: AbortedError (rebalance/terminate) or a non-retriable
 * Firehose error (the caller stops consumption).
 *
 * Worker failures: a crashed or failed task is retried once; if it fails again
 * the unit is split into single messages, each tried twice, and a message that
 * still fails is the poison one: dead-lettered as WORKER_CRASH (isolation).
 * F3: when EVERY single of a unit of several messages fails, or the share of
 * recent messages that failed in the worker passes the threshold, the worker is broken, not
 * the messages (a bug that fails everything, a worker that cannot load). Then
 * the worker circuit opens (src/flow/worker-circuit.ts): nothing is
 * dead-lettered or committed, the failed messages wait (fetching paused,
 * readiness down) and are tried again as the half-open trial. Without a
 * circuit (pool.exitOnBrokenWorker) the unit fails with WORKER_BROKEN and the
 * supervisor stops consuming (exit 2).
 * The trial (issue 13, defect 5): each message that fails alone during it is
 * followed by the canary (./worker-canary.ts), a tiny valid message encoded
 * by the same pool. The canary works: the message is poison, the trial goes
 * on, and when it ends the circuit closes and the poison is dead-lettered as
 * WORKER_CRASH with its reason. The canary fails: the worker is broken, the
 * trial stops there (the rest wait untried) and the circuit re-opens;
 * nothing is dead-lettered. Judging a trial by its messages alone could not
 * tell a broken worker from a unit whose remaining messages are all poison,
 * and such a unit took every trial, open / half-open forever.
 * F11: a worker result that does not cover the unit exactly (./result-check.ts)
 * is a worker failure, never an ack.
 * Records Firehose refuses as invalid (the dispatcher's `rejected`) are
 * dead-lettered as FIREHOSE_REJECTED with every message they carry.
 */
import type { KafkaMessage } from 'kafkajs';
import { AbortedError, AppError } from '../errors';
import { linkSignals } from '../flow/abort';
import type { Logger } from '../logging/types';
import { packUnit } from '../pipeline/pack';
import type { EncodeOptions, UnitRequest, UnitResult } from '../pipeline/wire';
import type { Semaphore } from '../flow/semaphore';
import type { Admission } from '../flow/worker-circuit';
import type { DeadLetter, DeadLetterSink } from './dead-letter';
import { checkResult } from './result-check';
import { workerCanary } from './worker-canary';

export interface EncodePort {
  run(req: UnitRequest, signal?: AbortSignal): Promise<UnitResult>;
}

export interface DeliveryPort {
  /** Resolves once every record is acked or `rejected` (indices into `records`, refused by Firehose as invalid). */
  deliver(records: Uint8Array[], signal: AbortSignal): Promise<{ readonly rejected?: readonly { readonly index: number; readonly code: string; readonly message: string }[] }>;
}

export interface Unit {
  id: number;
  topic: string;
  partition: number;
  messages: KafkaMessage[];
}

export interface UnitReport {
  messages: number;
  delivered: number;
  deadLettered: number;
  records: number;
  /** `deliver` calls: planned sub-batches, or 1 per unit with the coalescer (it counts its own requests). */
  requests: number;
  rawBytes: number;
  encodedBytes: number;
  workerAttempts: number;
}

/** The part of src/flow/worker-circuit.ts the runner uses. */
export interface WorkerGate {
  readonly state: 'closed' | 'open' | 'half-open';
  admit(signal: AbortSignal): Promise<Admission>;
  messagesEnded(ok: number, failed: number): void;
  broken(reason: string): void;
  trialEnded(outcome: 'worked' | 'failed' | 'abandoned', reason?: string): void;
}

export interface UnitRunnerOptions {
  pool: EncodePort;
  dispatcher: DeliveryPort;
  deadLetters: DeadLetterSink;
  encodeOptions: EncodeOptions;
  /**
   * Bounds concurrent PutRecordBatch calls across all partitions; each planned
   * sub-batch is then one `deliver` call. Absent: `dispatcher` is the coalescer
   * (src/firehose/coalescer.ts), which owns that cap and cuts the requests
   * itself, across units; the whole unit is then one `deliver` call.
   */
  requestSlots?: Semaphore;
  /**
   * Bounds units being copied and encoded at once (issue 12): with the pipelined
   * consumer a whole in-flight budget of units may start together, and each copy
   * is made only when its unit gets a slot, just before the worker takes it.
   */
  encodeSlots?: Semaphore;
  logger: Logger;
  /** Waits between attempts when the pool is full (POOL_BUSY is not a worker failure). */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  onWorkerFailure?: (err: unknown) => void;
  /** F3: a broken worker fails the unit with WORKER_BROKEN (exit 2) even with a circuit (it still shows in health). */
  exitOnBrokenWorker?: boolean;
  /** F3: the worker circuit (src/flow/worker-circuit.ts); absent = a broken worker is WORKER_BROKEN (pool.exitOnBrokenWorker). */
  workerCircuit?: WorkerGate;
  /** Aborted while a rebalance is in progress: a unit waiting on the worker circuit is abandoned at once (F4). */
  rebalanceSignal?: () => AbortSignal;
  /** `seconds`: the worker task's wall time, queueing included. */
  onEncoded?: (result: UnitResult, topic: string, seconds: number) => void;
  now?: () => number;
}

const WORKER_ATTEMPTS = 2;
const POOL_BUSY_WAIT_MS = 25;

export class UnitRunner {
  constructor(private readonly opts: UnitRunnerOptions) {}

  private now(): number {
    return this.opts.now ? this.opts.now() : performance.now();
  }

  async run(unit: Unit, signal: AbortSignal): Promise<UnitReport> {
    const report: UnitReport = {
      messages: unit.messages.length,
      delivered: 0,
      deadLettered: 0,
      records: 0,
      requests: 0,
      rawBytes: 0,
      encodedBytes: 0,
      workerAttempts: 0,
    };
    const gate = this.opts.workerCircuit;
    // The messages not yet delivered or dead-lettered: the whole unit, then (while
    // the worker circuit is open) only those that failed in the worker.
    let pending = unit.messages;
    for (;;) {
      const admission = gate ? await this.admit(gate, signal) : 'closed';
      const tally: Tally = { ok: 0, trial: admission === 'trial', canary: undefined, lastError: undefined };
      let poisoned: Poison[];
      try {
        poisoned = await this.process(unit, pending, signal, report, tally);
      } catch (err) {
        if (tally.trial) gate?.trialEnded(workerWorked(tally) ? 'worked' : 'abandoned');
        throw err;
      }
      const everySingleFailed = pending.length > 1 && poisoned.length === pending.length && tally.ok === 0;
      if (tally.trial) gate?.trialEnded(workerWorked(tally) ? 'worked' : 'failed', errorText(tally.lastError));
      else if (everySingleFailed) this.broken(unit, pending, 'isolation', tally.lastError);
      else if (gate && gate.state !== 'closed' && this.opts.exitOnBrokenWorker) this.broken(unit, pending, 'rate', tally.lastError);
      if (poisoned.length === 0) return report;
      if (!gate || gate.state === 'closed') {
        await this.deadLetterPoison(unit, poisoned, signal, report);
        return report;
      }
      // F3: the worker circuit is open: a broken worker must not flood the DLQ.
      pending = poisoned.map((p) => p.message);
      this.opts.logger.warn('worker circuit open: messages wait for the worker instead of being dead-lettered', {
        topic: unit.topic,
        partition: unit.partition,
        firstOffset: pending[0]?.offset,
        messages: pending.length,
        circuit: gate.state,
      });
    }
  }

  /** Waits while the worker circuit is open; a rebalance abandons the wait at once. */
  private async admit(gate: WorkerGate, signal: AbortSignal): Promise<Admission> {
    if (gate.state === 'closed') return 'closed';
    // Linked for the wait only (defect 1: AbortSignal.any keeps every composite alive as long as the rebalance signal).
    const linked = linkSignals(signal, this.opts.rebalanceSignal?.());
    try {
      return await gate.admit(linked.signal);
    } finally {
      linked.dispose();
    }
  }

  /** The worker is broken: open the circuit, or (no circuit, pool.exitOnBrokenWorker) fail the unit with WORKER_BROKEN. */
  private broken(unit: Unit, messages: KafkaMessage[], cause: 'isolation' | 'rate', lastError: unknown): void {
    const where = `${unit.topic}[${unit.partition}] from offset ${messages[0]?.offset}`;
    const reason =
      cause === 'isolation'
        ? `every one of the ${messages.length} messages of ${where} failed in the worker alone (${errorText(lastError)})`
        : `the worker failure rate passed the threshold at ${where} (${errorText(lastError)})`;
    const gate = this.opts.workerCircuit;
    if (gate && !this.opts.exitOnBrokenWorker) {
      gate.broken(reason);
      return;
    }
    throw new AppError('WORKER_BROKEN', `${reason}; stopping instead of dead-lettering them`);
  }

  /**
   * Encodes and delivers `messages`; returns the messages the worker failed on
   * alone, twice each (with their last error). Task outcomes are counted in
   * `tally`; each message's outcome is reported to the worker circuit.
   */
  private async process(unit: Unit, messages: KafkaMessage[], signal: AbortSignal, report: UnitReport, tally: Tally): Promise<Poison[]> {
    const gate = this.opts.workerCircuit;
    let lastError: unknown;
    for (let attempt = 1; attempt <= WORKER_ATTEMPTS; attempt++) {
      report.workerAttempts += 1;
      let result: UnitResult;
      try {
        result = await this.task(unit, messages, signal);
      } catch (err) {
        if (err instanceof AbortedError) throw err;
        lastError = err;
        tally.lastError = err;
        this.workerFailed(unit, messages, err, { attempt });
        continue;
      }
      tally.ok += 1;
      gate?.messagesEnded(messages.length, 0);
      await this.deliverResult(unit, messages, result, signal, report);
      return [];
    }
    if (messages.length === 1) {
      gate?.messagesEnded(0, 1);
      // In a trial: poison, or a broken worker? The canary tells (defect 5).
      if (tally.trial) await this.canary(unit, signal, tally);
      return [{ message: messages[0] as KafkaMessage, error: lastError }];
    }
    // Isolate: one message at a time, so only the poison one is dead-lettered.
    const poisoned: Poison[] = [];
    for (const [i, m] of messages.entries()) {
      if (this.isolationHalted(tally)) {
        // The circuit opened (or the trial showed the worker broken): the rest wait untried.
        poisoned.push(...messages.slice(i).map((message) => ({ message, error: lastError })));
        break;
      }
      poisoned.push(...(await this.process(unit, [m], signal, report, tally)));
    }
    return poisoned;
  }

  /**
   * One worker task over `messages`, its result checked (F11); POOL_BUSY is
   * back-pressure from the pool, not a failure: waited out, not counted. Throws
   * the worker's failure, or an AbortedError once `signal` aborts.
   */
  private async task(unit: Unit, messages: KafkaMessage[], signal: AbortSignal, observe = true): Promise<UnitResult> {
    for (;;) {
      if (signal.aborted) throw new AbortedError('unit abandoned');
      const t0 = this.now();
      try {
        const result = await this.encode(unit, messages, signal);
        checkResult(result, messages.length, this.opts.encodeOptions.limits);
        if (observe) this.opts.onEncoded?.(result, unit.topic, (this.now() - t0) / 1000);
        return result;
      } catch (err) {
        if (signal.aborted || err instanceof AbortedError) throw new AbortedError('unit abandoned');
        if (!(err instanceof AppError && err.code === 'POOL_BUSY')) throw err;
        await this.opts.sleep(POOL_BUSY_WAIT_MS, signal).catch(() => undefined);
      }
    }
  }

  /**
   * The trial's judge after a message failed alone: encodes the canary
   * (./worker-canary.ts) through the same pool. Not a message outcome: it is
   * neither counted in the failure window nor delivered.
   */
  private async canary(unit: Unit, signal: AbortSignal, tally: Tally): Promise<void> {
    const canary = workerCanary();
    try {
      await this.task(unit, [canary], signal, false);
      tally.canary = 'worked';
    } catch (err) {
      if (err instanceof AbortedError) throw err;
      tally.canary = 'failed';
      tally.lastError = err;
      this.workerFailed(unit, [canary], err, { canary: true });
    }
  }

  private workerFailed(unit: Unit, messages: KafkaMessage[], err: unknown, more: Record<string, unknown>): void {
    this.opts.onWorkerFailure?.(err);
    this.opts.logger.warn('worker task failed', {
      topic: unit.topic,
      partition: unit.partition,
      firstOffset: messages[0]?.offset,
      messages: messages.length,
      ...more,
      error: (err as Error).message,
    });
  }

  /**
   * Whether isolating further is pointless: outside a trial, once the worker
   * circuit is open; in a trial, once the canary failed (a broken worker; a
   * hanging one would time out each of 150 singles × 2 tasks, for hours).
   */
  private isolationHalted(tally: Tally): boolean {
    const gate = this.opts.workerCircuit;
    if (!gate || this.opts.exitOnBrokenWorker) return false;
    if (tally.trial) return tally.canary === 'failed';
    return gate.state !== 'closed';
  }

  private async deadLetterPoison(unit: Unit, poisoned: Poison[], signal: AbortSignal, report: UnitReport): Promise<void> {
    if (poisoned.length === 0) return;
    await this.opts.deadLetters.send(poisoned.map((p) => letter(unit, p.message, 'WORKER_CRASH', errorText(p.error), WORKER_ATTEMPTS)), signal);
    report.deadLettered += poisoned.length;
  }

  private encode(unit: Unit, messages: KafkaMessage[], signal: AbortSignal): Promise<UnitResult> {
    const slots = this.opts.encodeSlots;
    return slots ? slots.with(() => this.packAndRun(unit, messages, signal), signal) : this.packAndRun(unit, messages, signal);
  }

  private packAndRun(unit: Unit, messages: KafkaMessage[], signal: AbortSignal): Promise<UnitResult> {
    // Copy once: a fresh owned buffer per attempt (the previous one was transferred).
    const packed = packUnit(messages);
    const req: UnitRequest = {
      unitId: unit.id,
      topic: unit.topic,
      partition: unit.partition,
      values: packed.values,
      valueBounds: packed.valueBounds,
      meta: packed.meta,
      options: this.opts.encodeOptions,
    };
    return this.opts.pool.run(req, signal);
  }

  private async deliverResult(
    unit: Unit,
    messages: KafkaMessage[],
    result: UnitResult,
    signal: AbortSignal,
    report: UnitReport,
  ): Promise<void> {
    report.rawBytes += result.rawBytes;
    report.encodedBytes += result.encodedBytes;
    // Dead letters first: they must be acknowledged before the unit can be.
    if (result.rejected.length > 0) {
      const letters = result.rejected.map((r) => letter(unit, messages[r.index], r.code, r.reason, 1));
      await this.opts.deadLetters.send(letters, signal);
      report.deadLettered += letters.length;
    }
    const data = new Uint8Array(result.data);
    const record = (r: number): Uint8Array => data.subarray(result.recordBounds[r], result.recordBounds[r + 1]);
    const refused: DeadLetter[] = [];
    const slots = this.opts.requestSlots;
    const recordCount = result.recordBounds.length - 1;
    const calls = slots ? result.batches : recordCount > 0 ? [{ firstRecord: 0, endRecord: recordCount }] : [];
    const deliverCall = async (b: { firstRecord: number; endRecord: number }): Promise<void> => {
      const records: Uint8Array[] = [];
      for (let r = b.firstRecord; r < b.endRecord; r++) records.push(record(r));
      const delivery = await this.opts.dispatcher.deliver(records, signal);
      report.requests += 1;
      for (const rej of delivery.rejected ?? []) {
        const r = b.firstRecord + rej.index;
        for (let k = result.recordMessageBounds[r] as number; k < (result.recordMessageBounds[r + 1] as number); k++) {
          refused.push(letter(unit, messages[result.recordMessages[k] as number] as KafkaMessage, 'FIREHOSE_REJECTED', rej.message, 1));
        }
      }
    };
    await Promise.all(calls.map((b) => (slots ? slots.with(() => deliverCall(b), signal) : deliverCall(b))));
    if (refused.length > 0) {
      await this.opts.deadLetters.send(refused, signal);
      report.deadLettered += refused.length;
    }
    report.records += result.recordBounds.length - 1;
    report.delivered += result.recordMessages.length - refused.length;
  }
}

interface Poison {
  readonly message: KafkaMessage;
  readonly error: unknown;
}

/** Worker task outcomes of one pass over a unit's pending messages. */
interface Tally {
  /** Worker tasks that succeeded. */
  ok: number;
  /** This pass is the worker circuit's half-open trial. */
  readonly trial: boolean;
  /** In a trial: the last canary's verdict (undefined = none ran yet). */
  canary: 'worked' | 'failed' | undefined;
  lastError: unknown;
}

/**
 * Whether the trial showed the worker works: the last canary did, or none ran
 * and a task succeeded. A canary that failed after earlier successes means the
 * worker broke during the trial: failed, so nothing it held is dead-lettered.
 */
function workerWorked(tally: Tally): boolean {
  return tally.canary === undefined ? tally.ok > 0 : tally.canary === 'worked';
}

function letter(unit: Unit, m: KafkaMessage, code: string, reason: string, attempts: number): DeadLetter {
  return {
    topic: unit.topic,
    partition: unit.partition,
    offset: m.offset,
    timestamp: m.timestamp,
    key: m.key ?? null,
    value: m.value ?? null,
    ...(m.headers ? { headers: m.headers } : {}),
    code,
    reason,
    attempts,
  };
}

function errorText(err: unknown): string {
  if (err instanceof AppError) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}
