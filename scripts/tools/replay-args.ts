/**
 * Command line of `npm run replay` (scripts/replay.ts), a pure function.
 *
 *   npm run replay -- --dlq <topic> [--to <topic>] [--since <time>] [--until <time>]
 *                     [--reason <code>[,<code>…]] [--group <id>] [--dry-run] [--config FILE]
 */
import { createHash } from 'node:crypto';
import { groupName, parseFlags, parseTime, topicName, usageError } from './cli-args';

export interface ReplayOptions {
  dlq: string;
  /** undefined = each message's source topic (header wsqc.source.topic). */
  to?: string;
  /** DLQ record timestamp ≥ since (epoch ms). */
  sinceMs?: number;
  /** DLQ record timestamp < until (epoch ms). */
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
group's offsets on the DLQ, so running the same command again replays nothing new.
  --dlq TOPIC          dead-letter topic to read (required)
  --to TOPIC           publish here instead of each message's source topic
  --since TIME         only letters written at or after TIME (DLQ record timestamp)
  --until TIME         only letters written before TIME
                       TIME: 2026-12-01T20:00:00Z, 2026-12-01 (UTC), epoch ms, or an age: 15m, 2h, 7d
  --reason CODE[,CODE] only these error classes (wsqc.error.class), e.g. INVALID_JSON,OVERSIZED
  --group ID           replay consumer group (default wsqc-replay.<dlq>, plus a hash of the filters)
  --dry-run            print what would be replayed; publish and commit nothing
  --config FILE        service config file for brokers and TLS (as npm start -- --config FILE)
  --max-batch-bytes N  bytes per produce request (default 1000000)
  --help`;

const SPEC = {
  values: ['--dlq', '--to', '--since', '--until', '--reason', '--group', '--config', '--max-batch-bytes'],
  booleans: ['--dry-run', '--help', '-h'],
};

/**
 * The default group: one per DLQ and filter set, so the same command twice
 * replays nothing new while a run with other filters (e.g. another --reason)
 * starts from the beginning of the DLQ and sees the letters the first skipped.
 */
export function defaultReplayGroup(dlq: string, filters: { since?: string; until?: string; reasons: readonly string[] }): string {
  const key = [filters.since ?? '', filters.until ?? '', [...filters.reasons].sort().join(',')].join('|');
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
  const group = raw('--group') === undefined ? defaultReplayGroup(dlq, { since: raw('--since'), until: raw('--until'), reasons }) : groupName('--group', raw('--group')!);
  const mbb = raw('--max-batch-bytes') ?? '1000000';
  const maxBatchBytes = Number(mbb);
  if (!Number.isInteger(maxBatchBytes) || maxBatchBytes < 1_024 || maxBatchBytes > 100 * 1024 * 1024) throw usageError(`--max-batch-bytes: expected an integer from 1024 to 104857600, got "${mbb}"`);
  return { dlq, to, sinceMs, untilMs, reasons, group, dryRun: f.booleans.has('--dry-run'), configFile: raw('--config'), maxBatchBytes, help };
}
