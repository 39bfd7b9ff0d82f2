/**
 * convict formats for the schema. Each format's message completes the
 * sentence "config: <key> ...", and shows the offending value unless the key
 * is sensitive (DESIGN invariant 8). Coercion turns environment strings into
 * typed values strictly: "12abc" stays a string and then fails as "must be an
 * integer" (convict's built-in int would silently read it as 12).
 *
 * Options a schema entry may carry for these formats:
 *   min, max            integer bounds (inclusive)
 *   maxReason           why the max exists, e.g. "PutRecordBatch limit"
 *   values              the allowed values of 'one-of'
 *   nonEmpty            a 'text' that must not be ""
 *   minItems            the fewest elements of a list
 */
import convict from 'convict';

interface FormatOptions {
  readonly sensitive?: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly maxReason?: string;
  readonly values?: readonly string[];
  readonly nonEmpty?: boolean;
  readonly minItems?: number;
}

/** Kafka's legal topic characters and length (kafka.common.internals.Topic). */
const TOPIC_RE = /^[a-zA-Z0-9._-]{1,249}$/;
const BROKER_RE = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;
/** Partition-agnostic AWS region shape, e.g. us-east-1, us-gov-west-1, eu-central-2. */
const REGION_RE = /^[a-z]{2}(-[a-z]+)+-\d+$/;

function show(value: unknown, opts: FormatOptions): string {
  if (opts.sensitive) return '';
  const text = JSON.stringify(value) ?? String(value);
  return `, got ${text.length > 80 ? `${text.slice(0, 77)}...` : text}`;
}

function fail(message: string, value: unknown, opts: FormatOptions): never {
  throw new Error(`${message}${show(value, opts)}`);
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

function checkNumber(x: unknown, o: FormatOptions): void {
  if (typeof x !== 'number' || !Number.isFinite(x)) fail('must be a number', x, o);
  if (o.min !== undefined && x < o.min) fail(`must be ≥ ${o.min}`, x, o);
  if (o.max !== undefined && x > o.max) fail(`must be ≤ ${o.max}`, x, o);
}

function numberFromString(x: unknown): unknown {
  return typeof x === 'string' && x.trim() !== '' && Number.isFinite(Number(x)) ? Number(x) : x;
}

function checkInt(x: unknown, o: FormatOptions): void {
  if (typeof x !== 'number' || !Number.isSafeInteger(x)) fail('must be an integer', x, o);
  if (o.min !== undefined && x < o.min) fail(`must be ≥ ${fmt(o.min)}`, x, o);
  if (o.max !== undefined && x > o.max) {
    fail(`must be ≤ ${fmt(o.max)}${o.maxReason ? ` (${o.maxReason})` : ''}`, x, o);
  }
}

function checkText(x: unknown, o: FormatOptions): void {
  if (typeof x !== 'string') fail('must be a string', x, o);
  if (o.nonEmpty && x.trim() === '') fail('must not be empty', x, o);
}

function checkList(x: unknown, o: FormatOptions, item: (s: string) => string | undefined): void {
  if (!Array.isArray(x)) fail('must be an array of strings', x, o);
  if (x.length < (o.minItems ?? 0)) fail(`must have at least ${o.minItems} element(s)`, x, o);
  for (const el of x) {
    if (typeof el !== 'string') fail('must contain only strings', x, o);
    const problem = item(el);
    if (problem) fail(`has an invalid element ${JSON.stringify(el)}: ${problem}`, x, o);
  }
}

const intFromString = (v: unknown): unknown => (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v);

const boolFromString = (v: unknown): unknown => {
  if (typeof v !== 'string') return v;
  const s = v.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(s)) return true;
  if (['false', '0', 'no', 'off'].includes(s)) return false;
  return v;
};

/** "a, b,,c" -> ["a", "b", "c"]: the environment form of every list key. */
const listFromString = (v: unknown): unknown =>
  typeof v === 'string'
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
    : v;

export function brokerProblem(s: string): string | undefined {
  const m = BROKER_RE.exec(s);
  if (!m) return 'expected host:port';
  const port = Number(m[2]);
  return port >= 1 && port <= 65535 ? undefined : 'port must be 1..65535';
}

export function topicProblem(s: string): string | undefined {
  return TOPIC_RE.test(s) && s !== '.' && s !== '..' ? undefined : 'a Kafka topic is 1-249 of [a-zA-Z0-9._-]';
}

/** "5000, 15000" -> [5000, 15000]: the environment form of a list of milliseconds. */
const intListFromString = (v: unknown): unknown => {
  const list = listFromString(v);
  return Array.isArray(list) ? list.map((el) => intFromString(el)) : list;
};

/** A non-empty, non-decreasing list of whole milliseconds, each within min..max (a backoff schedule). */
function checkMsList(x: unknown, o: FormatOptions): void {
  if (!Array.isArray(x)) fail('must be an array of integers (milliseconds)', x, o);
  if (x.length < (o.minItems ?? 1)) fail(`must have at least ${o.minItems ?? 1} element(s)`, x, o);
  let previous = -Infinity;
  for (const el of x as unknown[]) {
    if (typeof el !== 'number' || !Number.isSafeInteger(el)) fail(`has an invalid element ${JSON.stringify(el)}: must be an integer`, x, o);
    if (o.min !== undefined && el < o.min) fail(`has an element ${el} below ${fmt(o.min)}`, x, o);
    if (o.max !== undefined && el > o.max) fail(`has an element ${el} above ${fmt(o.max)}`, x, o);
    if (el < previous) fail('must not decrease (each step waits at least as long as the one before)', x, o);
    previous = el;
  }
}

let registered = false;

/** Registers the formats with convict once (convict's format registry is global). */
export function registerFormats(): void {
  if (registered) return;
  registered = true;
  convict.addFormats({
    'int-range': { validate: checkInt, coerce: intFromString },
    'number-range': { validate: checkNumber, coerce: numberFromString },
    flag: {
      validate: (x: unknown, o: FormatOptions) => {
        if (typeof x !== 'boolean') fail('must be a boolean (true/false)', x, o);
      },
      coerce: boolFromString,
    },
    text: { validate: checkText },
    'one-of': {
      validate: (x: unknown, o: FormatOptions) => {
        if (typeof x !== 'string' || !(o.values ?? []).includes(x)) {
          fail(`must be one of ${(o.values ?? []).join(' | ')}`, x, o);
        }
      },
    },
    'string-list': {
      validate: (x: unknown, o: FormatOptions) => checkList(x, o, (s) => (s === '' ? 'empty' : undefined)),
      coerce: listFromString,
    },
    'broker-list': {
      validate: (x: unknown, o: FormatOptions) => checkList(x, o, brokerProblem),
      coerce: listFromString,
    },
    'topic-list': {
      validate: (x: unknown, o: FormatOptions) => checkList(x, o, topicProblem),
      coerce: listFromString,
    },
    'ms-list': { validate: checkMsList, coerce: intListFromString },
    'topic-or-empty': {
      validate: (x: unknown, o: FormatOptions) => {
        checkText(x, o);
        const problem = x === '' ? undefined : topicProblem(x as string);
        if (problem) fail(problem, x, o);
      },
    },
    'url-or-empty': {
      validate: (x: unknown, o: FormatOptions) => {
        checkText(x, o);
        if (x === '') return;
        let url: URL | undefined;
        try {
          url = new URL(x as string);
        } catch {
          url = undefined;
        }
        if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
          fail('must be "" or an http(s) URL', x, o);
        }
      },
    },
    'aws-region': {
      validate: (x: unknown, o: FormatOptions) => {
        checkText(x, o);
        if (!REGION_RE.test(x as string)) fail('must be an AWS region such as us-east-1', x, o);
      },
    },
  });
}
