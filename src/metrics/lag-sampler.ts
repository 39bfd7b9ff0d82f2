/**
 * Consumer lag per assigned partition: log end offset (high watermark) minus
 * the group's committed offset, read with the Kafka admin client every
 * `intervalMs` (the service's timer). Only this member's partitions are
 * exported, so summing `wsqc_consumer_lag_messages` over pods counts each
 * partition once; a partition that moved away is removed from the gauge.
 * A partition with no committed offset counts from the log start (the group
 * starts at the earliest offset, kafka.fromBeginning).
 */
import type { Gauge } from 'prom-client';

export interface LagPort {
  fetchTopicOffsets(topic: string): Promise<Array<{ partition: number; high: string; low: string }>>;
  fetchOffsets(options: { groupId: string; topics: string[] }): Promise<Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>>;
}

export interface PartitionLag {
  topic: string;
  partition: number;
  high: string;
  committed: string;
  lag: number;
}

export class LagSampler {
  private last: PartitionLag[] = [];
  private readonly exported = new Map<string, { topic: string; partition: string }>();

  constructor(
    private readonly port: LagPort,
    private readonly groupId: string,
    private readonly gauge: Gauge<'topic' | 'partition'>,
  ) {}

  /** The latest sample (empty before the first one). */
  get partitions(): readonly PartitionLag[] {
    return this.last;
  }

  get total(): number {
    return this.last.reduce((n, p) => n + p.lag, 0);
  }

  /** Samples the partitions in `assignment` (topic → partitions). */
  async sample(assignment: Readonly<Record<string, readonly number[]>>): Promise<readonly PartitionLag[]> {
    const topics = Object.keys(assignment).filter((t) => assignment[t].length > 0);
    const out: PartitionLag[] = [];
    if (topics.length > 0) {
      const committed = await this.port.fetchOffsets({ groupId: this.groupId, topics });
      for (const topic of topics) {
        const ends = await this.port.fetchTopicOffsets(topic);
        const mine = new Set(assignment[topic]);
        const done = committed.find((c) => c.topic === topic)?.partitions ?? [];
        for (const end of ends) {
          if (!mine.has(end.partition)) continue;
          const offset = done.find((p) => p.partition === end.partition)?.offset ?? '-1';
          const from = BigInt(offset) >= 0n ? BigInt(offset) : BigInt(end.low);
          const lag = Number(BigInt(end.high) - from);
          out.push({ topic, partition: end.partition, high: end.high, committed: offset, lag: Math.max(0, lag) });
        }
      }
    }
    out.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
    this.export(out);
    this.last = out;
    return out;
  }

  private export(lags: readonly PartitionLag[]): void {
    const keep = new Set<string>();
    for (const l of lags) {
      const labels = { topic: l.topic, partition: String(l.partition) };
      const key = `${l.topic}\u0000${labels.partition}`;
      keep.add(key);
      this.exported.set(key, labels);
      this.gauge.set(labels, l.lag);
    }
    for (const [key, labels] of this.exported) {
      if (!keep.has(key)) {
        this.gauge.remove(labels);
        this.exported.delete(key);
      }
    }
  }
}
