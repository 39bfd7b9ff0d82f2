/**
 * The offsets tool's arithmetic and tables, pure: committed offset, log start,
 * log end and lag per partition; the target of a reset per partition.
 */
import type { OffsetsAction } from './offsets-args';

export interface PartitionState {
  partition: number;
  /** Log start offset (the earliest still kept). */
  low: string;
  /** Log end offset (the next offset to be written). */
  high: string;
  /** The group's committed offset, '-1' = none. */
  committed: string;
}

export interface OffsetRow extends PartitionState {
  /** high - committed; with no commit, high - low (all of what a new group from the beginning would read). */
  lag: bigint;
}

export function offsetRows(states: readonly PartitionState[]): OffsetRow[] {
  return [...states]
    .sort((a, b) => a.partition - b.partition)
    .map((s) => {
      const high = BigInt(s.high);
      const c = BigInt(s.committed);
      // A commit below the log start (retention deleted those) reads from the log start.
      const from = c < 0n ? BigInt(s.low) : c < BigInt(s.low) ? BigInt(s.low) : c;
      return { ...s, lag: high > from ? high - from : 0n };
    });
}

export function formatOffsetTable(group: string, topic: string, rows: readonly OffsetRow[], state: string, members: number): string {
  const head = ['partition', 'committed', 'log-start', 'log-end', 'lag'];
  const body = rows.map((r) => [String(r.partition), r.committed === '-1' ? '-' : r.committed, r.low, r.high, String(r.lag)]);
  const total = rows.reduce((n, r) => n + r.lag, 0n);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  return [
    `group ${group} on ${topic}: state ${state}, ${members} live member(s), total lag ${total}${rows.some((r) => r.committed === '-1') ? ' (no commit on "-" partitions: lag counted from the log start)' : ''}`,
    line(head),
    ...body.map(line),
  ].join('\n');
}

export interface ResetPlan {
  partition: number;
  from: string;
  to: string;
}

/** Target offset per partition; `byTimestamp` holds the first offset at or after the time (the log end when none). */
export function resetPlan(states: readonly PartitionState[], action: Exclude<OffsetsAction, { kind: 'show' }>, byTimestamp?: ReadonlyMap<number, string>): ResetPlan[] {
  return [...states]
    .sort((a, b) => a.partition - b.partition)
    .map((s) => {
      let to: string;
      if (action.kind === 'earliest') to = s.low;
      else if (action.kind === 'latest') to = s.high;
      else {
        const t = byTimestamp?.get(s.partition);
        if (t === undefined) throw new Error(`no offset for time on partition ${s.partition}`);
        to = t;
      }
      return { partition: s.partition, from: s.committed === '-1' ? '-' : s.committed, to };
    });
}

export function formatResetPlan(group: string, topic: string, plan: readonly ResetPlan[], dryRun: boolean): string {
  const lines = plan.map((p) => `  partition ${p.partition}: ${p.from} -> ${p.to}${p.from === p.to ? ' (unchanged)' : ''}`);
  return [`${dryRun ? 'dry run: would reset' : 'reset'} group ${group} on ${topic}:`, ...lines, ...(dryRun ? ['nothing changed'] : [])].join('\n');
}
