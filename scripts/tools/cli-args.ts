/**
 * The small command-line grammar the operator tools share (replay, offsets):
 * `--flag value`, `--flag=value` and boolean `--flag`; an unknown option is a
 * USAGE error with the nearest known option as a hint. Pure, so every rule has
 * a table test (test/unit/tools-args.test.ts); same house style as
 * scripts/load/produce-args.ts.
 */
import { AppError } from '../../src/errors';

export function usageError(message: string): AppError {
  return new AppError('USAGE', message, { retriable: false });
}

export interface FlagSpec {
  /** Options that take a value, e.g. '--dlq'. */
  values: readonly string[];
  /** Options that take none, e.g. '--dry-run'. */
  booleans: readonly string[];
}

export interface ParsedFlags {
  values: Map<string, string>;
  booleans: Set<string>;
}

/** Levenshtein distance, for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = row[j];
      row[j] = next;
    }
  }
  return row[b.length];
}

function unknown(flag: string, spec: FlagSpec): AppError {
  const known = [...spec.values, ...spec.booleans];
  const best = known.map((k) => ({ k, d: editDistance(flag, k) })).sort((x, y) => x.d - y.d)[0];
  const hint = best && best.d <= Math.max(2, Math.floor(flag.length / 3)) ? `did you mean ${best.k}?` : 'see --help';
  return usageError(`unknown option ${flag}: ${hint}`);
}

/** "--flag=value" → flag and inline value; anything else is the flag alone. */
export function splitFlag(arg: string): { flag: string; inline: string | undefined } {
  const eq = arg.indexOf('=');
  return arg.startsWith('--') && eq !== -1 ? { flag: arg.slice(0, eq), inline: arg.slice(eq + 1) } : { flag: arg, inline: undefined };
}

/** Parses argv (without node and the script); a value flag given twice is an error. Throws USAGE. */
export function parseFlags(argv: readonly string[], spec: FlagSpec): ParsedFlags {
  const out: ParsedFlags = { values: new Map(), booleans: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const { flag, inline } = splitFlag(argv[i]);
    if (!flag.startsWith('-')) throw usageError(`unexpected argument "${flag}": options start with --`);
    if (spec.booleans.includes(flag)) {
      if (inline !== undefined) throw usageError(`${flag} takes no value`);
      out.booleans.add(flag);
      continue;
    }
    if (!spec.values.includes(flag)) throw unknown(flag, spec);
    const value = inline ?? argv[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) throw usageError(`${flag} needs a value`);
    if (out.values.has(flag)) throw usageError(`${flag} given twice`);
    out.values.set(flag, value);
  }
  return out;
}

/** Kafka's topic name rule (org.apache.kafka.common.internals.Topic: legal chars, 249 max). */
export function topicName(flag: string, value: string): string {
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(value) || value === '.' || value === '..') throw usageError(`${flag}: "${value}" is not a legal Kafka topic name`);
  return value;
}

export function groupName(flag: string, value: string): string {
  if (value.trim() === '' || value.length > 255) throw usageError(`${flag}: expected a consumer group id of 1 to 255 characters`);
  return value;
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** An age ("90s", "15m", "1.5h", "7d") in milliseconds; undefined when `value` is not an age. */
export function ageMs(value: string): number | undefined {
  const age = /^(\d+(?:\.\d+)?)([smhd])$/.exec(value.trim());
  return age ? Math.round(Number(age[1]) * UNITS[age[2]]) : undefined;
}

/**
 * A point in time, as epoch milliseconds: ISO 8601 with a zone
 * (2026-12-01T20:00:00Z, 2026-12-01T21:00:00+01:00), a UTC date (2026-12-01),
 * epoch milliseconds (13 digits), or an age ("90s", "15m", "2h", "7d" = that long before `nowMs`).
 * A local time without a zone is refused: it means different instants on different machines.
 */
export function parseTime(flag: string, value: string, nowMs: number): number {
  const v = value.trim();
  const age = ageMs(v);
  if (age !== undefined) return nowMs - age;
  if (/^\d{13}$/.test(v)) return Number(v);
  const date = /^\d{4}-\d{2}-\d{2}$/.test(v);
  const zoned = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(v);
  const t = date || zoned ? Date.parse(date ? `${v}T00:00:00Z` : v) : NaN;
  if (Number.isNaN(t) || (date && new Date(t).toISOString().slice(0, 10) !== v)) {
    const noZone = /^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(v) ? ' (add a zone: Z or +HH:MM)' : '';
    throw usageError(
      `${flag}: bad time format "${value}"${noZone}; expected ISO 8601 with a zone (2026-12-01T20:00:00Z), a UTC date (2026-12-01), epoch milliseconds, or an age (15m, 2h, 7d)`,
    );
  }
  return t;
}
