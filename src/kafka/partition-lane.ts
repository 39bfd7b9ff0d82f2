/**
 * One partition's work across fetch rounds (issue 12: the pipelined consumer).
 *
 *   eachBatch ─add()─▶ units, registered in offset order ─pump─▶ (rate admission) ─▶ runUnit, concurrently
 *                      (bytes reserved in the in-flight budget)                       │ acked, out of order
 *   commit(next) ◀── contiguous acked prefix ◀── OffsetTracker ◀──────────────────────┘
 *
 * A lane outlives the batch that created it: eachBatch hands the batch over and
 * returns, and the next fetch round starts while the lane's units are encoded
 * and delivered. Units start in offset order and may finish in any order; after
 * each ack the contiguous acked prefix (DESIGN invariant 1) is handed to the
 * committer, which commits it outside any batch. A unit's bytes stay reserved
 * in the one in-flight budget from the moment it is fetched until it settles.
 *
 * States: open (units start as they come) · held (a rebalance is under way:
 * nothing new starts until the new assignment is known; running units go on) ·
 * stopped (graceful stop: queued units are dropped, running ones finish) ·
 * closed (partition revoked, terminate, fatal: running units are aborted).
 * A dropped or aborted unit is never committed; whoever owns the partition
 * next fetches it again from the committed offset.
 *
 * A unit that fails for any reason other than the lane's own abort blocks the
 * prefix for good and is reported (`onUnitFailed`): the supervisor then stops
 * consuming (a fatal Firehose error, a broken worker without a circuit).
 */
import { setMaxListeners } from 'node:events';
import type { KafkaMessage } from 'kafkajs';
import { AbortedError } from '../errors';
import type { Logger } from '../logging/types';
import { cutUnits, valueBytes } from '../pipeline/units';
import { OffsetTracker } from './offset-tracker';
import type { Unit, UnitReport } from './unit-runner';

export interface BatchInput {
  topic: string;
  partition: number;
  messages: KafkaMessage[];
  /** Highest offset in the fetched batch, control records included. */
  lastOffset: string;
  /** The partition's log end when the batch was fetched (for commit lag). */
  highWatermark: string;
}

/** The one in-flight byte budget (src/flow/pause-state.ts BackpressureGate). */
export interface InFlightBudget {
  reserve(bytes: number): void;
  release(bytes: number): void;
}

export interface LaneContext {
  runUnit(unit: Unit, signal: AbortSignal): Promise<UnitReport>;
  budget: InFlightBudget;
  /**
   * Rate admission (size-class preset): how many messages from the unit's front may
   * start now (1..n). Fewer than n splits the unit; the rest asks again next, as a
   * `remainder`.
   */
  admit?(unit: Unit, signal: AbortSignal, remainder: boolean): Promise<number>;
  /**
   * Fetched work in hand (src/flow/rate-backlog.ts): messages count in on arrival
   * and out as their units start, or when they are dropped.
   */
  backlog?: { fetched(n: number): void; settled(n: number): void };
  /** The contiguous acked prefix moved: commit `nextOffset` (last acked + 1). */
  commit(topic: string, partition: number, nextOffset: string, highWatermark: string): void;
  nextUnitId(): number;
  maxMessages: number;
  maxUnitBytes: number;
  logger: Logger;
  onUnitAcked?(unit: Unit, report: UnitReport, seconds: number): void;
  /** A unit failed other than by the lane's own abort: nothing at or after it will be committed. */
  onUnitFailed(unit: Unit, err: unknown): void;
  /** Bytes were reserved or released (the supervisor re-evaluates IN_FLIGHT_CAP). */
  onBudgetChange?(): void;
  now(): number;
}

interface Queued {
  unit: Unit;
  bytes: number;
  remainder: boolean;
}

type LaneState = 'open' | 'held' | 'stopped' | 'closed';

export class PartitionLane {
  private readonly tracker: OffsetTracker;
  private readonly queue: Queued[] = [];
  private readonly running = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private state: LaneState = 'open';
  private pumping = false;
  private failed = false;
  /** Next offset not yet handed to this lane: where fetching goes on. */
  private end: bigint | null = null;
  private highWatermark = '0';
  private idleWaiters: Array<() => void> = [];

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly ctx: LaneContext,
  ) {
    this.tracker = new OffsetTracker(topic, partition);
    // Every unit, request and sleep of the lane listens on this signal.
    setMaxListeners(0, this.abort.signal);
  }

  /** The next offset to fetch for this partition (last offset handed over + 1), or null before the first batch. */
  get fetchEnd(): string | null {
    return this.end === null ? null : this.end.toString();
  }

  /** Offset committed so far through this lane (next to read), or null. */
  get committedOffset(): string | null {
    return this.tracker.committedOffset;
  }

  get runningUnits(): number {
    return this.running.size;
  }

  get queuedUnits(): number {
    return this.queue.length;
  }

  get closed(): boolean {
    return this.state === 'closed';
  }

  /**
   * Takes a fetched batch: cut into units, each registered with the tracker and its
   * bytes reserved now; they start in order. Messages below `fetchEnd` are here
   * already (a re-fetch) and are skipped. Returns the number of units added.
   */
  add(batch: BatchInput): number {
    if (this.state === 'stopped' || this.state === 'closed' || this.failed) return 0;
    let messages = batch.messages;
    if (this.end !== null) {
      const end = this.end;
      const fresh = messages.filter((m) => BigInt(m.offset) >= end);
      if (fresh.length < messages.length) {
        this.ctx.logger.warn('fetched messages already handed to this partition lane were skipped', {
          topic: this.topic,
          partition: this.partition,
          skipped: messages.length - fresh.length,
          fetchEnd: end.toString(),
        });
      }
      messages = fresh;
    }
    this.highWatermark = batch.highWatermark;
    if (messages.length === 0) return 0;
    const slices = cutUnits(messages, this.ctx.maxMessages, this.ctx.maxUnitBytes);
    for (const [i, slice] of slices.entries()) {
      const unit: Unit = { id: this.ctx.nextUnitId(), topic: this.topic, partition: this.partition, messages: slice };
      const lastMessage = (slice[slice.length - 1] as KafkaMessage).offset;
      // The batch's trailing control records belong to its last unit, so the commit moves past them.
      const last = i === slices.length - 1 ? maxOffset(lastMessage, batch.lastOffset) : lastMessage;
      this.tracker.register(unit.id, slice[0]!.offset, last);
      this.end = BigInt(last) + 1n;
      const bytes = unitBytes(slice);
      this.ctx.budget.reserve(bytes);
      this.queue.push({ unit, bytes, remainder: false });
    }
    this.ctx.backlog?.fetched(messages.length);
    this.ctx.onBudgetChange?.();
    void this.pump();
    return slices.length;
  }

  /** A rebalance is under way: start nothing new until `release`. Running units go on. */
  hold(): void {
    if (this.state === 'open') this.state = 'held';
  }

  /** The partition stays ours after the rebalance: go on where it left off. */
  release(): void {
    if (this.state !== 'held') return;
    this.state = 'open';
    void this.pump();
  }

  /** Graceful stop: queued units are dropped (fetched again after the restart); running ones finish. */
  stop(): void {
    if (this.state === 'closed' || this.state === 'stopped') return;
    this.state = 'stopped';
    this.dropQueued();
  }

  /** Revoked, terminated or fatal: queued units are dropped and running ones aborted; nothing more is committed. */
  close(reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.dropQueued();
    this.abort.abort(new AbortedError(reason));
  }

  /** Resolves once no unit of the lane is running (queued units wait while held, or were dropped). */
  whenIdle(): Promise<void> {
    if (this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** The acked prefix committed so far, to be committed again (after a rebalance, under the new generation). */
  recommit(): void {
    const committed = this.tracker.committedOffset;
    if (committed !== null && !this.closed) this.ctx.commit(this.topic, this.partition, committed, this.highWatermark);
  }

  /** Serves the queue head by head; the only place that waits (for rate admission). */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0 && this.startsUnits()) {
        const head = this.queue[0] as Queued;
        let unit = head.unit;
        let bytes = head.bytes;
        if (this.ctx.admit) {
          let admitted: number;
          try {
            admitted = await this.ctx.admit(unit, this.abort.signal, head.remainder);
          } catch (err) {
            if (this.abort.signal.aborted || err instanceof AbortedError) break; // closed while waiting for tokens
            this.failUnit(unit, err);
            break;
          }
          if (!this.startsUnits()) break; // stopped or closed while waiting for tokens
          if (admitted < unit.messages.length) {
            const [front, rest] = splitUnit(unit, admitted, this.ctx.nextUnitId());
            this.tracker.split(unit.id, front.messages[front.messages.length - 1]!.offset, rest.id, rest.messages[0]!.offset);
            const frontBytes = unitBytes(front.messages);
            this.queue[0] = { unit: rest, bytes: bytes - frontBytes, remainder: true };
            unit = front;
            bytes = frontBytes;
            this.start(unit, bytes);
            continue;
          }
        }
        this.queue.shift();
        this.start(unit, bytes);
      }
    } finally {
      this.pumping = false;
    }
  }

  private startsUnits(): boolean {
    return this.state === 'open' && !this.failed;
  }

  private start(unit: Unit, bytes: number): void {
    this.ctx.backlog?.settled(unit.messages.length);
    const t0 = this.ctx.now();
    const work = this.ctx
      .runUnit(unit, this.abort.signal)
      .then(
        (report) => {
          if (this.state === 'closed') return; // revoked meanwhile: its commit is the next owner's business
          this.tracker.ack(unit.id);
          this.ctx.onUnitAcked?.(unit, report, (this.ctx.now() - t0) / 1000);
          const next = this.tracker.takeCommittable();
          if (next !== null) this.ctx.commit(this.topic, this.partition, next, this.highWatermark);
        },
        (err: unknown) => {
          if (this.abort.signal.aborted) return; // abandoned: redelivered to whoever owns the partition next
          this.failUnit(unit, err);
        },
      )
      .finally(() => {
        this.ctx.budget.release(bytes);
        this.ctx.onBudgetChange?.();
        this.running.delete(work);
        if (this.running.size === 0) this.idleWaiters.splice(0).forEach((w) => w());
      });
    this.running.add(work);
  }

  private failUnit(unit: Unit, err: unknown): void {
    this.tracker.fail(unit.id);
    this.failed = true;
    this.dropQueued();
    this.ctx.onUnitFailed(unit, err);
  }

  private dropQueued(): void {
    if (this.queue.length === 0) return;
    let messages = 0;
    for (const q of this.queue.splice(0)) {
      this.ctx.budget.release(q.bytes);
      messages += q.unit.messages.length;
    }
    this.ctx.backlog?.settled(messages);
    this.ctx.onBudgetChange?.();
  }
}

function unitBytes(messages: readonly KafkaMessage[]): number {
  let n = 0;
  for (const m of messages) n += valueBytes(m);
  return n;
}

/** The first `count` messages keep the unit's id; the rest become a new unit. */
function splitUnit(unit: Unit, count: number, tailId: number): [Unit, Unit] {
  return [
    { ...unit, messages: unit.messages.slice(0, count) },
    { ...unit, id: tailId, messages: unit.messages.slice(count) },
  ];
}

function maxOffset(a: string, b: string): string {
  return BigInt(a) >= BigInt(b) ? a : b;
}
