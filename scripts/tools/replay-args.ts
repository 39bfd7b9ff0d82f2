/**
 * Command line of `npm run replay` (scripts/replay.ts), a pure function.
 *
 *   npm run replay -- --dlq <topic> [--to <topic>] [--since <time>] [--until <time>]
 *                     [--reason <code>[,<code>…]] [--group <id>] [--dry-run] [--config FILE]
 */
import { createHash } from 'node:crypto';
import { ageMs, groupName, integer, listOf, matching, parseFlags, pointInTime, topicName, usageError, usageText, type Flags } from '../lib/cli';

export interface ReplayOptions {
  dlq: string;
  /** undefined = each message's source topic (header wsqc.source.topic). */
  to?: string;
  /** DLQ record timestamp ≥ since (epoch ms, an age already resolved against the start time). */
  sinceMs?: number;
  /** DLQ record timestamp < until (epoch ms, resolved likewise): the run stops on a partition at its first letter not before it. */
  untilMs?: number;
  /** Error classes (header wsqc.error.class) to replay; empty = all. */
  reasons: string[];
  /** The consumer group whose committed offsets on the DLQ make a run idempotent. */
  group: string;
  dryRun: boolean;
  /** Service config file (brokers, TLS), as `npm start -- --config FILE`. */
  configFile?: string;
  /** Bytes per produce batch (record-batch estimate), under the target topics' max.message.bytes. */
  maxBatchBytes: number;
  help: boolean;
}

const FLAGS = {
  dlq: { type: 'string', arg: 'TOPIC', help: 'dead-letter topic to read (required)' },
  to: { type: 'string', arg: 'TOPIC', help: "publish here instead of each message's source topic" },
  since: { type: 'string', arg: 'TIME', help: 'only letters written at or after TIME (DLQ record timestamp)' },
  until: {
    type: 'string',
    arg: 'TIME',
    help: 'stop at the first letter written at or after TIME (left for a later run)\nTIME: 2026-12-01T20:00:00Z, 2026-12-01 (UTC), epoch ms, or an age: 15m, 2h, 7d',
  },
  reason: { type: 'string', arg: 'CODE[,CODE]', help: 'only these error classes (wsqc.error.class), e.g. INVALID_JSON,OVERSIZED' },
  group: { type: 'string', arg: 'ID', help: 'replay consumer group (default wsqc-replay.<dlq>, plus a hash of\n--reason and --since when given; --until never changes it)' },
  'dry-run': { type: 'boolean', help: 'print what would be replayed; publish and commit nothing' },
  config: { type: 'string', arg: 'FILE', help: 'service config file for brokers and TLS (as npm start -- --config FILE)' },
  'max-batch-bytes': { type: 'string', arg: 'N', help: 'bytes per produce request (default 1000000)' },
} as const satisfies Flags;

export const REPLAY_USAGE = usageText(
  'npm run replay -- --dlq TOPIC [options]',
  FLAGS,
  `Re-publishes dead-lettered messages to their source topic (header wsqc.source.topic)
or to --to, with their key, value and original headers, and commits the replay
group's offsets on the DLQ, so running the same command again replays nothing it
replayed or skipped. The group is one per selection (--reason, --since): another
selection starts from the beginning of the DLQ and sees what this one skipped
(letters both select are replayed by both). --until is not a selection but where
the run stops: on each partition nothing from the first letter written at or after
it on is replayed or committed, and a later run of the same selection (a later
--until, or none) continues there. The run prints the absolute times an age resolved to.`,
);

/**
 * The default group: one per DLQ and selection, so the same command twice
 * replays nothing it replayed or skipped, while another selection (another
 * --reason, another --since) starts from the beginning of the DLQ and sees the
 * letters the first skipped as not selected.
 *
 * --until is not part of it (issue 13, defect 2): it says "not yet", and the
 * run never commits past a letter it left for that reason
 * (./replay-run.ts), so every run of a selection shares one group whatever its
 * cutoff, and a later cutoff continues where an earlier one stopped. (A name
 * that hashed the raw "6h" gave two runs hours apart one group and two
 * cutoffs; one that hashed the resolved time would give each run a new group
 * that replays everything again.) --since is keyed as meant: an age by its
 * length ("2h" = "120m": the same rolling window, so repeating the command
 * continues), a point in time by its instant ("2026-12-01" =
 * "2026-12-01T00:00:00Z"). The key format keeps the names of the groups an
 * older version gave to --reason alone and to no filter.
 */
export function defaultReplayGroup(dlq: string, selection: { since?: { ageMs?: number; atMs: number }; reasons: readonly string[] }): string {
  const s = selection.since;
  const since = s === undefined ? '' : s.ageMs !== undefined ? `age=${s.ageMs}` : `at=${new Date(s.atMs).toISOString()}`;
  const key = [since, '', [...selection.reasons].sort().join(',')].join('|');
  if (key === '||') return `wsqc-replay.${dlq}`;
  return `wsqc-replay.${dlq}.${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
}

const REASON = matching(/^[A-Z][A-Z0-9_]*$/, 'an error code (upper case, e.g. INVALID_JSON, OVERSIZED, WORKER_CRASH)');

export function parseReplayArgs(argv: readonly string[], nowMs: number): ReplayOptions {
  const a = parseFlags(argv, FLAGS, { once: true });
  const dlq = a.value('dlq', topicName);
  if (dlq === undefined) {
    if (a.help) return { dlq: '', reasons: [], group: '', dryRun: false, maxBatchBytes: 1_000_000, help: true };
    throw usageError('--dlq TOPIC is required (the dead-letter topic to replay)');
  }
  const to = a.value('to', topicName);
  if (to === dlq) throw usageError('--to: must differ from --dlq (replaying a DLQ into itself loops)');
  const sinceMs = a.value('since', pointInTime(nowMs));
  const untilMs = a.value('until', pointInTime(nowMs));
  if (sinceMs !== undefined && untilMs !== undefined && untilMs <= sinceMs) {
    throw usageError(`--until (${new Date(untilMs).toISOString()}) must be after --since (${new Date(sinceMs).toISOString()})`);
  }
  const reasons = a.value('reason', listOf(REASON, 'error codes, e.g. INVALID_JSON')) ?? [];
  const since = sinceMs === undefined ? undefined : { ageMs: ageMs(a.text('since')!), atMs: sinceMs };
  const group = a.value('group', groupName) ?? defaultReplayGroup(dlq, { since, reasons });
  const maxBatchBytes = a.value('max-batch-bytes', integer(1_024, 100 * 1024 * 1024)) ?? 1_000_000;
  return { dlq, to, sinceMs, untilMs, reasons, group, dryRun: a.flag('dry-run'), configFile: a.text('config'), maxBatchBytes, help: a.help };
}
