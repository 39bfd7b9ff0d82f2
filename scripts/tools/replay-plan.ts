/**
 * What `npm run replay` does with one dead letter, as pure functions: filter it
 * (DLQ record timestamp, error class), pick its target topic, and rebuild the
 * message — the original key, value and headers, our wsqc.* error headers
 * replaced by a short provenance trail:
 *
 *   wsqc.replayed.from       <dlq>/<partition>/<offset> this copy was read from
 *   wsqc.replay.at           when it was replayed (ISO 8601)
 *   wsqc.replay.source       <topic>/<partition>/<offset> of the original message
 *   wsqc.replay.error.class  why it had been dead-lettered
 *
 * so a message that fails again is dead-lettered with its history, and its new
 * wsqc.error.* headers are never confused with the old ones.
 *
 * Two kinds of "not this letter": `skip` is not selected (written before
 * --since, another --reason): the replay group, which is one per selection
 * (./replay-args.ts defaultReplayGroup), commits past it, and any other
 * selection still sees it. `later` is not yet (written at or after --until):
 * the run stops on that partition there and commits nothing from it on, so a
 * later run with the same selection (a later --until, or none) replays it
 * (issue 13, defect 2: committing past it lost it for good).
 */
import type { IHeaders } from 'kafkajs';
import { DLQ_HEADERS } from '../../src/kafka/dead-letter';

export const REPLAY_HEADERS = {
  from: 'wsqc.replayed.from',
  at: 'wsqc.replay.at',
  source: 'wsqc.replay.source',
  errorClass: 'wsqc.replay.error.class',
} as const;

export interface DlqRecord {
  partition: number;
  offset: string;
  /** The DLQ record's own timestamp (when the letter was written), epoch ms as a string. */
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: IHeaders;
}

export interface ReplayFilter {
  dlq: string;
  to?: string;
  sinceMs?: number;
  untilMs?: number;
  reasons: readonly string[];
}

export type SkipReason = 'before-since' | 'other-reason';

export interface OutMessage {
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
}

export type Decision =
  | { kind: 'replay'; target: string; message: OutMessage }
  | { kind: 'skip'; why: SkipReason }
  | { kind: 'later' }
  | { kind: 'error'; message: string };

export function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const v = headers?.[name];
  const one = Array.isArray(v) ? v[v.length - 1] : v;
  return one === undefined ? undefined : Buffer.isBuffer(one) ? one.toString('utf8') : String(one);
}

const OURS = new Set<string>([...Object.values(DLQ_HEADERS), ...Object.values(REPLAY_HEADERS)]);

export function decide(rec: DlqRecord, f: ReplayFilter, replayAtIso: string): Decision {
  const ts = Number(rec.timestamp);
  if (f.sinceMs !== undefined && ts < f.sinceMs) return { kind: 'skip', why: 'before-since' };
  if (f.untilMs !== undefined && ts >= f.untilMs) return { kind: 'later' };
  const errorClass = headerText(rec.headers, DLQ_HEADERS.errorClass) ?? '';
  if (f.reasons.length > 0 && !f.reasons.includes(errorClass)) return { kind: 'skip', why: 'other-reason' };
  const source = headerText(rec.headers, DLQ_HEADERS.topic);
  const target = f.to ?? source;
  if (target === undefined || target === '') {
    return { kind: 'error', message: `${f.dlq}/${rec.partition}/${rec.offset} has no ${DLQ_HEADERS.topic} header, so its source topic is unknown: name one with --to TOPIC` };
  }
  if (target === f.dlq) return { kind: 'error', message: `${f.dlq}/${rec.partition}/${rec.offset} names the DLQ itself as its source topic; refusing to loop (use --to TOPIC)` };
  const headers: IHeaders = {};
  for (const [k, v] of Object.entries(rec.headers ?? {})) if (!OURS.has(k) && v !== undefined) headers[k] = v;
  headers[REPLAY_HEADERS.from] = `${f.dlq}/${rec.partition}/${rec.offset}`;
  headers[REPLAY_HEADERS.at] = replayAtIso;
  headers[REPLAY_HEADERS.source] = `${source ?? '?'}/${headerText(rec.headers, DLQ_HEADERS.partition) ?? '?'}/${headerText(rec.headers, DLQ_HEADERS.offset) ?? '?'}`;
  if (errorClass !== '') headers[REPLAY_HEADERS.errorClass] = errorClass;
  return { kind: 'replay', target, message: { key: rec.key, value: rec.value, headers } };
}

export interface ReplaySummary {
  /** Letters replayed or skipped (committed past, unless a dry run). */
  read: number;
  replayed: number;
  skipped: Record<SkipReason, number>;
  /** Letters from the first one at or after --until to the log end seen at start, per partition summed: not read, not committed. */
  left: number;
  perTarget: Record<string, number>;
}

export function emptySummary(): ReplaySummary {
  return { read: 0, replayed: 0, skipped: { 'before-since': 0, 'other-reason': 0 }, left: 0, perTarget: {} };
}

/** Counts a letter that was read (a replay or a skip). */
export function count(s: ReplaySummary, d: Decision): void {
  s.read += 1;
  if (d.kind === 'skip') s.skipped[d.why] += 1;
  if (d.kind === 'replay') {
    s.replayed += 1;
    s.perTarget[d.target] = (s.perTarget[d.target] ?? 0) + 1;
  }
}

/** The absolute cutoffs a run used, e.g. " written from 2026-12-01T16:00:00.000Z, before 2026-12-01T20:00:00.000Z" ("" without any). */
export function windowText(o: { sinceMs?: number; untilMs?: number }): string {
  const parts = [
    ...(o.sinceMs === undefined ? [] : [`from ${new Date(o.sinceMs).toISOString()} (--since)`]),
    ...(o.untilMs === undefined ? [] : [`before ${new Date(o.untilMs).toISOString()} (--until)`]),
  ];
  return parts.length === 0 ? '' : ` written ${parts.join(', ')}`;
}

export function formatSummary(s: ReplaySummary, o: { dryRun: boolean; group: string; dlq: string; sinceMs?: number; untilMs?: number }): string {
  const skipped = s.skipped['before-since'] + s.skipped['other-reason'];
  const verb = o.dryRun ? 'would replay' : 'replayed';
  const lines = [
    `${o.dryRun ? 'dry run: ' : ''}read ${s.read} from ${o.dlq}, ${verb} ${s.replayed}, skipped by filter ${skipped}` +
      (skipped > 0 ? ` (before --since ${s.skipped['before-since']}, other --reason ${s.skipped['other-reason']})` : ''),
  ];
  for (const [t, n] of Object.entries(s.perTarget).sort()) lines.push(`  ${verb} to ${t}: ${n}`);
  if (o.untilMs !== undefined) {
    lines.push(
      `left for a later run: ${s.left} letter(s) written at or after ${new Date(o.untilMs).toISOString()} (--until), not committed; ` +
        'this command run later, or without --until, replays them',
    );
  }
  lines.push(
    o.dryRun
      ? `nothing published, nothing committed (group ${o.group})`
      : `committed group ${o.group} on ${o.dlq}${windowText(o)}: running this command again replays nothing it replayed or skipped`,
  );
  return lines.join('\n');
}
