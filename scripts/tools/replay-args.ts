/**
 * Command line of `npm run replay` (scripts/replay.ts), a pure function.
 *
 *   npm run replay -- --dlq <topic> [--to <topic>] [--since <time>] [--until <time>]
 *                     [--reason <code>[,<code>…]] [--group <id>] [--dry-run] [--config FILE]
 */
import { createHash } from 'node:crypto';
import { ageMs, groupName, parseFlags, parseTime, topicName, usageError } from './cli-args';

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

export const REPLAY_USAGE = `usage: npm run replay -- --dlq TOPIC [options]
Re-publishes dead-lettered messages to their source topic (header wsqc.source.topic)
or to --to, with their key, value and original headers, and commits the replay
group's offsets on the DLQ, so running the same command again replays nothing it
replayed or skipped. The group is one per selection (--reason, --since): another
selection starts from the beginning of the DLQ and sees what this one skipped
(letters both select are replayed by both). --until is not a selection but where
the run stops: on each partition nothing from the first letter written at or after
it on is replayed or committed, and a later run of the same selection (a later
--until, or none) continues there. The run prints the absolute times an age resolved to.
  --dlq TOPIC          dead-letter topic to read (required)
  --to TOPIC           publish here instead of each message's source topic
  --since TIME         only letters written at or after TIME (DLQ record timestamp)
  --until TIME         stop at the first letter written at or after TIME (left for a later run)
                       TIME: 2026-12-01T20:00:00Z, 2026-12-01 (UTC), epoch ms, or an age: 15m, 2h, 7d
  --reason CODE[,CODE] only these error classes (wsqc.error.class), e.g. INVALID_JSON,OVERSIZED
  --group ID           replay consumer group (default wsqc-replay.<dlq>, plus a hash of
                       --reason and --since when given; --until never changes it)
  --dry-run            print what would be replayed; publish and commit nothing
  --config FILE        service config file for brokers and TLS (as npm start -- --config FILE)
  --max-batch-bytes N  bytes per produce request (default 1000000)
  --help`;

const SPEC = {
  values: ['--dlq', '--to', '--since', '--until', '--reason', '--group', '--config', '--max-batch-bytes'],
  booleans: ['--dry-run', '--help', '-h'],
};

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

export function parseReplayArgs(argv: readonly string[], nowMs: number): ReplayOptions {
  const f = parseFlags(argv, SPEC);
  const help = f.booleans.has('--help') || f.booleans.has('-h');
  const raw = (flag: string) => f.values.get(flag);
  const dlqRaw = raw('--dlq');
  if (dlqRaw === undefined) {
    if (help) return { dlq: '', reasons: [], group: '', dryRun: false, maxBatchBytes: 1_000_000, help };
    throw usageError('--dlq TOPIC is required (the dead-letter topic to replay)');
  }
  const dlq = topicName('--dlq', dlqRaw);
  const to = raw('--to') === undefined ? undefined : topicName('--to', raw('--to')!);
  if (to === dlq) throw usageError('--to: must differ from --dlq (replaying a DLQ into itself loops)');
  const sinceMs = raw('--since') === undefined ? undefined : parseTime('--since', raw('--since')!, nowMs);
  const untilMs = raw('--until') === undefined ? undefined : parseTime('--until', raw('--until')!, nowMs);
  if (sinceMs !== undefined && untilMs !== undefined && untilMs <= sinceMs) {
    throw usageError(`--until (${new Date(untilMs).toISOString()}) must be after --since (${new Date(sinceMs).toISOString()})`);
  }
  const reasons = (raw('--reason') ?? '').split(',').map((r) => r.trim()).filter((r) => r !== '');
  if (raw('--reason') !== undefined && reasons.length === 0) throw usageError('--reason: expected one or more error codes, e.g. INVALID_JSON');
  for (const r of reasons) if (!/^[A-Z][A-Z0-9_]*$/.test(r)) throw usageError(`--reason: "${r}" is not an error code (upper case, e.g. INVALID_JSON, OVERSIZED, WORKER_CRASH)`);
  const since = sinceMs === undefined ? undefined : { ageMs: ageMs(raw('--since')!), atMs: sinceMs };
  const group = raw('--group') === undefined ? defaultReplayGroup(dlq, { since, reasons }) : groupName('--group', raw('--group')!);
  const mbb = raw('--max-batch-bytes') ?? '1000000';
  const maxBatchBytes = Number(mbb);
  if (!Number.isInteger(maxBatchBytes) || maxBatchBytes < 1_024 || maxBatchBytes > 100 * 1024 * 1024) throw usageError(`--max-batch-bytes: expected an integer from 1024 to 104857600, got "${mbb}"`);
  return { dlq, to, sinceMs, untilMs, reasons, group, dryRun: f.booleans.has('--dry-run'), configFile: raw('--config'), maxBatchBytes, help };
}
