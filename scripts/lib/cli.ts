/**
 * The command-line grammar every script in scripts/ shares, on Node's own
 * `util.parseArgs` in strict mode (https://nodejs.org/docs/latest-v20.x/api/util.html#utilparseargsconfig):
 * `--flag value`, `--flag=value`, boolean `--flag`, `-h`/`--help` everywhere.
 * One table per script declares its flags; the parse and the usage text both
 * come from it, so a flag cannot be accepted and missing from --help.
 *
 * Every problem is an AppError `USAGE` (not retriable) whose message names the
 * flag: an unknown option is answered with the nearest known one ("unknown
 * option --dryrun: did you mean --dry-run?"), a flag without its value, a
 * switch given a value and a stray argument each say so. Values are converted
 * by small `Convert` functions (integers and numbers within a range, lists,
 * enumerations, Kafka names, points in time and ages) whose errors name the
 * flag and the value. A value that starts with '-' is taken only as
 * `--flag=-value` (util.parseArgs' rule: `--count -1` is a flag without its
 * value, not a negative count).
 *
 * Pure apart from `readCommandLine`'s writes: test/unit/cli.test.ts.
 */
import { parseArgs } from 'node:util';
import { AppError } from '../../src/errors';

export function usageError(message: string): AppError {
  return new AppError('USAGE', message, { retriable: false });
}

export function isUsageError(err: unknown): err is AppError {
  return err instanceof AppError && err.code === 'USAGE';
}

export interface Flag {
  type: 'string' | 'boolean';
  /** The value's placeholder in the usage text, e.g. 'TOPIC'. */
  arg?: string;
  /** What the flag does, for the usage text; each '\n' starts a line aligned under the first. */
  help: string;
}

export type Flags = Readonly<Record<string, Flag>>;

/** The names of F's flags of one type. */
type Named<F extends Flags, T extends Flag['type']> = Extract<{ [K in keyof F]: F[K]['type'] extends T ? K : never }[keyof F], string>;

/** Converts a flag's text; throws a USAGE error that names the flag. */
export type Convert<T> = (flag: string, value: string) => T;

/** Every script answers -h and --help with its usage text. */
const HELP = { help: { type: 'boolean', short: 'h' } } as const;

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

/** The known option nearest to `flag`, when it is near enough to be a typo of it (a third of its length, at least 2 edits). */
export function nearestFlag(flag: string, known: readonly string[]): string | undefined {
  const best = known.map((k) => ({ k, d: editDistance(flag, k) })).sort((x, y) => x.d - y.d)[0];
  return best && best.d <= Math.max(2, Math.floor(flag.length / 3)) ? best.k : undefined;
}

/** The parsed command line: each flag's text as given (undefined when absent), converted on demand. */
export class Args<F extends Flags> {
  constructor(private readonly values: Readonly<Record<string, string | boolean | undefined>>) {}

  get help(): boolean {
    return this.values.help === true;
  }

  flag(name: Named<F, 'boolean'>): boolean {
    return this.values[name] === true;
  }

  text(name: Named<F, 'string'>): string | undefined {
    return this.values[name] as string | undefined;
  }

  /** The flag's value converted, or undefined when it was not given. */
  value<T>(name: Named<F, 'string'>, convert: Convert<T>): T | undefined {
    const v = this.text(name);
    return v === undefined ? undefined : convert(`--${name}`, v);
  }
}

export interface ParseRules {
  /** A value flag given twice is an error (otherwise the last one counts). */
  once?: boolean;
}

/** Parses argv (without node and the script) against `flags`; throws USAGE. */
export function parseFlags<F extends Flags>(argv: readonly string[], flags: F, rules: ParseRules = {}): Args<F> {
  const options: Options = { ...Object.fromEntries(Object.entries(flags).map(([name, f]) => [name, { type: f.type }])), ...HELP };
  const { values, tokens } = strictParse(argv, options);
  if (rules.once) {
    const seen = new Set<string>();
    for (const t of tokens) {
      if (t.kind !== 'option' || t.value === undefined) continue;
      if (seen.has(t.name)) throw usageError(`${t.rawName} given twice`);
      seen.add(t.name);
    }
  }
  return new Args<F>(values as Record<string, string | boolean | undefined>);
}

type Options = Record<string, { type: 'string' | 'boolean'; short?: string }>;

function strictParse(argv: readonly string[], options: Options) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false, tokens: true });
  } catch (err) {
    throw diagnose(argv, options) ?? usageError((err as Error).message);
  }
}

/** What strict parsing refused, said in the flag's own terms (util.parseArgs' messages do not suggest a flag). */
function diagnose(argv: readonly string[], options: Options): AppError | undefined {
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  for (const t of tokens) {
    if (t.kind === 'positional') return usageError(`unexpected argument "${t.value}": options start with --`);
    if (t.kind !== 'option') continue;
    const type = Object.hasOwn(options, t.name) ? options[t.name].type : undefined;
    if (type === undefined) {
      const near = nearestFlag(t.rawName, Object.keys(options).map((k) => `--${k}`));
      return usageError(`unknown option ${t.rawName}: ${near === undefined ? 'see --help' : `did you mean ${near}?`}`);
    }
    if (type === 'boolean' && t.value !== undefined) return usageError(`${t.rawName} takes no value`);
    if (type === 'string' && (t.value === undefined || (!t.inlineValue && t.value.startsWith('-')))) {
      const dash = t.value !== undefined && !t.value.startsWith('--') ? `; to give "${t.value}", write ${t.rawName}=${t.value}` : '';
      return usageError(`${t.rawName} needs a value${dash}`);
    }
  }
  return undefined;
}

/**
 * The usage text: the synopsis, what the script does, then one row per flag
 * (and -h, --help) with its help aligned in one column.
 */
export function usageText(synopsis: string, flags: Flags, about = ''): string {
  const rows: Array<[string, string]> = Object.entries(flags).map(([name, f]) => [`--${name}${f.arg === undefined ? '' : ` ${f.arg}`}`, f.help]);
  rows.push(['-h, --help', 'this text']);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  const lines = rows.flatMap(([left, help]) => help.split('\n').map((h, i) => `  ${(i === 0 ? left : '').padEnd(width)}${h}`.trimEnd()));
  return [`usage: ${synopsis}`, ...(about === '' ? [] : [about]), ...lines].join('\n');
}

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const processIo: CliIo = { out: (t) => void process.stdout.write(t), err: (t) => void process.stderr.write(t) };

/** --help asked for: the usage is written to `io.out` and true returned (nothing else to run). */
export function answeredHelp(o: { help: boolean }, usage: string, io: CliIo = processIo): boolean {
  if (o.help) io.out(`${usage}\n`);
  return o.help;
}

/**
 * A script's options, or the exit code when there is nothing to run: 0 after
 * --help (the usage on stdout), 2 after a usage error (the message, then the
 * usage, on stderr). Any other error is thrown.
 */
export function readCommandLine<T extends { help: boolean }>(usage: string, parse: () => T, io: CliIo = processIo): T | number {
  let o: T;
  try {
    o = parse();
  } catch (err) {
    if (!isUsageError(err)) throw err;
    io.err(`${err.message}\n${usage}\n`);
    return 2;
  }
  return answeredHelp(o, usage, io) ? 0 : o;
}

// ---- conversions ----

/** An integer from `min` to `max`. */
export function integer(min: number, max = Number.MAX_SAFE_INTEGER): Convert<number> {
  return (flag, value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) throw usageError(`${flag}: expected an integer ${range(min, max)}, got "${value}"`);
    return n;
  };
}

/** A finite number from `min` to `max`. */
export function real(min: number, max = Number.MAX_VALUE): Convert<number> {
  return (flag, value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw usageError(`${flag}: expected a number ${range(min, max)}, got "${value}"`);
    return n;
  };
}

function range(min: number, max: number): string {
  return max >= Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
}

/** The flag's text as given. */
export const text: Convert<string> = (_flag, value) => value;

/** A comma-separated list (items trimmed, empty ones dropped, at least one), each item converted by `item`; `what` names the items in the error. */
export function listOf<T>(item: Convert<T>, what = 'comma-separated values'): Convert<T[]> {
  return (flag, value) => {
    const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (items.length === 0) throw usageError(`${flag}: expected one or more ${what}, got "${value}"`);
    return items.map((v) => item(flag, v));
  };
}

export const list: Convert<string[]> = listOf(text);

function alternatives(choices: readonly string[]): string {
  return choices.length < 2 ? choices.join('') : `${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}`;
}

/** One of `choices`. */
export function oneOf<C extends string>(choices: readonly C[]): Convert<C> {
  return (flag, value) => {
    if (!(choices as readonly string[]).includes(value)) throw usageError(`${flag}: expected ${alternatives(choices)}, got "${value}"`);
    return value as C;
  };
}

/** A list of `choices` (each item passed through `normalise` first), returned in the order of `choices`. */
export function someOf<C extends string>(choices: readonly C[], normalise: (item: string) => string = (s) => s): Convert<C[]> {
  return (flag, value) => {
    const items = list(flag, value).map(normalise);
    const unknown = items.filter((v) => !(choices as readonly string[]).includes(v));
    if (unknown.length > 0) throw usageError(`${flag}: expected a list of ${choices.join(',')}; unknown: ${unknown.join(',')}`);
    return choices.filter((c) => items.includes(c));
  };
}

/** A text matching `pattern`; `what` says what it must be ("host:port"). */
export function matching(pattern: RegExp, what: string): Convert<string> {
  return (flag, value) => {
    if (!pattern.test(value)) throw usageError(`${flag}: "${value}" is not ${what}`);
    return value;
  };
}

/** Kafka's topic name rule (org.apache.kafka.common.internals.Topic: legal chars, 249 max, not . or ..). */
export const topicName: Convert<string> = (flag, value) => {
  if (value === '.' || value === '..') throw usageError(`${flag}: "${value}" is not a legal Kafka topic name`);
  return matching(/^[A-Za-z0-9._-]{1,249}$/, 'a legal Kafka topic name')(flag, value);
};

export const groupName: Convert<string> = (flag, value) => {
  if (value.trim() === '' || value.length > 255) throw usageError(`${flag}: expected a consumer group id of 1 to 255 characters`);
  return value;
};

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

/** `parseTime` as a conversion, ages resolved against `nowMs`. */
export function pointInTime(nowMs: number): Convert<number> {
  return (flag, value) => parseTime(flag, value, nowMs);
}
