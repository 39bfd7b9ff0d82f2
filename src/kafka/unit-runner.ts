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
 * F3: when EVERY single of a unit of several messages fails, the worker is
 * broken, not the messages (a bug that fails everything, a worker that cannot
 * load): the unit fails with WORKER_BROKEN instead — nothing is dead-lettered
 * or committed and the supervisor stops consuming (readiness down).
 * F11: a worker result that does not cover the unit exactly (./result-check.ts)
 * is a worker failure, never an ack.
 * Records Firehose refuses as invalid (the dispatcher's `rejected`) are
 * dead-lettered as FIREHOSE_REJECTED with every message they carry.
 */
import type { KafkaMessage } from 'kafkajs';
import { AbortedError, AppError } from '../errors';
import type { Logger } from '../logging/types';
import { packUnit } from '../pipeline/pack';
import type { EncodeOptions, UnitRequest, UnitResult } from '../pipeline/wire';
import type { Semaphore } from '../flow/semaphore';
import type { DeadLetter, DeadLetterSink } from './dead-letter';
import { checkResult } from './result-check';

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
  requests: number;
  rawBytes: number;
  encodedBytes: number;
  workerAttempts: number;
}

export interface UnitRunnerOptions {
  pool: EncodePort;
  dispatcher: DeliveryPort;
  deadLetters: DeadLetterSink;
  encodeOptions: EncodeOptions;
  /** Bounds concurrent PutRecordBatch calls across all partitions. */
  requestSlots: Semaphore;
  logger: Logger;
  /** Waits between attempts when the pool is full (POOL_BUSY is not a worker failure). */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  onWorkerFailure?: (err: unknown) => void;
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
    const poison = await this.process(unit, unit.messages, signal, report);
    if (poison) await this.deadLetterPoison(unit, [poison], signal, report);
    return report;
  }

  /**
   * Encodes and delivers `messages`; returns the poison message (with its last
   * error) when `messages` is a single message the worker fails on twice.
   */
  private async process(unit: Unit, messages: KafkaMessage[], signal: AbortSignal, report: UnitReport): Promise<Poison | undefined> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= WORKER_ATTEMPTS; attempt++) {
      if (signal.aborted) throw new AbortedError('unit abandoned');
      report.workerAttempts += 1;
      let result: UnitResult;
      const t0 = this.now();
      try {
        result = await this.encode(unit, messages, signal);
        checkResult(result, messages.length, this.opts.encodeOptions.limits);
        this.opts.onEncoded?.(result, unit.topic, (this.now() - t0) / 1000);
      } catch (err) {
        if (signal.aborted || err instanceof AbortedError) throw new AbortedError('unit abandoned');
        if (err instanceof AppError && err.code === 'POOL_BUSY') {
          // Back-pressure from the pool, not a failure of this unit: wait, do not count it.
          attempt -= 1;
          report.workerAttempts -= 1;
          await this.opts.sleep(POOL_BUSY_WAIT_MS, signal).catch(() => undefined);
          continue;
        }
        lastError = err;
        this.opts.onWorkerFailure?.(err);
        this.opts.logger.warn('worker task failed', {
          topic: unit.topic,
          partition: unit.partition,
          firstOffset: messages[0]?.offset,
          messages: messages.length,
          attempt,
          error: (err as Error).message,
        });
        continue;
      }
      await this.deliverResult(unit, messages, result, signal, report);
      return undefined;
    }
    if (messages.length === 1) return { message: messages[0] as KafkaMessage, error: lastError };
    // Isolate: one message at a time, so only the poison one is dead-lettered.
    const poisoned: Poison[] = [];
    for (const m of messages) {
      const p = await this.process(unit, [m], signal, report);
      if (p) poisoned.push(p);
    }
    if (poisoned.length === messages.length) {
      // F3: every message fails on its own too: the worker is broken, not the data.
      throw new AppError(
        'WORKER_BROKEN',
        `every one of the ${messages.length} messages of ${unit.topic}[${unit.partition}] from offset ${messages[0]?.offset} failed in the worker alone (${errorText(lastError)}); stopping instead of dead-lettering them`,
      );
    }
    await this.deadLetterPoison(unit, poisoned, signal, report);
    return undefined;
  }

  private async deadLetterPoison(unit: Unit, poisoned: Poison[], signal: AbortSignal, report: UnitReport): Promise<void> {
    if (poisoned.length === 0) return;
    await this.opts.deadLetters.send(poisoned.map((p) => letter(unit, p.message, 'WORKER_CRASH', errorText(p.error), WORKER_ATTEMPTS)), signal);
    report.deadLettered += poisoned.length;
  }

  private encode(unit: Unit, messages: KafkaMessage[], signal: AbortSignal): Promise<UnitResult> {
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
    await Promise.all(
      result.batches.map((b) =>
        this.opts.requestSlots.with(async () => {
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
        }, signal),
      ),
    );
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
