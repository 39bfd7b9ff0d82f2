/**
 * The replay loop against Kafka. Reads the DLQ with the replay group, up to the
 * log end offsets seen at start (letters arriving meanwhile wait for the next
 * run), republishes what passes the filter (acks = all, in size-capped
 * chunks: src/kafka/record-batch-size.ts, as the dead-letter sink), and only
 * then commits the batch's offsets on the DLQ, so a crash mid-run replays at
 * most one batch twice and a second run replays nothing new. --dry-run reads
 * the same letters and publishes and commits nothing.
 *
 * --until: on each partition the run stops at the first letter written at or
 * after the cutoff (./replay-plan.ts `later`) and commits only below it, so
 * the group's offset never passes a letter left for later (issue 13, defect
 * 2). Stopping there, rather than skipping it and going on, also keeps a
 * younger letter's older neighbours after it (DLQ timestamps are the
 * producer's clock, not strictly ordered) for the same later run, which
 * replays each once.
 */
import type { Admin, ConsumerConfig, Consumer, EachBatchPayload, KafkaMessage, Producer, ProducerConfig } from 'kafkajs';
import { AppError } from '../../src/errors';
import { planChunks, recordBytes } from '../../src/kafka/record-batch-size';
import { Progress, type ProgressStream } from './progress';
import type { ReplayOptions } from './replay-args';
import { count, decide, emptySummary, windowText, type OutMessage, type ReplaySummary } from './replay-plan';
import { groupBusyError, groupMembers, requireTopics } from './tool-kafka';

/** The kafkajs calls the replay makes (a kafkajs `Kafka` is one); tests pass a fake cluster. */
export interface ReplayKafka {
  admin(): Pick<Admin, 'connect' | 'disconnect' | 'listTopics' | 'describeGroups' | 'fetchTopicOffsets' | 'fetchOffsets'>;
  producer(config: ProducerConfig): Pick<Producer, 'connect' | 'disconnect' | 'send'>;
  consumer(config: ConsumerConfig): Pick<Consumer, 'connect' | 'disconnect' | 'subscribe' | 'run' | 'commitOffsets' | 'pause'>;
}

export interface ReplayIo {
  out: (line: string) => void;
  progress: ProgressStream;
  now: () => number;
  /** End the run (REPLAY_INCOMPLETE, exit 1) when nothing arrives for this long before the end offsets seen at start. */
  idleMs: number;
}

interface Span {
  start: bigint;
  end: bigint;
}

/** Where the group stands on each DLQ partition: its committed offset (or the log start) up to the log end now. */
async function plan(admin: Pick<Admin, 'fetchTopicOffsets' | 'fetchOffsets'>, o: ReplayOptions): Promise<Map<number, Span>> {
  const ends = await admin.fetchTopicOffsets(o.dlq);
  const [committed] = await admin.fetchOffsets({ groupId: o.group, topics: [o.dlq] });
  const spans = new Map<number, Span>();
  for (const e of ends) {
    const c = BigInt(committed?.partitions.find((p) => p.partition === e.partition)?.offset ?? '-1');
    const low = BigInt(e.low);
    spans.set(e.partition, { start: c >= low ? c : low, end: BigInt(e.high) });
  }
  return spans;
}

export async function runReplay(kafka: ReplayKafka, o: ReplayOptions, io: ReplayIo): Promise<ReplaySummary> {
  const { topics, spans } = await checkAndPlan(kafka, o);
  const total = [...spans.values()].reduce((n, s) => n + Number(s.end > s.start ? s.end - s.start : 0n), 0);
  const window = windowText(o);
  io.out(`replay ${o.dlq} with group ${o.group}: ${total} letter(s) after the group's committed offsets${o.dryRun ? ' (dry run)' : ''}${window === '' ? '' : `; replaying those${window}`}`);
  if (total === 0) return emptySummary();

  const producer = o.dryRun ? undefined : kafka.producer({ allowAutoTopicCreation: false, idempotent: false });
  await producer?.connect();
  const consumer = kafka.consumer({ groupId: o.group, allowAutoTopicCreation: false, sessionTimeout: 30_000, heartbeatInterval: 3_000 });
  const pass = new ReplayPass(o, io, { spans, topics, total, producer, consumer });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: o.dlq, fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => pass.eachBatch(payload) });
    const idle = setInterval(() => pass.checkIdle(), 1_000);
    await pass.finished.finally(() => clearInterval(idle));
  } finally {
    pass.finishProgress();
    await consumer.disconnect().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
  }
  if (pass.failure) throw pass.failure;
  return pass.summary;
}

/** The topics exist, no other replay holds the group, and where the group stands on each DLQ partition. */
async function checkAndPlan(kafka: ReplayKafka, o: ReplayOptions): Promise<{ topics: Set<string>; spans: Map<number, Span> }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = await requireTopics(admin, [{ topic: o.dlq, role: 'dead-letter topic' }, ...(o.to ? [{ topic: o.to, role: 'target topic (--to)' }] : [])]);
    const g = await groupMembers(admin, o.group);
    if (g.members.length > 0) throw groupBusyError(o.group, g, 'another replay with this group is running');
    return { topics, spans: await plan(admin, o) };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

interface PassParts {
  spans: Map<number, Span>;
  topics: Set<string>;
  total: number;
  producer: Pick<Producer, 'send'> | undefined;
  consumer: Pick<Consumer, 'commitOffsets' | 'pause'>;
}

/** What one batch of a partition holds for this run: where it stops, what it sends where. */
interface BatchDecisions {
  out: Map<string, OutMessage[]>;
  /** The last offset handled in this batch. */
  upTo?: string;
  /** The first letter left for a later run (--until). */
  stopAt?: bigint;
}

/**
 * One run over the DLQ: each batch is decided letter by letter, sent, then
 * committed; a partition is done at its end offset or at its first letter
 * left for later; the run ends when every partition is done, on the first
 * failure, or when nothing moves for `io.idleMs`.
 */
class ReplayPass {
  readonly summary = emptySummary();
  failure: Error | undefined;
  readonly finished: Promise<void>;
  private finish!: () => void;
  private readonly progress: Progress;
  private readonly done: Set<number>;
  private lastProgress: number;
  private readonly replayAt = new Date().toISOString();

  constructor(
    private readonly o: ReplayOptions,
    private readonly io: ReplayIo,
    private readonly parts: PassParts,
  ) {
    this.finished = new Promise<void>((r) => (this.finish = r));
    this.progress = new Progress(io.progress, parts.total, io.now);
    this.done = new Set([...parts.spans].filter(([, s]) => s.start >= s.end).map(([p]) => p));
    this.lastProgress = io.now();
  }

  // A failure inside eachBatch would make kafkajs retry the batch (or crash and restart the
  // consumer) without end; it is kept and ends the run instead, with what was committed so far.
  async eachBatch(payload: EachBatchPayload): Promise<void> {
    try {
      await this.replayBatch(payload);
    } catch (err) {
      this.failure ??= err as Error;
      this.finish();
    }
  }

  checkIdle(): void {
    if (this.io.now() - this.lastProgress <= this.io.idleMs) return;
    this.failure ??= new AppError(
      'REPLAY_INCOMPLETE',
      `no progress for ${Math.round(this.io.idleMs / 1000)} s at ${this.handled()} of ${this.parts.total} letters (is the group able to join? gaps in a compacted DLQ?); what was replayed is committed: run again to continue`,
    );
    this.finish();
  }

  finishProgress(): void {
    this.progress.finish(this.handled(), this.extra());
  }

  private async replayBatch({ batch, resolveOffset, heartbeat }: EachBatchPayload): Promise<void> {
    const p = batch.partition;
    const span = this.parts.spans.get(p);
    if (!span || this.done.has(p) || this.failure) return;
    const messages = batch.messages.filter((m) => BigInt(m.offset) >= span.start && BigInt(m.offset) < span.end);
    const d = this.decideBatch(p, messages);
    if (this.parts.producer) for (const [topic, msgs] of d.out) await sendChunked(this.parts.producer, topic, msgs, this.o.maxBatchBytes);
    if (d.upTo !== undefined) await this.commitThrough(p, span, d.upTo, resolveOffset);
    if (d.stopAt !== undefined && !this.failure) this.leaveForLater(p, span, d.stopAt);
    await heartbeat();
    if (this.done.has(p)) this.parts.consumer.pause([{ topic: this.o.dlq, partitions: [p] }]);
    if (this.failure || this.done.size >= this.parts.spans.size) this.finish();
  }

  /** Decides the batch's letters in order until the first left for later or the first failure. */
  private decideBatch(p: number, messages: KafkaMessage[]): BatchDecisions {
    const o = this.o;
    const d: BatchDecisions = { out: new Map() };
    for (const m of messages) {
      const dec = decide({ partition: p, offset: m.offset, timestamp: m.timestamp, key: m.key ?? null, value: m.value ?? null, headers: m.headers }, o, this.replayAt);
      if (dec.kind === 'later') {
        d.stopAt = BigInt(m.offset);
        break;
      }
      if (dec.kind === 'error') {
        this.failure = new AppError('REPLAY_NO_TARGET', dec.message);
        break;
      }
      if (dec.kind === 'replay' && !this.parts.topics.has(dec.target)) {
        this.failure = new AppError('TOPIC_MISSING', `target topic '${dec.target}' (from ${o.dlq}/${p}/${m.offset}) does not exist; create it or name another with --to`);
        break;
      }
      count(this.summary, dec);
      if (dec.kind === 'replay') {
        d.out.set(dec.target, [...(d.out.get(dec.target) ?? []), dec.message]);
        if (o.dryRun) this.io.out(`  would replay ${o.dlq}/${p}/${m.offset} -> ${dec.target} (${dec.message.headers['wsqc.replay.error.class'] ?? '?'})`);
      }
      d.upTo = m.offset;
    }
    return d;
  }

  /** Commits the partition through `upTo` (not in a dry run); the partition is done at its end offset. */
  private async commitThrough(p: number, span: Span, upTo: string, resolveOffset: (offset: string) => void): Promise<void> {
    resolveOffset(upTo);
    const next = (BigInt(upTo) + 1n).toString();
    if (!this.o.dryRun) await this.parts.consumer.commitOffsets([{ topic: this.o.dlq, partition: p, offset: next }]);
    this.moved();
    if (BigInt(next) >= span.end) this.done.add(p);
  }

  /** From `stopAt` on, the partition's letters wait for a later run (--until): counted, never committed. */
  private leaveForLater(p: number, span: Span, stopAt: bigint): void {
    this.summary.left += Number(span.end - stopAt);
    this.moved();
    this.done.add(p);
  }

  private moved(): void {
    this.lastProgress = this.io.now();
    this.progress.update(this.handled(), this.extra());
  }

  /** Progress counts the letters read and those left for a later run (--until), so it ends at 100 %. */
  private handled(): number {
    return this.summary.read + this.summary.left;
  }

  private extra(): string {
    const s = this.summary;
    return `${this.o.dryRun ? 'would replay' : 'replayed'} ${s.replayed}, skipped ${s.read - s.replayed}${this.o.untilMs === undefined ? '' : `, left for later ${s.left}`}`;
  }
}

async function sendChunked(producer: Pick<Producer, 'send'>, topic: string, messages: OutMessage[], cap: number): Promise<void> {
  for (const c of planChunks(messages.map(recordBytes), cap)) {
    await producer.send({ topic, acks: -1, messages: messages.slice(c.start, c.end) });
  }
}
