/**
 * The supervisor: the main thread's owner of the Kafka consumer.
 *
 *  Kafka (mTLS) ──fetch──▶ kafkajs runner ──eachBatch(partition p)──▶ processBatch
 *                                                                      │ units
 *      commit(last acked + 1) ◀── OffsetTracker ◀── acked ◀── UnitRunner ──▶ Piscina workers
 *                                                                      └──▶ Firehose dispatcher
 *  heartbeat every second while a batch is in progress (workers, rate limit,
 *  Firehose backoff) so the group does not rebalance under a long wait.
 *
 * Lifecycle contract:
 *  - start():     connect, subscribe, run. Resolves once consuming.
 *  - stop():      graceful. Stop fetching (pause), start no new units, drain
 *                 in-flight units until `drainTimeoutMs`, commit what is acked,
 *                 then abandon the rest (uncommitted → redelivered) and leave the group.
 *  - terminate(): abandon everything now, commit nothing more, disconnect.
 *  - done:        resolves when consumption has ended: 'stopped' or 'fatal'.
 *
 * kafkajs caveats that shape this file (read in kafkajs/src/consumer/runner.js):
 *  - eachBatchAutoResolve must be false and autoCommit false (DESIGN invariant 1).
 *  - runner.commitOffsets() is a no-op once the runner is stopping, so commits go
 *    through the eachBatch payload's commitOffsetsIfNecessary(offsets), and stop()
 *    drains before it disconnects.
 *  - a heartbeat that fails with REBALANCE_IN_PROGRESS means our partitions may
 *    move. The batch starts no new unit, lets in-flight units finish for up to
 *    `rebalanceDrainMs` and commits them (the classic group protocol accepts
 *    commits of the current generation while the group is preparing the
 *    rebalance), then rethrows so kafkajs rejoins. Units still running at the
 *    deadline, and those never started, are abandoned uncommitted: the new owner
 *    gets them again (duplicates only for what was in flight, never loss).
 */
import { setMaxListeners } from 'node:events';
import type { Consumer, EachBatchPayload } from 'kafkajs';
import type { Clock } from '../clock';
import { AbortedError, AppError } from '../errors';
import { linkSignals } from '../flow/abort';
import type { PauseControl } from '../flow/pause-control';
import { RebalanceSignal } from '../flow/rebalance-signal';
import type { Logger } from '../logging/types';
import { processBatch, type BatchContext, type InFlightGate } from './batch-processor';
import { TrialFetch, type TopicPartition } from './trial-fetch';
import type { Unit, UnitReport } from './unit-runner';

export type ConsumerPort = Pick<Consumer, 'connect' | 'subscribe' | 'run' | 'pause' | 'resume' | 'disconnect' | 'on' | 'events'>;

export interface SupervisorEvents {
  batchReceived(topic: string, partition: number, messages: number, bytes: number): void;
  unitAcked(unit: Unit, report: UnitReport, seconds: number): void;
  /** `highWatermark`: the partition's log end when the batch was fetched (for commit lag). */
  committed(topic: string, partition: number, nextOffset: string, highWatermark: string): void;
  /** Fetching stopped for good: 'shutdown' (graceful stop) or 'fatal'. Pauses for a reason go through PauseControl. */
  paused(reason: 'shutdown' | 'fatal'): void;
  rebalancing(): void;
  fatal(err: unknown): void;
  /** A heartbeat or offset commit of a batch failed (src/flow/coordinator-watch.ts decides whether the coordinator is lost). */
  kafkaRequestFailed?(what: 'heartbeat' | 'commit', err: unknown): void;
}

export interface SupervisorOptions {
  topics: readonly string[];
  fromBeginning: boolean;
  partitionsConsumedConcurrently: number;
  maxMessages: number;
  maxUnitBytes: number;
  drainTimeoutMs: number;
  /** How long a batch may finish in-flight units after a rebalance starts (keep well under the rebalance timeout). */
  rebalanceDrainMs: number;
  heartbeatEveryMs?: number;
}

export interface SupervisorDeps {
  consumer: ConsumerPort;
  runUnit(unit: Unit, signal: AbortSignal): Promise<UnitReport>;
  /** The in-flight cap: a source of IN_FLIGHT_CAP. */
  gate: InFlightGate & { readonly shouldPause: boolean };
  /** Every reason to pause fetching; the supervisor applies it to the consumer (src/flow/pause-control.ts). */
  pause: PauseControl;
  /**
   * Rate admission of a unit (size-class preset): how many messages from its front
   * may start now. The signal also aborts when a rebalance starts (F4).
   */
  admit?(unit: Unit, signal: AbortSignal, remainder: boolean): Promise<number>;
  /** Fetched work in hand, for the rate pause (src/flow/rate-backlog.ts). */
  backlog?: BatchContext['backlog'];
  /** Process-wide rebalance signal (F4); shared with the rate limiters. Default: the supervisor's own. */
  rebalance?: RebalanceSignal;
  clock: Clock;
  logger: Logger;
  events: SupervisorEvents;
}

export type EndReason = { reason: 'stopped' } | { reason: 'fatal'; error: unknown };

export class Supervisor {
  private readonly lifetime = new AbortController();
  private readonly active = new Set<Promise<void>>();
  private stopping = false;
  /** Whether consumer.pause is in effect (ours; kafkajs may lose it on a restart, see reapplyPause). */
  private paused = false;
  private unitSeq = 0;
  private readonly rebalance: RebalanceSignal;
  /** One batch of one partition while paused: the idle probe's real request (./trial-fetch.ts). */
  private readonly trial: TrialFetch;
  private endResolve!: (r: EndReason) => void;
  readonly done: Promise<EndReason> = new Promise((resolve) => (this.endResolve = resolve));

  constructor(
    private readonly opts: SupervisorOptions,
    private readonly deps: SupervisorDeps,
  ) {
    setMaxListeners(0, this.lifetime.signal);
    this.rebalance = deps.rebalance ?? new RebalanceSignal();
    this.trial = new TrialFetch(deps.consumer, opts.topics, deps.logger);
    deps.pause.onChange(() => this.applyPause());
  }

  async start(): Promise<void> {
    const { consumer } = this.deps;
    consumer.on(consumer.events.REBALANCING, () => this.deps.events.rebalancing());
    // F8: a kafkajs restart builds a new ConsumerGroup whose pause set is empty
    // (kafkajs/src/consumer/index.js, start → new ConsumerGroup), and a pause asked
    // before run() throws. Every join re-applies the pause to the new assignment.
    // F4: a join is also a new generation; batches from here on belong to it.
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.rebalance.rearm();
      this.trial.assigned(e?.payload?.memberAssignment);
      this.reapplyPause();
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.opts.topics], fromBeginning: this.opts.fromBeginning });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.opts.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.track(this.onBatch(payload)),
    });
  }

  /** Graceful stop; see the lifecycle contract above. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.pauseAll('shutdown');
    const drained = Promise.allSettled([...this.active]).then(() => true);
    const timedOut = this.deps.clock.sleep(this.opts.drainTimeoutMs, this.lifetime.signal).then(
      () => false,
      () => false,
    );
    if (!(await Promise.race([drained, timedOut]))) {
      this.deps.logger.warn('drain deadline reached; abandoning in-flight units (they will be redelivered)', {
        drainTimeoutMs: this.opts.drainTimeoutMs,
        activeBatches: this.active.size,
      });
    }
    await this.finish({ reason: 'stopped' });
  }

  /** Abandon everything now; nothing more is committed. */
  async terminate(): Promise<void> {
    this.stopping = true;
    await this.finish({ reason: 'stopped' });
  }

  private async finish(reason: EndReason): Promise<void> {
    this.lifetime.abort(new AbortedError('supervisor stopping'));
    await Promise.allSettled([...this.active]);
    await this.deps.consumer.disconnect().catch((err: unknown) => {
      this.deps.logger.warn('consumer disconnect failed', { error: (err as Error).message });
    });
    this.endResolve(reason);
  }

  private track(p: Promise<void>): Promise<void> {
    this.active.add(p);
    return p.finally(() => this.active.delete(p));
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (this.stopping || batch.messages.length === 0) return;
    if (this.rebalance.tripped) {
      // F4: kafkajs hands over the rest of the fetch round even after a rebalance
      // began; start nothing for a partition that is about to move.
      this.deps.logger.info('rebalance in progress: batch left for the next owner', { topic: batch.topic, partition: batch.partition });
      throw this.rebalance.reason;
    }
    if (this.paused) this.trial.batchArrived(batch.topic, batch.partition);
    const bytes = batch.messages.reduce((n, m) => n + (m.value?.length ?? 0), 0);
    this.deps.events.batchReceived(batch.topic, batch.partition, batch.messages.length, bytes);
    for (const m of batch.messages) {
      // coordinates and size only: never the payload (invariant 8)
      this.deps.logger.debug('message', { topic: batch.topic, partition: batch.partition, offset: m.offset, size: m.value?.length ?? 0 });
    }

    const abort = new AbortController();
    // Every unit, request and sleep of the batch listens on this signal.
    setMaxListeners(0, abort.signal);
    const onLifetimeAbort = (): void => abort.abort(this.lifetime.signal.reason);
    this.lifetime.signal.addEventListener('abort', onLifetimeAbort, { once: true });
    let rebalance: unknown;
    /** A Kafka-side failure (e.g. a commit that could not reach the coordinator): kafkajs retries it, not us. */
    let kafkaFailure: unknown;
    let rebalanceDeadline: NodeJS.Timeout | undefined;
    const onRebalance = (err: unknown): void => {
      if (rebalance !== undefined) return;
      rebalance = err;
      this.rebalance.trip(err); // every other batch and every rate wait learns of it now (F4)
      rebalanceDeadline = setTimeout(
        () => abort.abort(new AbortedError('rebalance drain deadline reached')),
        this.opts.rebalanceDrainMs,
      );
    };
    const unsubscribe = this.rebalance.onTrip(onRebalance);
    const beat = setInterval(() => {
      payload.heartbeat().catch((err: unknown) => {
        this.deps.events.kafkaRequestFailed?.('heartbeat', err);
        if (isRebalanceError(err)) {
          onRebalance(err);
        } else {
          this.deps.logger.warn('heartbeat failed', { error: (err as Error).message });
        }
      });
    }, this.opts.heartbeatEveryMs ?? 1000);

    const ctx: BatchContext = {
      runUnit: (unit, signal) => this.deps.runUnit(unit, signal),
      gate: this.deps.gate,
      admit: this.deps.admit ? (unit, signal, remainder) => this.admitUnit(unit, signal, remainder) : undefined,
      backlog: this.deps.backlog,
      commit: async (next) => {
        payload.resolveOffset((BigInt(next) - 1n).toString());
        try {
          await payload.commitOffsetsIfNecessary({
            topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }],
          });
        } catch (err) {
          this.deps.events.kafkaRequestFailed?.('commit', err);
          if (isRebalanceError(err)) onRebalance(err);
          else kafkaFailure ??= err;
          abort.abort(new AbortedError('commit failed'));
          throw err;
        }
        this.deps.events.committed(batch.topic, batch.partition, next, batch.highWatermark);
      },
      stopping: () => this.stopping || rebalance !== undefined,
      nextUnitId: () => ++this.unitSeq,
      maxMessages: this.opts.maxMessages,
      maxUnitBytes: this.opts.maxUnitBytes,
      logger: this.deps.logger,
      onUnitAcked: (unit, report, seconds) => this.deps.events.unitAcked(unit, report, seconds),
      onGateChange: () => this.applyBackpressure(),
      now: () => this.deps.clock.now(),
    };

    try {
      const outcome = await processBatch(
        { topic: batch.topic, partition: batch.partition, messages: batch.messages, lastOffset: batch.lastOffset() },
        ctx,
        abort.signal,
      );
      if (rebalance !== undefined) {
        this.deps.logger.info('rebalance: committed the units in flight, left the rest for the next owner', {
          topic: batch.topic,
          partition: batch.partition,
          committedOffset: outcome.committedOffset,
          unitsAcked: outcome.acked,
          unitsLeft: outcome.units - outcome.acked,
        });
        throw rebalance; // kafkajs rejoins the group
      }
    } catch (err) {
      if (rebalance !== undefined) {
        if (err !== rebalance) {
          this.deps.logger.info('rebalance: abandoning uncommitted work of the revoked batch', {
            topic: batch.topic,
            partition: batch.partition,
          });
        }
        throw rebalance; // kafkajs rejoins the group
      }
      if (kafkaFailure !== undefined) {
        this.deps.logger.warn('kafka error in batch; kafkajs will retry it (uncommitted work is redelivered)', {
          topic: batch.topic,
          partition: batch.partition,
          error: (kafkaFailure as Error).message,
        });
        throw kafkaFailure; // kafkajs retries / restarts the consumer: duplicates at worst, never loss
      }
      if (abort.signal.aborted || err instanceof AbortedError) return; // stopping: redelivered later
      this.onFatal(err, batch.topic, batch.partition);
    } finally {
      clearInterval(beat);
      unsubscribe();
      if (rebalanceDeadline) clearTimeout(rebalanceDeadline);
      this.lifetime.signal.removeEventListener('abort', onLifetimeAbort);
    }
  }

  /** Rate admission of a unit; the rebalance signal is linked for the wait only (defect 1). */
  private async admitUnit(unit: Unit, signal: AbortSignal, remainder: boolean): Promise<number> {
    const linked = linkSignals(signal, this.rebalance.signal);
    try {
      return await this.deps.admit!(unit, linked.signal, remainder);
    } finally {
      linked.dispose();
    }
  }

  /**
   * While fetching is paused, let one batch of one assigned partition through
   * (round robin) so a real request can show whether the downstream is back;
   * the pause itself holds (./trial-fetch.ts). Only while the outage reasons
   * (NETWORK, BUFFER_FULL) are all that hold: a trial must not get round an
   * operator's MANUAL pause, a rate pause or an open circuit. Returns the
   * partition; 'idle' when every assigned partition was tried without a batch
   * (nothing to send: the caller may lift the outage reasons); undefined when
   * it does not apply.
   */
  probeFetch(): TopicPartition | 'idle' | undefined {
    if (this.stopping || !this.paused) return undefined;
    if (!this.deps.pause.reasons.every((r) => OUTAGE_REASONS.has(r))) return undefined;
    return this.trial.open();
  }

  /**
   * The consumer cannot go on for a reason found outside a batch (kafkajs
   * crashed and will not restart): end consumption as fatal, committing nothing more.
   */
  fail(err: unknown): void {
    this.onFatal(err, undefined, undefined);
  }

  private onFatal(err: unknown, topic: string | undefined, partition: number | undefined): void {
    if (this.stopping) return;
    this.deps.logger.error('FATAL: delivery cannot continue; stopping consumption without committing the failed work', {
      topic,
      partition,
      code: err instanceof AppError ? err.code : undefined,
      error: (err as Error).message,
    });
    this.deps.events.fatal(err);
    this.stopping = true;
    this.pauseAll('fatal');
    void this.finish({ reason: 'fatal', error: err });
  }

  /** The in-flight cap is a pause reason like any other (DESIGN invariant 5). */
  private applyBackpressure(): void {
    if (this.stopping) return;
    this.deps.pause.set('IN_FLIGHT_CAP', this.deps.gate.shouldPause);
  }

  /** Applies PauseControl to the consumer: paused while any reason holds; paused partitions keep heartbeating. */
  private applyPause(): void {
    if (this.stopping) return;
    if (this.deps.pause.paused && !this.paused) this.pauseConsumer();
    else if (!this.deps.pause.paused && this.paused) {
      this.paused = false;
      this.trial.reset();
      try {
        this.deps.consumer.resume(this.opts.topics.map((topic) => ({ topic })));
      } catch (err) {
        this.deps.logger.warn('resume failed', { error: (err as Error).message });
      }
    }
  }

  private reapplyPause(): void {
    if (!this.stopping && !this.deps.pause.paused) return;
    this.deps.logger.info('pause re-applied to the new assignment', { reasons: this.stopping ? ['STOPPING'] : this.deps.pause.reasons });
    this.paused = false;
    this.pauseConsumer();
  }

  private pauseAll(reason: 'shutdown' | 'fatal'): void {
    this.pauseConsumer();
    this.deps.events.paused(reason);
  }

  private pauseConsumer(): void {
    if (this.paused) return;
    this.paused = true;
    this.trial.reset();
    try {
      this.deps.consumer.pause(this.opts.topics.map((topic) => ({ topic })));
    } catch (err) {
      // Before run() kafkajs has no consumer group yet; the GROUP_JOIN re-apply covers it.
      this.deps.logger.warn('pause failed', { error: (err as Error).message });
    }
  }
}

/** The pause reasons a probe fetch may try past (src/kafka/trial-fetch.ts). */
const OUTAGE_REASONS: ReadonlySet<string> = new Set(['NETWORK', 'BUFFER_FULL']);

/** kafkajs signals a rebalance through these protocol errors. */
export function isRebalanceError(err: unknown): boolean {
  const type = (err as { type?: string } | null)?.type;
  return type === 'REBALANCE_IN_PROGRESS' || type === 'NOT_COORDINATOR_FOR_GROUP' || type === 'ILLEGAL_GENERATION' || type === 'UNKNOWN_MEMBER_ID';
}
