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
import type { Admin, ConsumerConfig, Consumer, EachBatchPayload, Producer, ProducerConfig } from 'kafkajs';
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
  const admin = kafka.admin();
  await admin.connect();
  let spans: Map<number, Span>;
  let topics: Set<string>;
  try {
    topics = await requireTopics(admin, [{ topic: o.dlq, role: 'dead-letter topic' }, ...(o.to ? [{ topic: o.to, role: 'target topic (--to)' }] : [])]);
    const g = await groupMembers(admin, o.group);
    if (g.members.length > 0) throw groupBusyError(o.group, g, 'another replay with this group is running');
    spans = await plan(admin, o);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  const total = [...spans.values()].reduce((n, s) => n + Number(s.end > s.start ? s.end - s.start : 0n), 0);
  const summary = emptySummary();
  const window = windowText(o);
  io.out(`replay ${o.dlq} with group ${o.group}: ${total} letter(s) after the group's committed offsets${o.dryRun ? ' (dry run)' : ''}${window === '' ? '' : `; replaying those${window}`}`);
  if (total === 0) return summary;

  const producer = o.dryRun ? undefined : kafka.producer({ allowAutoTopicCreation: false, idempotent: false });
  await producer?.connect();
  const consumer = kafka.consumer({ groupId: o.group, allowAutoTopicCreation: false, sessionTimeout: 30_000, heartbeatInterval: 3_000 });
  const progress = new Progress(io.progress, total, io.now);
  const done = new Set([...spans].filter(([, s]) => s.start >= s.end).map(([p]) => p));
  let failure: Error | undefined;
  let lastProgress = io.now();
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const replayAt = new Date().toISOString();
  // Progress counts the letters read and those left for a later run (--until), so it ends at 100 %.
  const handled = (): number => summary.read + summary.left;
  const extra = (): string =>
    `${o.dryRun ? 'would replay' : 'replayed'} ${summary.replayed}, skipped ${summary.read - summary.replayed}${o.untilMs === undefined ? '' : `, left for later ${summary.left}`}`;

  // A failure inside eachBatch would make kafkajs retry the batch (or crash and restart the
  // consumer) without end; it is kept and ends the run instead, with what was committed so far.
  const eachBatch = async (payload: EachBatchPayload): Promise<void> => {
    try {
      await replayBatch(payload);
    } catch (err) {
      failure ??= err as Error;
      finish();
    }
  };

  const replayBatch = async ({ batch, resolveOffset, heartbeat }: EachBatchPayload): Promise<void> => {
    const p = batch.partition;
    const span = spans.get(p);
    if (!span || done.has(p) || failure) return;
    const messages = batch.messages.filter((m) => BigInt(m.offset) >= span.start && BigInt(m.offset) < span.end);
    const out = new Map<string, OutMessage[]>();
    let upTo: string | undefined; // last offset handled in this batch
    let stopAt: bigint | undefined; // the first letter left for a later run (--until)
    for (const m of messages) {
      const d = decide({ partition: p, offset: m.offset, timestamp: m.timestamp, key: m.key ?? null, value: m.value ?? null, headers: m.headers }, o, replayAt);
      if (d.kind === 'later') {
        stopAt = BigInt(m.offset);
        break;
      }
      if (d.kind === 'error') {
        failure = new AppError('REPLAY_NO_TARGET', d.message);
        break;
      }
      if (d.kind === 'replay' && !topics.has(d.target)) {
        failure = new AppError('TOPIC_MISSING', `target topic '${d.target}' (from ${o.dlq}/${p}/${m.offset}) does not exist; create it or name another with --to`);
        break;
      }
      count(summary, d);
      if (d.kind === 'replay') {
        out.set(d.target, [...(out.get(d.target) ?? []), d.message]);
        if (o.dryRun) io.out(`  would replay ${o.dlq}/${p}/${m.offset} -> ${d.target} (${d.message.headers['wsqc.replay.error.class'] ?? '?'})`);
      }
      upTo = m.offset;
    }
    if (producer) for (const [topic, msgs] of out) await sendChunked(producer, topic, msgs, o.maxBatchBytes);
    if (upTo !== undefined) {
      resolveOffset(upTo);
      const next = (BigInt(upTo) + 1n).toString();
      if (!o.dryRun) await consumer.commitOffsets([{ topic: o.dlq, partition: p, offset: next }]);
      lastProgress = io.now();
      progress.update(handled(), extra());
      if (BigInt(next) >= span.end) done.add(p);
    }
    if (stopAt !== undefined && !failure) {
      summary.left += Number(span.end - stopAt);
      lastProgress = io.now();
      progress.update(handled(), extra());
      done.add(p);
    }
    await heartbeat();
    if (done.has(p)) consumer.pause([{ topic: o.dlq, partitions: [p] }]);
    if (failure || done.size >= spans.size) finish();
  };

  try {
    await consumer.connect();
    await consumer.subscribe({ topic: o.dlq, fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch });
    const idle = setInterval(() => {
      if (io.now() - lastProgress > io.idleMs) {
        failure ??= new AppError(
          'REPLAY_INCOMPLETE',
          `no progress for ${Math.round(io.idleMs / 1000)} s at ${handled()} of ${total} letters (is the group able to join? gaps in a compacted DLQ?); what was replayed is committed: run again to continue`,
        );
        finish();
      }
    }, 1_000);
    await finished.finally(() => clearInterval(idle));
  } finally {
    progress.finish(handled(), extra());
    await consumer.disconnect().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
  }
  if (failure) throw failure;
  return summary;
}

async function sendChunked(producer: Pick<Producer, 'send'>, topic: string, messages: OutMessage[], cap: number): Promise<void> {
  for (const c of planChunks(messages.map(recordBytes), cap)) {
    await producer.send({ topic, acks: -1, messages: messages.slice(c.start, c.end) });
  }
}
