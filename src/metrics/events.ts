/**
 * Each notable event is one function that logs and counts together (STYLE, after
 * Vector's `src/internal_events/aws_kinesis.rs`): a caller never touches a metric
 * or writes a log line for these events by hand, so the two cannot drift apart.
 *
 * Log lines carry coordinates (topic, partition, offset), counts, codes and
 * durations. They never carry a payload, a key or a secret (DESIGN invariant 8);
 * errors are reduced to name, code, retriable and message (AppError messages are
 * written to be safe; see src/errors.ts).
 */
import { AppError } from '../errors';
import type { Logger, LogMeta } from '../logging/types';
import type { CircuitName, CircuitStateLabel, FirehoseOutcome, Metrics, PauseReasonLabel, SizeClassName } from './catalog';

/** Per-class counts as the worker reports them (structurally src/pipeline/wire.ts SizeClasses). */
export type SizeClassCounts = Readonly<Record<SizeClassName, { readonly count: number }>>;

/** kafkajs GROUP_JOIN `memberAssignment`: topic → assigned partitions. */
export type Assignment = Readonly<Record<string, readonly number[]>>;

export interface Events {
  messagesConsumed(topic: string, partition: number, count: number, bytes: number): void;
  /** Raw size of each message of a unit, for wsqc_message_bytes. */
  messageSizes(sizes: Iterable<number>): void;
  sizeClasses(classes: SizeClassCounts): void;

  unitStarted(topic: string, partition: number, messages: number, bytes: number): void;
  unitAcked(topic: string, partition: number, messages: number, seconds: number): void;
  /** Given up on purpose (rebalance, terminate): not a failure; its offsets stay uncommitted. */
  unitAbandoned(topic: string, partition: number, messages: number, reason: string): void;
  unitFailed(topic: string, partition: number, err: unknown): void;
  inflight(units: number, bytes: number): void;

  workerTask(format: string, seconds: number, rawBytes: number, encodedBytes: number): void;
  workerFailure(err: unknown): void;
  workerThreadStarted(): void;

  firehoseRequest(outcome: FirehoseOutcome, records: number, bytes: number, seconds: number): void;
  /** `codes`: Firehose ErrorCode → number of records that failed with it. */
  partialFailure(failed: number, total: number, codes: Readonly<Record<string, number>>): void;
  retryScheduled(reason: string, delayMs: number, attempt: number): void;
  rateLimiterWaited(seconds: number): void;
  deadLettered(topic: string, partition: number, offset: string, code: string, reason: string): void;

  offsetsCommitted(topic: string, partition: number, offset: string): void;
  commitLag(topic: string, partition: number, messages: number): void;
  /** A pause reason was taken; `holding`: every reason now held (labels). */
  pauseHeld(reason: PauseReasonLabel, holding: readonly string[]): void;
  /** A pause reason was released after `seconds`; `resumed`: no reason holds any more. */
  pauseReleased(reason: PauseReasonLabel, seconds: number, resumed: boolean, holding: readonly string[]): void;
  rebalance(assigned: Assignment): void;
  /** A circuit's state at start (wsqc_circuit_state, so the series exists from the first scrape): no transition, so nothing is counted or logged. */
  circuitStarted(circuit: CircuitName, state: CircuitStateLabel): void;
  /** A circuit moved from `from` to `to` (0 closed, 1 half-open, 2 open in wsqc_circuit_state); `reason` while not closed. */
  circuitChanged(circuit: CircuitName, to: CircuitStateLabel, from: CircuitStateLabel, reason?: string): void;
  /** A PutRecordBatch call met ServiceUnavailableException for the request or some record (buffer full). */
  bufferFull(scope: 'record' | 'request'): void;
  /** A Firehose request failed as a whole: name, code and class, so an unrecognised error is identified (F5). */
  firehoseRequestFailed(err: unknown, attempt: number): void;
  fatal(err: unknown): void;
}

/** wsqc_circuit_state: 0 closed, 1 half-open, 2 open (src/metrics/catalog.ts). */
const CIRCUIT_GAUGE: Readonly<Record<CircuitStateLabel, 0 | 1 | 2>> = { closed: 0, half_open: 1, open: 2 };

const LABEL_SAFE = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * A label value that came from outside (an AWS error code, a reason string) is
 * kept only if it looks like a code; anything else becomes "other", so a label
 * can never carry free text or grow without bound.
 */
export function boundedLabel(value: string): string {
  return LABEL_SAFE.test(value) ? value : 'other';
}

/** Safe structured fields for an error: no stack, no cause chain, no payload. */
export function errorMeta(err: unknown): LogMeta {
  if (err instanceof AppError) {
    return { errorName: err.name, code: err.code, retriable: err.retriable, error: err.message };
  }
  if (err instanceof Error) {
    return { errorName: err.name, error: err.message };
  }
  return { error: String(err) };
}

function nonNegative(n: number): number {
  return Number.isFinite(n) && n > 0 ? n : 0;
}

export function createEvents(metrics: Metrics, logger: Logger): Events {
  // Commit-lag series currently exported, so a rebalance can drop the partitions
  // this member no longer owns instead of leaving stale values behind.
  const lagSeries = new Map<string, { topic: string; partition: string }>();

  return {
    messagesConsumed(topic, partition, count, bytes) {
      metrics.messagesConsumed.inc({ topic }, nonNegative(count));
      metrics.bytesConsumed.inc({ topic }, nonNegative(bytes));
      logger.debug('messages consumed', { topic, partition, count, bytes });
    },

    messageSizes(sizes) {
      for (const size of sizes) metrics.messageBytes.observe(size);
    },

    sizeClasses(classes) {
      for (const sizeClass of ['small', 'medium', 'large'] as const) {
        const count = nonNegative(classes[sizeClass].count);
        if (count > 0) metrics.messageSizeClass.inc({ size_class: sizeClass }, count);
      }
    },

    unitStarted(topic, partition, messages, bytes) {
      metrics.unitsStarted.inc();
      logger.debug('unit started', { topic, partition, messages, bytes });
    },

    unitAcked(topic, partition, messages, seconds) {
      metrics.unitsCompleted.inc({ outcome: 'acked' });
      metrics.unitDuration.observe(nonNegative(seconds));
      logger.debug('unit acknowledged', { topic, partition, messages, seconds });
    },

    unitAbandoned(topic, partition, messages, reason) {
      metrics.unitsCompleted.inc({ outcome: 'abandoned' });
      logger.info('unit abandoned; its offsets stay uncommitted and will be redelivered', {
        topic,
        partition,
        messages,
        reason,
      });
    },

    unitFailed(topic, partition, err) {
      metrics.unitsCompleted.inc({ outcome: 'failed' });
      logger.error('unit failed', { topic, partition, ...errorMeta(err) });
    },

    inflight(units, bytes) {
      metrics.inflightUnits.set(nonNegative(units));
      metrics.inflightBytes.set(nonNegative(bytes));
    },

    workerTask(format, seconds, rawBytes, encodedBytes) {
      const labels = { format: boundedLabel(format) };
      metrics.workerTaskSeconds.observe(labels, nonNegative(seconds));
      if (rawBytes > 0) metrics.encodedRatio.observe(labels, nonNegative(encodedBytes) / rawBytes);
    },

    workerFailure(err) {
      metrics.workerFailures.inc();
      logger.error('worker task failed', errorMeta(err));
    },

    workerThreadStarted() {
      // Counted, not logged: a churning pool would flood the log.
      metrics.workerThreadsStarted.inc();
    },

    firehoseRequest(outcome, records, bytes, seconds) {
      metrics.firehoseRequests.inc({ outcome });
      metrics.firehoseRecordsSent.inc(nonNegative(records));
      metrics.firehoseBytesSent.inc(nonNegative(bytes));
      metrics.firehoseRequestSeconds.observe(nonNegative(seconds));
      metrics.recordsPerRequest.observe(nonNegative(records));
      metrics.bytesPerRequest.observe(nonNegative(bytes));
      const meta = { outcome, records, bytes, seconds };
      if (outcome === 'ok') logger.debug('firehose request', meta);
      else logger.warn('firehose request not fully accepted', meta);
    },

    partialFailure(failed, total, codes) {
      const bounded: Record<string, number> = {};
      for (const [code, count] of Object.entries(codes)) {
        const label = boundedLabel(code);
        const n = nonNegative(count);
        if (n === 0) continue;
        metrics.firehoseRecordsFailed.inc({ code: label }, n);
        bounded[label] = (bounded[label] ?? 0) + n;
      }
      logger.warn('firehose partial failure; resending the failed records only', { failed, total, codes: bounded });
    },

    retryScheduled(reason, delayMs, attempt) {
      metrics.firehoseRetries.inc({ reason: boundedLabel(reason) });
      logger.info('retry scheduled', { reason, delayMs, attempt });
    },

    rateLimiterWaited(seconds) {
      metrics.rateLimiterWaitSeconds.inc(nonNegative(seconds));
    },

    deadLettered(topic, partition, offset, code, reason) {
      metrics.deadLetters.inc({ code: boundedLabel(code) });
      // Coordinates only: the payload is already in the dead-letter topic.
      logger.warn('message dead-lettered', { topic, partition, offset, code, reason });
    },

    offsetsCommitted(topic, partition, offset) {
      metrics.offsetsCommitted.inc({ topic });
      logger.debug('offsets committed', { topic, partition, offset });
    },

    commitLag(topic, partition, messages) {
      const labels = { topic, partition: String(partition) };
      lagSeries.set(`${topic}\u0000${labels.partition}`, labels);
      metrics.commitLag.set(labels, nonNegative(messages));
    },

    pauseHeld(reason, holding) {
      metrics.consumerPaused.set(1);
      metrics.pauseActive.set({ reason }, 1);
      metrics.consumerPauses.inc({ reason });
      logger.info('consumer paused', { reason, holding });
    },

    pauseReleased(reason, seconds, resumed, holding) {
      const s = nonNegative(seconds);
      metrics.pauseActive.set({ reason }, 0);
      metrics.pauseSeconds.observe({ reason }, s);
      if (resumed) metrics.consumerPaused.set(0);
      // One line per release; "consumer resumed" only when fetching actually resumes.
      logger.info(resumed ? 'consumer resumed' : 'pause reason released', { reason, seconds: s, holding });
    },

    rebalance(assigned) {
      metrics.rebalances.inc();
      for (const [key, labels] of lagSeries) {
        const owned = assigned[labels.topic]?.includes(Number(labels.partition)) ?? false;
        if (!owned) {
          metrics.commitLag.remove(labels);
          lagSeries.delete(key);
        }
      }
      const partitions = Object.values(assigned).reduce((n, list) => n + list.length, 0);
      logger.info('consumer group joined', { assigned, partitions });
    },

    circuitStarted(circuit, state) {
      metrics.circuitState.set({ circuit }, CIRCUIT_GAUGE[state]);
    },

    circuitChanged(circuit, to, from, reason) {
      metrics.circuitState.set({ circuit }, CIRCUIT_GAUGE[to]);
      metrics.circuitTransitions.inc({ circuit, to });
      const meta = { circuit, to, from, ...(reason === undefined ? {} : { reason }) };
      if (to === 'open') logger.error('circuit open', meta);
      else logger.info(to === 'closed' ? 'circuit closed' : 'circuit half-open', meta);
    },

    bufferFull(scope) {
      metrics.bufferFullEvents.inc();
      logger.debug('firehose throttled (buffer full)', { scope });
    },

    firehoseRequestFailed(err, attempt) {
      const cause = err instanceof Error ? (err.cause as { name?: unknown; code?: unknown } | undefined) : undefined;
      logger.warn('firehose request failed', {
        ...errorMeta(err),
        attempt,
        causeName: typeof cause?.name === 'string' ? cause.name : undefined,
        causeCode: typeof cause?.code === 'string' ? cause.code : undefined,
      });
    },

    fatal(err) {
      logger.error('fatal error; the process will stop', errorMeta(err));
    },
  };
}
