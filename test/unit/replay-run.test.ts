/**
 * `runReplay` (scripts/tools/replay-run.ts) against a fake cluster: a DLQ
 * whose partitions hold letters with chosen timestamps, a consumer that hands
 * them out in batches from the group's committed offset as kafkajs does
 * (eachBatch, resolveOffset, pause), committed offsets kept per group, and a
 * producer that records what was re-published. Issue 13, defect 2: dead
 * letters left by --until were committed past and never replayed.
 */
import { expect } from 'chai';
import type { EachBatchPayload, IHeaders, KafkaMessage } from 'kafkajs';
import { DLQ_HEADERS } from '../../src/kafka/dead-letter';
import { parseReplayArgs } from '../../scripts/tools/replay-args';
import { formatSummary, REPLAY_HEADERS, type ReplaySummary } from '../../scripts/tools/replay-plan';
import { runReplay } from '../../scripts/tools/replay-run';

const HOUR = 3_600_000;
const T = Date.parse('2026-12-01T12:00:00Z');
const DLQ = 'scans.dlq';

type Letter = { ageH: number; errorClass?: string };

/** A DLQ and a source topic on a fake broker; committed offsets per group survive between runs, as on a real one. */
class FakeCluster {
  readonly committed = new Map<string, Map<number, string>>();
  /** `<dlq>/<partition>/<offset>` of every letter re-published, in order. */
  readonly replayed: string[] = [];
  readonly groups: string[] = [];
  private readonly dlq = new Map<number, KafkaMessage[]>();

  constructor(partitions: Letter[][]) {
    partitions.forEach((letters, p) => {
      this.dlq.set(
        p,
        letters.map((l, offset) => {
          const headers: IHeaders = { [DLQ_HEADERS.topic]: Buffer.from('scans'), [DLQ_HEADERS.errorClass]: Buffer.from(l.errorClass ?? 'INVALID_JSON') };
          return { key: Buffer.from(`k-${p}-${offset}`), value: Buffer.from('{}'), timestamp: String(T - l.ageH * HOUR), attributes: 0, offset: String(offset), headers };
        }),
      );
    });
  }

  committedOf(group: string): Record<number, string> {
    return Object.fromEntries(this.committed.get(group) ?? new Map());
  }

  admin() {
    return {
      connect: async () => undefined,
      disconnect: async () => undefined,
      listTopics: async () => [DLQ, 'scans'],
      describeGroups: async (ids: string[]) => ({ groups: ids.map((groupId) => ({ groupId, state: 'Empty', members: [] })) }),
      fetchTopicOffsets: async () => [...this.dlq].map(([partition, ms]) => ({ partition, offset: String(ms.length), high: String(ms.length), low: '0' })),
      fetchOffsets: async ({ groupId }: { groupId: string }) => [
        { topic: DLQ, partitions: [...this.dlq.keys()].map((partition) => ({ partition, offset: this.committed.get(groupId)?.get(partition) ?? '-1', metadata: null })) },
      ],
    };
  }

  producer() {
    return {
      connect: async () => undefined,
      disconnect: async () => undefined,
      send: async ({ messages }: { messages: Array<{ headers?: IHeaders }> }) => {
        for (const m of messages) this.replayed.push(String(m.headers?.[REPLAY_HEADERS.from]));
        return [];
      },
    };
  }

  /** Hands out batches of `batchSize` from the committed offset; after each batch the position is the last resolved offset + 1 (kafkajs with eachBatchAutoResolve false); a paused partition gets nothing more. */
  consumer({ groupId }: { groupId: string }, batchSize = 2) {
    this.groups.push(groupId);
    const paused = new Set<number>();
    const offsets = this.committed.get(groupId) ?? new Map<number, string>();
    this.committed.set(groupId, offsets);
    const deliver = async (eachBatch: (p: EachBatchPayload) => Promise<void>): Promise<void> => {
      for (const [partition, messages] of this.dlq) {
        let at = Number(offsets.get(partition) ?? '0');
        while (!paused.has(partition) && at < messages.length) {
          let resolved: string | undefined;
          const payload = {
            batch: { topic: DLQ, partition, messages: messages.slice(at, at + batchSize) },
            resolveOffset: (o: string) => void (resolved = o),
            heartbeat: async () => undefined,
          };
          await eachBatch(payload as unknown as EachBatchPayload);
          if (resolved === undefined) break; // kafkajs would fetch the same again; the run has paused it by then
          at = Number(resolved) + 1;
        }
      }
    };
    return {
      connect: async () => undefined,
      disconnect: async () => undefined,
      subscribe: async () => undefined,
      pause: (topics: Array<{ partitions?: number[] }>) => topics.forEach((t) => t.partitions?.forEach((p) => paused.add(p))),
      commitOffsets: async (list: Array<{ partition: number; offset: string }>) => list.forEach((c) => offsets.set(c.partition, c.offset)),
      run: async ({ eachBatch }: { eachBatch: (p: EachBatchPayload) => Promise<void> }) => void setImmediate(() => void deliver(eachBatch)),
    };
  }
}

async function replay(cluster: FakeCluster, argv: string[], nowMs: number): Promise<{ summary: ReplaySummary; text: string; group: string }> {
  const o = parseReplayArgs(['--dlq', DLQ, ...argv], nowMs);
  const lines: string[] = [];
  const fake = cluster as unknown as Parameters<typeof runReplay>[0];
  const summary = await runReplay(fake, o, { out: (l) => lines.push(l), progress: { isTTY: false, write: () => undefined }, now: Date.now, idleMs: 5_000 });
  lines.push(formatSummary(summary, o));
  return { summary, text: lines.join('\n'), group: o.group };
}

describe('replay run: --until never loses a letter (issue 13, defect 2)', () => {
  // partition 0: 10 h, 9 h, 8 h, 5 h, 7 h (older than its neighbour: producer clocks), 1 h old; partition 1: all older than 6 h
  const letters = (): Letter[][] => [[{ ageH: 10 }, { ageH: 9 }, { ageH: 8 }, { ageH: 5 }, { ageH: 7 }, { ageH: 1 }], [{ ageH: 9 }, { ageH: 8 }, { ageH: 7 }]];

  it('the committed offset never passes a letter skipped by --until', async () => {
    const cluster = new FakeCluster(letters());
    const run = await replay(cluster, ['--until', '6h'], T);
    // partition 0's first letter not before the cutoff is offset 3: the group stands there, not past it
    expect(cluster.committedOf(run.group)).to.deep.equal({ 0: '3', 1: '3' });
    expect(cluster.replayed).to.deep.equal([`${DLQ}/0/0`, `${DLQ}/0/1`, `${DLQ}/0/2`, `${DLQ}/1/0`, `${DLQ}/1/1`, `${DLQ}/1/2`]);
    expect(run.summary).to.deep.include({ read: 6, replayed: 6, left: 3 });
  });

  it('a relative cutoff is resolved before naming the group: "--until 6h" hours apart, then no --until, replay every letter exactly once', async () => {
    const cluster = new FakeCluster(letters());
    const first = await replay(cluster, ['--until', '6h'], T);
    const later = await replay(cluster, ['--until', '6h'], T + 3 * HOUR);
    const rest = await replay(cluster, [], T + 3 * HOUR);
    const all = letters().flatMap((ls, p) => ls.map((_, o) => `${DLQ}/${p}/${o}`));
    expect([...cluster.replayed].sort(), 'each letter replayed once: none lost, none twice').to.deep.equal(all.sort());
    expect(later.summary).to.deep.include({ read: 2, replayed: 2, left: 1 }); // 5 h and 7 h old, older than the later cutoff
    expect([later.group, rest.group], 'every cutoff, and none, share the selection\'s group').to.deep.equal([first.group, first.group]);
    expect(first.text).to.contain(`before ${new Date(T - 6 * HOUR).toISOString()} (--until)`);
    expect(later.text).to.contain(`before ${new Date(T - 3 * HOUR).toISOString()} (--until)`);
  });

  it('letters not selected (--reason) are committed past by that selection only; another selection replays them', async () => {
    const cluster = new FakeCluster([[{ ageH: 3, errorClass: 'INVALID_JSON' }, { ageH: 2, errorClass: 'OVERSIZED' }, { ageH: 1, errorClass: 'INVALID_JSON' }]]);
    const json = await replay(cluster, ['--reason', 'INVALID_JSON'], T);
    expect(json.summary).to.deep.include({ read: 3, replayed: 2 });
    expect(cluster.committedOf(json.group)).to.deep.equal({ 0: '3' });
    const oversized = await replay(cluster, ['--reason', 'OVERSIZED'], T);
    expect(oversized.group).to.not.equal(json.group);
    expect(cluster.replayed).to.deep.equal([`${DLQ}/0/0`, `${DLQ}/0/2`, `${DLQ}/0/1`]);
    expect((await replay(cluster, ['--reason', 'INVALID_JSON'], T + HOUR)).summary.replayed, 'the same selection again').to.equal(0);
  });
});
