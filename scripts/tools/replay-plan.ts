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

export type SkipReason = 'before-since' | 'not-before-until' | 'other-reason';

export interface OutMessage {
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
}

export type Decision =
  | { kind: 'replay'; target: string; message: OutMessage }
  | { kind: 'skip'; why: SkipReason }
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
  if (f.untilMs !== undefined && ts >= f.untilMs) return { kind: 'skip', why: 'not-before-until' };
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
  read: number;
  replayed: number;
  skipped: Record<SkipReason, number>;
  perTarget: Record<string, number>;
}

export function emptySummary(): ReplaySummary {
  return { read: 0, replayed: 0, skipped: { 'before-since': 0, 'not-before-until': 0, 'other-reason': 0 }, perTarget: {} };
}

export function count(s: ReplaySummary, d: Decision): void {
  s.read += 1;
  if (d.kind === 'skip') s.skipped[d.why] += 1;
  if (d.kind === 'replay') {
    s.replayed += 1;
    s.perTarget[d.target] = (s.perTarget[d.target] ?? 0) + 1;
  }
}

export function formatSummary(s: ReplaySummary, o: { dryRun: boolean; group: string; dlq: string }): string {
  const skipped = s.skipped['before-since'] + s.skipped['not-before-until'] + s.skipped['other-reason'];
  const verb = o.dryRun ? 'would replay' : 'replayed';
  const lines = [
    `${o.dryRun ? 'dry run: ' : ''}read ${s.read} from ${o.dlq}, ${verb} ${s.replayed}, skipped by filter ${skipped}` +
      (skipped > 0 ? ` (before --since ${s.skipped['before-since']}, not before --until ${s.skipped['not-before-until']}, other --reason ${s.skipped['other-reason']})` : ''),
  ];
  for (const [t, n] of Object.entries(s.perTarget).sort()) lines.push(`  ${verb} to ${t}: ${n}`);
  lines.push(
    o.dryRun
      ? `nothing published, nothing committed (group ${o.group})`
      : `committed group ${o.group} on ${o.dlq}: running this command again replays nothing new`,
  );
  return lines.join('\n');
}
