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
 */
import type { KafkaMessage } from 'kafkajs';
import { AbortedError, AppError } from '../errors';
import type { Logger } from '../logging/types';
import { packUnit } from '../pipeline/pack';
import type { EncodeOptions, UnitRequest, UnitResult } from '../pipeline/wire';
import type { Semaphore } from '../flow/semaphore';
import type { DeadLetter, DeadLetterSink } from './dead-letter';

export interface EncodePort {
  run(req: UnitRequest, signal?: AbortSignal): Promise<UnitResult>;
}

export interface DeliveryPort {
  deliver(records: Uint8Array[], signal: AbortSignal): Promise<unknown>;
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
    await this.process(unit, unit.messages, signal, report);
    return report;
  }

  private async process(unit: Unit, messages: KafkaMessage[], signal: AbortSignal, report: UnitReport): Promise<void> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= WORKER_ATTEMPTS; attempt++) {
      if (signal.aborted) throw new AbortedError('unit abandoned');
      report.workerAttempts += 1;
      let result: UnitResult;
      const t0 = this.now();
      try {
        result = await this.encode(unit, messages, signal);
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
      return;
    }
    if (messages.length > 1) {
      // Isolate: one message at a time, so only the poison one is dead-lettered.
      for (const m of messages) await this.process(unit, [m], signal, report);
      return;
    }
    const m = messages[0];
    await this.opts.deadLetters.send([letter(unit, m, 'WORKER_CRASH', errorText(lastError), WORKER_ATTEMPTS)], signal);
    report.deadLettered += 1;
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
    await Promise.all(
      result.batches.map((b) =>
        this.opts.requestSlots.with(async () => {
          const records: Uint8Array[] = [];
          for (let r = b.firstRecord; r < b.endRecord; r++) records.push(record(r));
          await this.opts.dispatcher.deliver(records, signal);
          report.requests += 1;
        }, signal),
      ),
    );
    report.records += result.recordBounds.length - 1;
    report.delivered += result.recordMessages.length;
  }
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
