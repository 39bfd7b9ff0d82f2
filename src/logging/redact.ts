/**
 * Defense in depth for DESIGN invariant 8 (secrets never reach a log line):
 * callers already avoid logging secrets; this pass removes what slips
 * through. Fields whose name looks secret are replaced, PEM blocks (keys and
 * certificates) are cut out of any string, buffers are reduced to their length
 * (a payload is never logged) and errors become plain data.
 */

export const REDACTED = '[REDACTED]';

/** Field names that hold secrets: passwords, AWS secret keys, tokens, private keys. */
const SECRET_FIELD = /pass(word|phrase|wd)?$|passw(or)?d|secret|token|credential|authorization|cookie|private_?key|access_?key_?id|api_?key|^key_?material$/i;
const PEM_BLOCK = /-----BEGIN [^-\r\n]*-----[\s\S]*?(?:-----END [^-\r\n]*-----|$)/g;
const MAX_DEPTH = 8;

export function redactString(s: string): string {
  return s.includes('-----BEGIN') ? s.replace(PEM_BLOCK, `${REDACTED} PEM`) : s;
}

function errorData(err: Error, depth: number, seen: Set<object>): Record<string, unknown> {
  const e = err as Error & { code?: unknown; retriable?: unknown; cause?: unknown };
  const out: Record<string, unknown> = { name: e.name, message: redactString(e.message) };
  if (e.code !== undefined) out.code = e.code;
  if (e.retriable !== undefined) out.retriable = e.retriable;
  if (e.stack) out.stack = redactString(e.stack);
  if (e.cause !== undefined) out.cause = redactValue('cause', e.cause, depth + 1, seen);
  return out;
}

/** A redacted copy of `value` found under the field `key`; the input is never modified. */
export function redactValue(key: string, value: unknown, depth = 0, seen: Set<object> = new Set()): unknown {
  if (SECRET_FIELD.test(key) && value !== undefined && value !== null && value !== '') return REDACTED;
  if (typeof value === 'string') return redactString(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object' || value === null) return value;
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  if (value instanceof ArrayBuffer) return `[${value.byteLength} bytes]`;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Object]';
  seen.add(value);
  try {
    if (value instanceof Error) return errorData(value, depth, seen);
    if (value instanceof Date) return value.toISOString();
    if (Array.isArray(value)) return value.map((v) => redactValue('', v, depth + 1, seen));
    const entries = value instanceof Map ? [...value.entries()].map(([k, v]) => [String(k), v] as const) : Object.entries(value);
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries) out[k] = redactValue(k, v, depth + 1, seen);
    return out;
  } finally {
    seen.delete(value);
  }
}

/** Redacts every field of a log meta object. */
export function redactMeta(meta: Record<string, unknown>): Record<string, unknown> {
  return redactValue('', meta) as Record<string, unknown>;
}
