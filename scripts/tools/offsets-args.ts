/**
 * Command line of `npm run offsets` (scripts/offsets.ts), a pure function.
 *
 *   npm run offsets -- --group <id> --topic <t> (--show | --to-earliest | --to-latest | --to-timestamp <time>) [--dry-run] [--config FILE]
 */
import { groupName, parseFlags, pointInTime, topicName, usageError, usageText, type Flags } from '../lib/cli';

export type OffsetsAction = { kind: 'show' } | { kind: 'earliest' } | { kind: 'latest' } | { kind: 'timestamp'; ms: number };

export interface OffsetsOptions {
  group: string;
  topic: string;
  action: OffsetsAction;
  dryRun: boolean;
  configFile?: string;
  help: boolean;
}

const FLAGS = {
  group: { type: 'string', arg: 'ID', help: 'the consumer group (required)' },
  topic: { type: 'string', arg: 'TOPIC', help: 'the topic (required)' },
  show: { type: 'boolean', help: 'committed offset, log start, log end and lag per partition' },
  'to-earliest': { type: 'boolean', help: 'reset to the log start of each partition' },
  'to-latest': { type: 'boolean', help: 'reset to the log end (skips everything not yet consumed)' },
  'to-timestamp': {
    type: 'string',
    arg: 'TIME',
    help: 'reset to the first offset at or after TIME\nTIME: 2026-12-01T20:00:00Z, 2026-12-01 (UTC), epoch ms, or an age: 15m, 2h, 7d',
  },
  'dry-run': { type: 'boolean', help: 'with a reset: print the plan, change nothing' },
  config: { type: 'string', arg: 'FILE', help: 'service config file for brokers and TLS (as npm start -- --config FILE)' },
} as const satisfies Flags;

export const OFFSETS_USAGE = usageText(
  'npm run offsets -- --group ID --topic TOPIC ACTION [--dry-run] [--config FILE]',
  FLAGS,
  `Shows a consumer group's committed offsets on a topic (with log start, log end and
lag per partition), or resets them. A reset is refused while the group has live
members: stop the consumers first. ACTION is one of --show, --to-earliest,
--to-latest, --to-timestamp TIME.`,
);

export function parseOffsetsArgs(argv: readonly string[], nowMs: number): OffsetsOptions {
  const a = parseFlags(argv, FLAGS, { once: true });
  if (a.help) return { group: '', topic: '', action: { kind: 'show' }, dryRun: false, help: true };
  const group = a.text('group');
  const topic = a.text('topic');
  if (group === undefined) throw usageError('--group ID is required');
  if (topic === undefined) throw usageError('--topic TOPIC is required');
  const actions: OffsetsAction[] = [];
  if (a.flag('show')) actions.push({ kind: 'show' });
  if (a.flag('to-earliest')) actions.push({ kind: 'earliest' });
  if (a.flag('to-latest')) actions.push({ kind: 'latest' });
  const ms = a.value('to-timestamp', pointInTime(nowMs));
  if (ms !== undefined) actions.push({ kind: 'timestamp', ms });
  if (actions.length !== 1) throw usageError('give exactly one of --show, --to-earliest, --to-latest, --to-timestamp TIME');
  const dryRun = a.flag('dry-run');
  if (dryRun && actions[0].kind === 'show') throw usageError('--dry-run goes with a reset (--to-earliest, --to-latest, --to-timestamp); --show changes nothing');
  return { group: groupName('--group', group), topic: topicName('--topic', topic), action: actions[0], dryRun, configFile: a.text('config'), help: false };
}
