/**
 * Command line of `npm run offsets` (scripts/offsets.ts), a pure function.
 *
 *   npm run offsets -- --group <id> --topic <t> (--show | --to-earliest | --to-latest | --to-timestamp <time>) [--dry-run] [--config FILE]
 */
import { groupName, parseFlags, parseTime, topicName, usageError } from './cli-args';

export type OffsetsAction = { kind: 'show' } | { kind: 'earliest' } | { kind: 'latest' } | { kind: 'timestamp'; ms: number };

export interface OffsetsOptions {
  group: string;
  topic: string;
  action: OffsetsAction;
  dryRun: boolean;
  configFile?: string;
  help: boolean;
}

export const OFFSETS_USAGE = `usage: npm run offsets -- --group ID --topic TOPIC ACTION [--dry-run] [--config FILE]
Shows a consumer group's committed offsets on a topic (with log start, log end and
lag per partition), or resets them. A reset is refused while the group has live
members: stop the consumers first.
  --show               committed offset, log start, log end and lag per partition
  --to-earliest        reset to the log start of each partition
  --to-latest          reset to the log end (skips everything not yet consumed)
  --to-timestamp TIME  reset to the first offset at or after TIME
                       TIME: 2026-12-01T20:00:00Z, 2026-12-01 (UTC), epoch ms, or an age: 15m, 2h, 7d
  --dry-run            with a reset: print the plan, change nothing
  --config FILE        service config file for brokers and TLS (as npm start -- --config FILE)
  --help`;

const SPEC = {
  values: ['--group', '--topic', '--to-timestamp', '--config'],
  booleans: ['--show', '--to-earliest', '--to-latest', '--dry-run', '--help', '-h'],
};

export function parseOffsetsArgs(argv: readonly string[], nowMs: number): OffsetsOptions {
  const f = parseFlags(argv, SPEC);
  const help = f.booleans.has('--help') || f.booleans.has('-h');
  if (help) return { group: '', topic: '', action: { kind: 'show' }, dryRun: false, help };
  const group = f.values.get('--group');
  const topic = f.values.get('--topic');
  if (group === undefined) throw usageError('--group ID is required');
  if (topic === undefined) throw usageError('--topic TOPIC is required');
  const actions: OffsetsAction[] = [];
  if (f.booleans.has('--show')) actions.push({ kind: 'show' });
  if (f.booleans.has('--to-earliest')) actions.push({ kind: 'earliest' });
  if (f.booleans.has('--to-latest')) actions.push({ kind: 'latest' });
  const ts = f.values.get('--to-timestamp');
  if (ts !== undefined) actions.push({ kind: 'timestamp', ms: parseTime('--to-timestamp', ts, nowMs) });
  if (actions.length !== 1) throw usageError('give exactly one of --show, --to-earliest, --to-latest, --to-timestamp TIME');
  const dryRun = f.booleans.has('--dry-run');
  if (dryRun && actions[0].kind === 'show') throw usageError('--dry-run goes with a reset (--to-earliest, --to-latest, --to-timestamp); --show changes nothing');
  return { group: groupName('--group', group), topic: topicName('--topic', topic), action: actions[0], dryRun, configFile: f.values.get('--config'), help };
}
