/**
 * The second step of the idle probe (F1, and the NETWORK flapping seen in the
 * proxy-only outage scenarios): let ONE batch of ONE partition through while
 * fetching stays paused, so that a real PutRecordBatch tells whether Firehose
 * is back.
 *
 * Why: the idle probe's DescribeDeliveryStream answers while PutRecordBatch
 * still fails (a data-plane outage behind a healthy control plane; in our
 * tests, the fault proxy fails only PutRecordBatch). Lifting NETWORK on that
 * answer resumed every partition, the next requests failed three times, and
 * NETWORK held again: a flap per probe. Now the answer only opens this trial;
 * the pause lifts when the trial's request is answered (OutageFlag
 * requestAnswered), and while it keeps failing the trial unit retries on the
 * graduated schedule and nothing else is fetched.
 *
 * A trial that got no batch by the next probe found its partition caught up.
 * Once every assigned partition was tried that way in a row there is nothing
 * to send and so nothing to protect: `open()` answers 'idle' and the caller
 * lifts the pause (the next real request detects a lasting outage again).
 * Without that, a consumer that drained its partitions during the outage
 * stayed paused (readiness down) until new messages came in.
 *
 * kafkajs 2.2.4 consumer/subscriptionState.js: resume([{ topic, partitions: [p] }])
 * while the topic is paused as a whole adds p to its `resumed` set; pause([{ topic }])
 * clears that set (pauseAll again). A partition-level pause would instead
 * reset pauseAll and unpause every other partition, so the trial is always
 * closed with a whole-topic pause.
 */
import type { Consumer } from 'kafkajs';
import type { Logger } from '../logging/types';

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export class TrialFetch {
  private assignment: TopicPartition[] = [];
  private cursor = 0;
  private current: TopicPartition | undefined;
  /** Trials in a row that got no batch (their partition had nothing to fetch). */
  private emptyInARow = 0;

  constructor(
    private readonly consumer: Pick<Consumer, 'pause' | 'resume'>,
    private readonly topics: readonly string[],
    private readonly logger: Logger,
  ) {}

  /** GROUP_JOIN's memberAssignment ({ topic: [partitions] }): the partitions a trial may use. */
  assigned(memberAssignment: Readonly<Record<string, readonly number[]>> | undefined): void {
    this.assignment = Object.entries(memberAssignment ?? {}).flatMap(([topic, partitions]) => [...partitions].sort((a, b) => a - b).map((partition) => ({ topic, partition })));
    this.current = undefined;
    this.emptyInARow = 0;
  }

  /** The partition being tried, if any. */
  get trying(): TopicPartition | undefined {
    return this.current;
  }

  /**
   * Resumes the next assigned partition (round robin, so an idle partition does
   * not starve the trial) and returns it; 'idle' when every assigned partition
   * was just tried without a batch. The caller holds the consumer paused.
   */
  open(): TopicPartition | 'idle' | undefined {
    if (this.current) {
      this.close(); // the last one fetched nothing
      this.emptyInARow += 1;
    }
    if (this.assignment.length === 0) return undefined;
    if (this.emptyInARow >= this.assignment.length) {
      this.emptyInARow = 0;
      return 'idle';
    }
    const tp = this.assignment[this.cursor++ % this.assignment.length] as TopicPartition;
    this.current = tp;
    this.call('resume', [{ topic: tp.topic, partitions: [tp.partition] }]);
    this.logger.info('probe fetch: one batch of one partition tries Firehose; the pause holds until a request is answered', { topic: tp.topic, partition: tp.partition });
    return tp;
  }

  /** A batch arrived; if it is the trial's, the trial has its batch: pause the partition again. */
  batchArrived(topic: string, partition: number): void {
    if (this.current?.topic === topic && this.current.partition === partition) {
      this.emptyInARow = 0;
      this.close();
    }
  }

  /**
   * A pause reason other than an outage now holds (defect 4): the trial's
   * partition is paused again at once. The round-robin position is kept.
   */
  cancel(): void {
    if (this.current) this.close();
  }

  /** A whole-topic pause or resume was applied: kafkajs forgot the per-partition resume. */
  reset(): void {
    this.current = undefined;
    this.emptyInARow = 0;
  }

  private close(): void {
    this.current = undefined;
    this.call('pause', this.topics.map((topic) => ({ topic })));
  }

  private call(op: 'pause' | 'resume', tps: Array<{ topic: string; partitions?: number[] }>): void {
    try {
      this.consumer[op](tps);
    } catch (err) {
      this.logger.warn(`probe fetch: ${op} failed`, { error: (err as Error).message });
    }
  }
}
