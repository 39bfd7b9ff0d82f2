/**
 * The supervisor: the main thread's owner of the Kafka consumer.
 *
 *  Kafka (mTLS) ──fetch──▶ kafkajs runner ──eachBatch(p)──▶ PartitionLane(p) ──units──▶ UnitRunner ──▶ Piscina workers
 *        ▲                        │ returns at once                 │ acked prefix              └──▶ Firehose
 *        │ next round             ▼ (holds only while the           ▼
 *        └──────────────── in-flight budget is spent)          Committer ──consumer.commitOffsets──▶ Kafka
 *
 * Pipelining (issue 12). kafkajs 2.2.4 fetches the next round only when every
 * eachBatch of the current one has returned (consumer/fetcher.js awaits
 * workerQueue.push, which is Promise.allSettled over the round; kafkajs issues
 * #1211 and #683), and the next fetch starts from the offsets resolved so far
 * (offsetManager.nextOffset). Awaiting Firehose inside eachBatch therefore ran
 * fetch, encode, deliver and commit one after the other: 69 % of the main
 * thread and 70-78 % of each worker idle. Now eachBatch hands the batch to its
 * partition's lane and calls resolveOffset(lastOffset), which moves only the
 * FETCH position (autoCommit is off, and kafkajs commits resolved offsets only
 * with autoCommit on), and returns; delivery and commit go on behind it. The
 * committed offset is still only the contiguous acked prefix (DESIGN invariant
 * 1), committed by src/kafka/committer.ts outside any batch.
 *
 * One budget bounds memory (invariant 5): a unit's bytes are reserved when its
 * batch is fetched and released when it settles. While the budget is spent the
 * IN_FLIGHT_CAP reason pauses the consumer and the batch handler holds its round
 * (heartbeating every second), so kafkajs fetches nothing more; the overshoot
 * is at most one fetch round. Duplicates after a crash are bounded by it too.
 *
 * Rebalances. A rebalance is learnt from a failed heartbeat of a held round,
 * from a commit answered REBALANCE_IN_PROGRESS & co., or from kafkajs's
 * REBALANCING event (it rejoins right after it). From then on no lane starts a
 * unit (running ones go on, and their commits still land while the group is
 * preparing the rebalance); a held round waits up to `rebalanceDrainMs` for the
 * running units and their commits, then rethrows so kafkajs rejoins. At
 * GROUP_JOIN the new assignment decides: a revoked partition's lane is closed
 * (its running units aborted, nothing more committed: the new owner fetches
 * from the committed offset, duplicates bounded by what was in flight); a kept
 * partition's lane goes on, kafkajs is told to fetch it from where the lane
 * left off (consumer.seek, which with autoCommit off only resolves), and its
 * acked prefix is committed again under the new generation.
 *
 * Lifecycle contract:
 *  - start():     connect, subscribe, run. Resolves once consuming.
 *  - stop():      graceful. Stop fetching (pause), start no new units (queued ones
 *                 are dropped: fetched again after the restart), drain running
 *                 units and their commits until `drainTimeoutMs`, then abandon the
 *                 rest (uncommitted → redelivered) and leave the group.
 *  - terminate(): abandon everything now, commit nothing more, disconnect.
 *  - done:        resolves when consumption has ended: 'stopped' or 'fatal'.
 *
 * kafkajs caveats that shape this file (read in kafkajs/src/consumer/runner.js):
 *  - eachBatchAutoResolve must be false and autoCommit false (DESIGN invariant 1).
 *  - consumer.commitOffsets() is a no-op once the runner has stopped, so stop()
 *    drains before it disconnects.
 */
import { setMaxListeners } from 'node:events';
import { KafkaJSProtocolError, type Consumer, type EachBatchPayload } from 'kafkajs';
import type { Clock } from '../clock';
import { AbortedError, AppError } from '../errors';
import { linkSignals } from '../flow/abort';
import type { PauseControl } from '../flow/pause-control';
import type { Logger } from '../logging/types';
import { Committer } from './committer';
import { PartitionLane, type LaneContext } from './partition-lane';
import { TrialFetch, type TopicPartition } from './trial-fetch';
import type { Unit, UnitReport } from './unit-runner';

export type ConsumerPort = Pick<Consumer, 'connect' | 'subscribe' | 'run' | 'pause' | 'resume' | 'disconnect' | 'on' | 'events' | 'commitOffsets' | 'seek'>;

export interface SupervisorEvents {
  batchReceived(topic: string, partition: number, messages: number, bytes: number): void;
  unitAcked(unit: Unit, report: UnitReport, seconds: number): void;
  /** `highWatermark`: the partition's log end when the batch was fetched (for commit lag). */
  committed(topic: string, partition: number, nextOffset: string, highWatermark: string): void;
  /** Fetching stopped for good: 'shutdown' (graceful stop) or 'fatal'. Pauses for a reason go through PauseControl. */
  paused(reason: 'shutdown' | 'fatal'): void;
  rebalancing(): void;
  fatal(err: unknown): void;
  /** A heartbeat or offset commit failed (src/flow/coordinator-watch.ts decides whether the coordinator is lost). */
  kafkaRequestFailed?(what: 'heartbeat' | 'commit', err: unknown): void;
}

export interface SupervisorOptions {
  topics: readonly string[];
  fromBeginning: boolean;
  partitionsConsumedConcurrently: number;
  maxMessages: number;
  maxUnitBytes: number;
  drainTimeoutMs: number;
  /** How long a held round waits for running units after a rebalance starts (keep well under the rebalance timeout). */
  rebalanceDrainMs: number;
  heartbeatEveryMs?: number;
  /** Wait before a failed offset commit (other than a rebalance) is tried again (default 1 s). */
  commitRetryMs?: number;
}

/** The one in-flight budget (src/flow/pause-state.ts BackpressureGate): a source of IN_FLIGHT_CAP. */
export interface SupervisorBudget {
  reserve(bytes: number): void;
  release(bytes: number): void;
  readonly shouldPause: boolean;
  readonly inFlightBytes: number;
  /** Resolves once `shouldPause` is false. */
  whenOpen(signal?: AbortSignal): Promise<void>;
}

export interface SupervisorDeps {
  consumer: ConsumerPort;
  runUnit(unit: Unit, signal: AbortSignal): Promise<UnitReport>;
  gate: SupervisorBudget;
  /** Every reason to pause fetching; the supervisor applies it to the consumer (src/flow/pause-control.ts). */
  pause: PauseControl;
  /** Rate admission of a unit (size-class preset): how many messages from its front may start now. */
  admit?(unit: Unit, signal: AbortSignal, remainder: boolean): Promise<number>;
  /** Fetched work in hand, for the rate pause (src/flow/rate-backlog.ts). */
  backlog?: LaneContext['backlog'];
  clock: Clock;
  logger: Logger;
  events: SupervisorEvents;
}

export type EndReason = { reason: 'stopped' } | { reason: 'fatal'; error: unknown };

export class Supervisor {
  private readonly lifetime = new AbortController();
  /** Batch handlers in progress (a held round among them). */
  private readonly active = new Set<Promise<void>>();
  private readonly lanes = new Map<string, PartitionLane>();
  private readonly committer: Committer;
  private stopping = false;
  /** Aborted by stop(): a held round lets go at once. */
  private readonly stopSignal = new AbortController();
  /** Whether consumer.pause is in effect (ours; kafkajs may lose it on a restart, see reapplyPause). */
  private paused = false;
  private unitSeq = 0;
  /** Set while a rebalance is under way (learnt, not yet rejoined): the error to rethrow to kafkajs. */
  private rebalance: { reason: unknown } | undefined;
  private rebalanceWaiters: Array<() => void> = [];
  /** One batch of one partition while paused: the idle probe's real request (./trial-fetch.ts). */
  private readonly trial: TrialFetch;
  private readonly laneContext: LaneContext;
  private endResolve!: (r: EndReason) => void;
  readonly done: Promise<EndReason> = new Promise((resolve) => (this.endResolve = resolve));

  constructor(
    private readonly opts: SupervisorOptions,
    private readonly deps: SupervisorDeps,
  ) {
    setMaxListeners(0, this.lifetime.signal);
    this.trial = new TrialFetch(deps.consumer, opts.topics, deps.logger);
    this.committer = new Committer({
      commit: (offsets) => deps.consumer.commitOffsets(offsets),
      isRebalanceError,
      onRebalance: (err) => this.rebalanceLearnt(err, 'commit'),
      onCommitted: (topic, partition, offset, hw) => deps.events.committed(topic, partition, offset, hw),
      onFailed: (err) => deps.events.kafkaRequestFailed?.('commit', err),
      clock: deps.clock,
      logger: deps.logger,
      retryMs: opts.commitRetryMs,
    });
    this.laneContext = this.createLaneContext();
    deps.pause.onChange(() => this.applyPause());
  }

  /** Bytes of fetched units not yet settled, and the units running, across every lane (for health and metrics). */
  get inFlight(): { bytes: number; runningUnits: number; queuedUnits: number; lanes: number } {
    let runningUnits = 0;
    let queuedUnits = 0;
    for (const lane of this.lanes.values()) {
      runningUnits += lane.runningUnits;
      queuedUnits += lane.queuedUnits;
    }
    return { bytes: this.deps.gate.inFlightBytes, runningUnits, queuedUnits, lanes: this.lanes.size };
  }

  async start(): Promise<void> {
    const { consumer } = this.deps;
    consumer.on(consumer.events.REBALANCING, () => {
      this.deps.events.rebalancing();
      this.rebalanceLearnt(rebalanceInProgress('kafkajs is rejoining the group'), 'kafkajs');
    });
    // F8: a kafkajs restart builds a new ConsumerGroup whose pause set is empty
    // (kafkajs/src/consumer/index.js, start → new ConsumerGroup), and a pause asked
    // before run() throws. Every join re-applies the pause to the new assignment.
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      const assignment = e?.payload?.memberAssignment;
      this.joined(assignment);
      this.trial.assigned(assignment);
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
    this.stopSignal.abort(new AbortedError('supervisor stopping'));
    this.pauseAll('shutdown');
    for (const lane of this.lanes.values()) lane.stop();
    const drained = Promise.all([...this.lanes.values()].map((l) => l.whenIdle()))
      .then(() => this.committer.flush())
      .then(() => true);
    const timedOut = this.deps.clock.sleep(this.opts.drainTimeoutMs, this.lifetime.signal).then(
      () => false,
      () => false,
    );
    if (!(await Promise.race([drained, timedOut]))) {
      const { runningUnits } = this.inFlight;
      this.deps.logger.warn('drain deadline reached; abandoning in-flight units (they will be redelivered)', {
        drainTimeoutMs: this.opts.drainTimeoutMs,
        runningUnits,
        pendingCommits: this.committer.backlog,
      });
    }
    await this.finish({ reason: 'stopped' });
  }

  /** Abandon everything now; nothing more is committed. */
  async terminate(): Promise<void> {
    this.stopping = true;
    this.stopSignal.abort(new AbortedError('supervisor terminating'));
    await this.finish({ reason: 'stopped' });
  }

  private async finish(reason: EndReason): Promise<void> {
    this.lifetime.abort(new AbortedError('supervisor stopping'));
    this.committer.stop();
    for (const lane of this.lanes.values()) lane.close('supervisor stopping');
    await Promise.allSettled([...this.active]);
    await Promise.allSettled([...this.lanes.values()].map((l) => l.whenIdle()));
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
    if (this.rebalance) {
      // kafkajs hands over the rest of the fetch round even after a rebalance was
      // learnt: start nothing for a partition that may move; rethrowing makes it rejoin.
      this.deps.logger.info('rebalance in progress: batch left for the next fetch', { topic: batch.topic, partition: batch.partition });
      throw this.rebalance.reason;
    }
    if (this.paused) {
      this.trial.batchArrived(batch.topic, batch.partition);
      // Defect 4: an operator's pause or an open circuit means "start nothing": a
      // batch fetched before it (or by a trial it cancelled) is left unresolved,
      // so it is fetched again on resume.
      const blocking = this.deps.pause.reasons.filter((r) => BLOCKING_REASONS.has(r));
      if (blocking.length > 0) {
        this.deps.logger.info('batch left unprocessed while paused', { topic: batch.topic, partition: batch.partition, reasons: blocking });
        return;
      }
    }
    const bytes = batch.messages.reduce((n, m) => n + (m.value?.length ?? 0), 0);
    this.deps.events.batchReceived(batch.topic, batch.partition, batch.messages.length, bytes);
    for (const m of batch.messages) {
      // coordinates and size only: never the payload (invariant 8)
      this.deps.logger.debug('message', { topic: batch.topic, partition: batch.partition, offset: m.offset, size: m.value?.length ?? 0 });
    }
    this.laneFor(batch.topic, batch.partition).add({
      topic: batch.topic,
      partition: batch.partition,
      messages: batch.messages,
      lastOffset: batch.lastOffset(),
      highWatermark: batch.highWatermark,
    });
    // The fetch position moves on; nothing is committed by this (autoCommit is off).
    payload.resolveOffset(batch.lastOffset());
    if (this.deps.gate.shouldPause) await this.holdRound(payload);
  }

  /**
   * The budget is spent: keep this fetch round open (kafkajs fetches nothing
   * more) until it has room again, heartbeating so the group does not rebalance.
   * A rebalance learnt meanwhile ends the hold after the running units have had
   * `rebalanceDrainMs` to finish and commit; the error goes back to kafkajs.
   */
  private async holdRound(payload: EachBatchPayload): Promise<void> {
    const beat = setInterval(() => {
      payload.heartbeat().catch((err: unknown) => {
        this.deps.events.kafkaRequestFailed?.('heartbeat', err);
        if (isRebalanceError(err)) this.rebalanceLearnt(err, 'heartbeat');
        else this.deps.logger.warn('heartbeat failed', { error: (err as Error).message });
      });
    }, this.opts.heartbeatEveryMs ?? 1000);
    const wake = linkSignals(this.stopSignal.signal, this.lifetime.signal);
    try {
      await Promise.race([this.deps.gate.whenOpen(wake.signal).catch(() => undefined), this.rebalanceStarted()]);
      if (this.rebalance && !this.stopping) {
        const reason = this.rebalance.reason;
        await this.drainForRebalance();
        throw reason; // kafkajs rejoins the group
      }
    } finally {
      clearInterval(beat);
      wake.dispose();
    }
  }

  /** Running units finish and their commits land, for at most `rebalanceDrainMs`. */
  private async drainForRebalance(): Promise<void> {
    const idle = Promise.all([...this.lanes.values()].map((l) => l.whenIdle())).then(() => this.committer.flush());
    const deadline = this.deps.clock.sleep(this.opts.rebalanceDrainMs, this.lifetime.signal).catch(() => undefined);
    await Promise.race([idle, deadline]);
    const { runningUnits } = this.inFlight;
    this.deps.logger.info('rebalance: the held fetch round lets kafkajs rejoin', { runningUnits, pendingCommits: this.committer.backlog });
  }

  private rebalanceStarted(): Promise<void> {
    if (this.rebalance) return Promise.resolve();
    return new Promise((resolve) => this.rebalanceWaiters.push(resolve));
  }

  /** A rebalance is under way: lanes start nothing new and commits wait for the new assignment. */
  private rebalanceLearnt(err: unknown, from: 'heartbeat' | 'commit' | 'kafkajs'): void {
    if (this.rebalance || this.stopping) return;
    this.rebalance = { reason: err };
    // Commits go on: the group accepts them while it prepares the rebalance. One
    // answered REBALANCE_IN_PROGRESS blocks the committer until the new assignment.
    for (const lane of this.lanes.values()) lane.hold();
    this.deps.logger.info('rebalance under way: no new units until the new assignment', { from, lanes: this.lanes.size, runningUnits: this.inFlight.runningUnits });
    this.rebalanceWaiters.splice(0).forEach((w) => w());
  }

  /** GROUP_JOIN: revoked partitions' lanes close, kept ones go on from where they left off. */
  private joined(assignment: Readonly<Record<string, readonly number[]>> | undefined): void {
    this.rebalance = undefined;
    const assigned = new Set(Object.entries(assignment ?? {}).flatMap(([topic, ps]) => ps.map((p) => laneKey(topic, p))));
    for (const [key, lane] of [...this.lanes]) {
      if (!assigned.has(key)) {
        if (lane.runningUnits + lane.queuedUnits > 0) {
          this.deps.logger.info('partition revoked: its units in flight are abandoned (the new owner fetches them from the committed offset)', {
            topic: lane.topic,
            partition: lane.partition,
            runningUnits: lane.runningUnits,
            queuedUnits: lane.queuedUnits,
            committedOffset: lane.committedOffset,
          });
        }
        lane.close('partition revoked');
        this.committer.drop(lane.topic, lane.partition);
        this.lanes.delete(key);
        continue;
      }
      const end = lane.fetchEnd;
      if (end !== null) {
        try {
          // kafkajs fetches a re-assigned partition from its committed offset; with
          // autoCommit off, seek only resolves, so fetching resumes after the lane's work.
          this.deps.consumer.seek({ topic: lane.topic, partition: lane.partition, offset: end });
        } catch (err) {
          this.deps.logger.warn('seek after rejoin failed; already-fetched messages will be skipped by the lane', { error: (err as Error).message });
        }
      }
      lane.recommit();
      if (!this.stopping) lane.release();
    }
    this.committer.unblock();
    const { runningUnits, queuedUnits } = this.inFlight;
    this.deps.logger.info('assignment applied: kept partitions go on where they left off', { lanes: this.lanes.size, runningUnits, queuedUnits });
  }

  private createLaneContext(): LaneContext {
    return {
      runUnit: (unit, signal) => this.deps.runUnit(unit, signal),
      budget: {
        reserve: (bytes) => this.deps.gate.reserve(bytes),
        release: (bytes) => this.deps.gate.release(bytes),
      },
      admit: this.deps.admit ? (unit, signal, remainder) => this.deps.admit!(unit, signal, remainder) : undefined,
      backlog: this.deps.backlog,
      commit: (topic, partition, offset, hw) => this.committer.request(topic, partition, offset, hw),
      nextUnitId: () => ++this.unitSeq,
      maxMessages: this.opts.maxMessages,
      maxUnitBytes: this.opts.maxUnitBytes,
      logger: this.deps.logger,
      onUnitAcked: (unit, report, seconds) => this.deps.events.unitAcked(unit, report, seconds),
      onUnitFailed: (unit, err) => this.onFatal(err, unit.topic, unit.partition),
      onBudgetChange: () => this.applyBackpressure(),
      now: () => this.deps.clock.now(),
    };
  }


  private laneFor(topic: string, partition: number): PartitionLane {
    const key = laneKey(topic, partition);
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = new PartitionLane(topic, partition, this.laneContext);
      if (this.rebalance) lane.hold();
      this.lanes.set(key, lane);
    }
    return lane;
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
    this.stopSignal.abort(new AbortedError('fatal'));
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
    else if (this.deps.pause.paused && this.trial.trying && !this.deps.pause.reasons.every((r) => OUTAGE_REASONS.has(r))) {
      // Defect 4: a trial opened under an outage pause must not outlive a later
      // MANUAL, rate or circuit hold: re-pause its partition now.
      this.deps.logger.info('probe fetch cancelled: a pause reason other than an outage now holds', { reasons: this.deps.pause.reasons });
      this.trial.cancel();
    } else if (!this.deps.pause.paused && this.paused) {
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

function laneKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** Reasons that mean "start nothing": a batch that arrives while one holds is left for after the resume. */
const BLOCKING_REASONS: ReadonlySet<string> = new Set(['MANUAL', 'DOWNSTREAM_ERROR']);

/** The pause reasons a probe fetch may try past (src/kafka/trial-fetch.ts). */
const OUTAGE_REASONS: ReadonlySet<string> = new Set(['NETWORK', 'BUFFER_FULL']);

/** The error kafkajs rejoins on (runner.js isRebalancing), for a rebalance learnt from its REBALANCING event. */
function rebalanceInProgress(message: string): KafkaJSProtocolError {
  return new KafkaJSProtocolError({ message, type: 'REBALANCE_IN_PROGRESS', code: 27, retriable: false } as unknown as Error);
}

/** kafkajs signals a rebalance through these protocol errors. */
export function isRebalanceError(err: unknown): boolean {
  const type = (err as { type?: string } | null)?.type;
  return type === 'REBALANCE_IN_PROGRESS' || type === 'NOT_COORDINATOR_FOR_GROUP' || type === 'ILLEGAL_GENERATION' || type === 'UNKNOWN_MEMBER_ID';
}
