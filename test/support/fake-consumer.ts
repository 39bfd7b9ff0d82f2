/**
 * A fake kafkajs consumer behind the supervisor's ConsumerPort: the test feeds
 * batches through the registered eachBatch and observes pause/resume/commits.
 */
import type { Batch, ConsumerRunConfig, EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { ConsumerPort } from '../../src/kafka/supervisor';

export class FakeConsumer {
  runConfig?: ConsumerRunConfig;
  paused = 0;
  resumed = 0;
  disconnected = false;
  commits: Array<{ topic: string; partition: number; offset: string }> = [];
  resolved: string[] = [];
  heartbeatError?: Error;
  /** Per partition, checked before `heartbeatError`. */
  heartbeatErrorFor?: (partition: number) => Error | undefined;
  commitError?: Error;
  /** Holds every commit until `releaseCommits` (tests of commits in flight). */
  holdCommits = false;
  private heldCommits: Array<() => void> = [];
  /** consumer.seek calls ("scans[2]@40"), in order. */
  seeks: string[] = [];
  heartbeats = 0;
  /** Every pause/resume with its topics ("pause scans", "resume scans[2]"), in order. */
  calls: string[] = [];
  /** Listeners registered through `on`, by event name. */
  readonly listeners = new Map<string, Array<(e: unknown) => void>>();

  readonly port: ConsumerPort = {
    connect: async () => undefined,
    subscribe: async () => undefined,
    run: async (config?: ConsumerRunConfig) => {
      this.runConfig = config;
    },
    pause: (tps) => {
      this.paused += 1;
      this.calls.push(`pause ${describeTps(tps)}`);
    },
    resume: (tps) => {
      this.resumed += 1;
      this.calls.push(`resume ${describeTps(tps)}`);
    },
    disconnect: async () => {
      this.disconnected = true;
    },
    commitOffsets: async (tpos) => {
      if (this.holdCommits) await new Promise<void>((resolve) => this.heldCommits.push(resolve));
      if (this.commitError) throw this.commitError;
      for (const t of tpos) this.commits.push({ topic: t.topic, partition: t.partition, offset: t.offset });
    },
    seek: (tpo) => {
      this.seeks.push(`${tpo.topic}[${tpo.partition}]@${tpo.offset}`);
    },
    on: ((event: string, listener: (e: unknown) => void) => {
      this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
      return () => undefined;
    }) as unknown as ConsumerPort['on'],
    events: { REBALANCING: 'consumer.rebalancing', GROUP_JOIN: 'consumer.group_join' } as unknown as ConsumerPort['events'],
  };

  releaseCommits(): void {
    this.holdCommits = false;
    this.heldCommits.splice(0).forEach((r) => r());
  }

  /** Emits an instrumentation event (e.g. 'consumer.group_join') to the registered listeners. */
  emit(event: string, payload: unknown = {}): void {
    for (const l of this.listeners.get(event) ?? []) l({ payload });
  }

  /** Calls eachBatch like kafkajs does; resolves/rejects with eachBatch. */
  deliver(topic: string, partition: number, messages: KafkaMessage[]): Promise<void> {
    const last = messages[messages.length - 1]?.offset ?? '0';
    const batch = {
      topic,
      partition,
      messages,
      highWatermark: String(BigInt(last) + 1n),
      lastOffset: () => last,
      firstOffset: () => messages[0]?.offset ?? null,
      isEmpty: () => messages.length === 0,
    } as unknown as Batch;
    const payload = {
      batch,
      resolveOffset: (o: string) => this.resolved.push(o),
      heartbeat: async () => {
        this.heartbeats += 1;
        const forPartition = this.heartbeatErrorFor?.(partition);
        if (forPartition) throw forPartition;
        if (this.heartbeatError) throw this.heartbeatError;
      },
      pause: () => () => undefined,
      commitOffsetsIfNecessary: async () => {
        throw new Error('the supervisor commits through consumer.commitOffsets');
      },
      uncommittedOffsets: () => ({ topics: [] }),
      isRunning: () => true,
      isStale: () => false,
    } as unknown as EachBatchPayload;
    return this.runConfig!.eachBatch!(payload);
  }
}

function describeTps(tps: ReadonlyArray<{ topic: string; partitions?: number[] }>): string {
  return tps.map((t) => (t.partitions ? `${t.topic}[${t.partitions.join(',')}]` : t.topic)).join(' ');
}
