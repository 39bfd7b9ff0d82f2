/**
 * The service logger: winston, one JSON object per line on stdout (what log
 * collectors in Kubernetes expect), or a `pretty` single-line form for humans.
 *
 * Every line carries timestamp, level, service and message first, then the
 * meta fields. A redaction step runs on every line before formatting (see
 * redact.ts): defense in depth behind the rule that callers never log secrets.
 */
import winston from 'winston';
import type { Writable } from 'node:stream';
import type { Logger, LogMeta } from './types';
import { redactString, redactValue } from './redact';
import { logContext } from './context';

export type { Logger, LogMeta } from './types';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type LogFormat = 'json' | 'pretty';

export const LOG_LEVEL_ORDER: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export interface CreateLoggerOptions {
  readonly level: LogLevel;
  readonly format: LogFormat;
  readonly service: string;
  /** Where lines go; default stdout. Tests pass a PassThrough. */
  readonly stream?: Writable;
  /** Clock for the timestamp; default the system time. */
  readonly now?: () => Date;
  /** ANSI colours in `pretty`; default: when stdout is a TTY. */
  readonly colors?: boolean;
}

/** Fields winston puts on `info` itself; everything else is meta. */
const OWN_FIELDS = new Set(['level', 'message', 'timestamp', 'service']);

/** Fields of the async log context (./context.ts), e.g. a unit's correlationId; the line's own meta wins. */
const context = winston.format((info) => {
  for (const [k, v] of Object.entries(logContext())) if (!(k in info)) info[k] = v;
  return info;
});

const redaction = winston.format((info) => {
  info.message = typeof info.message === 'string' ? redactString(info.message) : redactValue('message', info.message);
  for (const key of Object.keys(info)) {
    if (key === 'level' || key === 'message') continue;
    info[key] = redactValue(key, info[key]);
  }
  return info;
});

/** The meta fields of a line; a field whose value is undefined is left out (JSON.stringify drops it too, and `pretty` would print "undefined"). */
function splitMeta(info: winston.Logform.TransformableInfo): LogMeta {
  const meta: LogMeta = {};
  for (const [k, v] of Object.entries(info)) if (!OWN_FIELDS.has(k) && v !== undefined) meta[k] = v;
  return meta;
}

const jsonLine = winston.format.printf((info) =>
  JSON.stringify({ timestamp: info.timestamp, level: info.level, service: info.service, message: info.message, ...splitMeta(info) }),
);

function prettyLine(colors: boolean): winston.Logform.Format {
  const colorizer = winston.format.colorize();
  return winston.format.printf((info) => {
    const level = info.level.toUpperCase().padEnd(5);
    const shownLevel = colors ? colorizer.colorize(info.level, level) : level;
    const meta = splitMeta(info);
    const fields = Object.entries(meta)
      .map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`)
      .join(' ');
    return `${String(info.timestamp)} ${shownLevel} [${String(info.service)}] ${String(info.message)}${fields ? ` ${fields}` : ''}`;
  });
}

export function createLogger(opts: CreateLoggerOptions): Logger {
  const now = opts.now ?? (() => new Date());
  const colors = opts.colors ?? process.stdout.isTTY === true;
  const transport = opts.stream ? new winston.transports.Stream({ stream: opts.stream }) : new winston.transports.Console();
  return winston.createLogger({
    levels: LOG_LEVEL_ORDER,
    level: opts.level,
    defaultMeta: { service: opts.service },
    format: winston.format.combine(
      context(),
      redaction(),
      winston.format.timestamp({ format: () => now().toISOString() }),
      opts.format === 'pretty' ? prettyLine(colors) : jsonLine,
    ),
    transports: [transport],
  }) as unknown as Logger;
}
