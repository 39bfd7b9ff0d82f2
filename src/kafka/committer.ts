/**
 * Offset commits outside the batch handlers (issue 12: the pipelined consumer).
 *
 * Partition lanes hand over "everything below `offset` is acknowledged"
 * (src/kafka/partition-lane.ts); the committer sends the latest such offset of
 * every partition in ONE OffsetCommit request, one request at a time, so
 * commits are frequent without a request per unit, and a partition's committed
 * offset only ever moves forward.
 *
 * It commits through kafkajs's `consumer.commitOffsets` (the current runner, so
 * it keeps working after kafkajs restarts its consumer group): that call retries
 * retriable errors itself and throws REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION
 * and UNKNOWN_MEMBER_ID at once (kafkajs 2.2.4 protocol/error.js: not
 * retriable). A rebalance error blocks the committer: the offsets stay pending
 * until the supervisor knows the new assignment, drops the revoked partitions
 * and unblocks it (the next request then carries the new generation). Any other
 * failure is retried after `retryMs`. Nothing is ever lost by a failed commit:
 * the work is delivered, and at worst redelivered (a duplicate) after a restart.
 */
import type { Clock } from '../clock';
import type { Logger } from '../logging/types';

export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  offset: string;
}

export interface CommitterDeps {
  commit(offsets: TopicPartitionOffset[]): Promise<void>;
  /** Whether a commit error means the group is rebalancing (the supervisor's rule). */
  isRebalanceError(err: unknown): boolean;
  /** A commit failed with a rebalance error: the supervisor holds the lanes until the new assignment. */
  onRebalance(err: unknown): void;
  onCommitted(topic: string, partition: number, offset: string, highWatermark: string): void;
  onFailed(err: unknown): void;
  clock: Clock;
  logger: Logger;
  /** Wait before a failed commit (other than a rebalance) is tried again. */
  retryMs?: number;
}

interface Pending {
  topic: string;
  partition: number;
  offset: bigint;
  highWatermark: string;
}

export class Committer {
  private readonly pending = new Map<string, Pending>();
  private sending: Promise<void> | undefined;
  private blocked = false;
  private stopped = false;
  private readonly retry = new AbortController();
  private retryTimer: Promise<void> | undefined;
  private flushWaiters: Array<() => void> = [];

  constructor(private readonly deps: CommitterDeps) {}

  /** Partitions with an offset waiting to be committed. */
  get backlog(): number {
    return this.pending.size;
  }

  get isBlocked(): boolean {
    return this.blocked;
  }

  /** Commit `offset` (next to read) for the partition; a lower offset than one pending is ignored. */
  request(topic: string, partition: number, offset: string, highWatermark: string): void {
    if (this.stopped) return;
    const key = keyOf(topic, partition);
    const next = BigInt(offset);
    const current = this.pending.get(key);
    if (current && current.offset >= next) return;
    this.pending.set(key, { topic, partition, offset: next, highWatermark });
    this.kick();
  }

  /** The partition was revoked: its pending offset is the next owner's business. */
  drop(topic: string, partition: number): void {
    this.pending.delete(keyOf(topic, partition));
    this.settleFlush();
  }

  /** The new assignment is known and the revoked partitions dropped: commit what is pending. */
  unblock(): void {
    if (!this.blocked) return;
    this.blocked = false;
    this.kick();
  }

  /**
   * Resolves once nothing is being sent and nothing is pending, or what is
   * pending cannot be sent before the next assignment (blocked). Also waits
   * out a retry delay: race it with a deadline.
   */
  flush(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.flushWaiters.push(resolve));
  }

  /** Commits nothing more (terminate, or the consumer has been disconnected). */
  stop(): void {
    this.stopped = true;
    this.pending.clear();
    this.retry.abort();
    this.settleFlush();
  }

  private get idle(): boolean {
    return this.sending === undefined && (this.pending.size === 0 || this.blocked);
  }

  private kick(): void {
    if (this.sending || this.blocked || this.stopped || this.retryTimer || this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending.clear();
    const send = this.send(batch);
    this.sending = send;
    void send.finally(() => {
      this.sending = undefined;
      this.kick();
      this.settleFlush();
    });
  }

  private async send(batch: Pending[]): Promise<void> {
    try {
      await this.deps.commit(batch.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.offset.toString() })));
    } catch (err) {
      this.putBack(batch);
      this.deps.onFailed(err);
      if (this.deps.isRebalanceError(err)) {
        this.blocked = true;
        this.deps.onRebalance(err);
      } else if (!this.stopped) {
        this.deps.logger.warn('offset commit failed; trying again', { error: (err as Error).message, partitions: batch.length });
        this.scheduleRetry();
      }
      return;
    }
    for (const p of batch) this.deps.onCommitted(p.topic, p.partition, p.offset.toString(), p.highWatermark);
  }

  /** A failed batch goes back unless a later offset for the same partition arrived meanwhile. */
  private putBack(batch: Pending[]): void {
    if (this.stopped) return;
    for (const p of batch) {
      const key = keyOf(p.topic, p.partition);
      const newer = this.pending.get(key);
      if (!newer || newer.offset < p.offset) this.pending.set(key, p);
    }
  }

  private scheduleRetry(): void {
    const timer = this.deps.clock.sleep(this.deps.retryMs ?? 1_000, this.retry.signal).catch(() => undefined);
    this.retryTimer = timer;
    void timer.then(() => {
      this.retryTimer = undefined;
      this.kick();
    });
  }

  private settleFlush(): void {
    if (!this.idle && !this.stopped) return;
    this.flushWaiters.splice(0).forEach((w) => w());
  }
}

function keyOf(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
