/**
 * JSON validation of a raw message. Reasons are fixed human text and never
 * quote the payload: V8's own JSON.parse messages include a snippet of the
 * input, which must not reach a log line or the dead-letter reason
 * (DESIGN invariant 8).
 */

import { isJsonWithinDepth } from './json-scan';

export type ValidationResult = { ok: true } | { ok: false; reason: string };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/** `fatal`: malformed UTF-8 throws instead of turning into U+FFFD; `ignoreBOM` keeps a BOM visible. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The maximum nesting depth of arrays and objects, counted outside strings,
 * iteratively (no recursion, so a hostile `[[[[...` cannot blow the stack of
 * anything that later walks the parsed value). Stops early once `limit` is
 * exceeded and returns limit + 1. Assumes nothing about validity.
 */
export function nestingDepth(bytes: Uint8Array, limit = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) {
      inString = true;
    } else if (b === OPEN_BRACKET || b === OPEN_BRACE) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (b === CLOSE_BRACKET || b === CLOSE_BRACE) {
      depth--;
    }
  }
  return max;
}

const OK: ValidationResult = Object.freeze({ ok: true });

/**
 * Checks that `bytes` is one valid UTF-8 JSON text nested at most `maxDepth`
 * levels. The common case (a valid message) costs one allocation-free pass
 * (json-scan.ts); only a refused message pays for explainWhy, which keeps the
 * verdicts and their precedence exactly as they were (depth, then UTF-8, then
 * BOM, then JSON).
 */
export function validateJson(bytes: Uint8Array, maxDepth: number): ValidationResult {
  if (bytes.length === 0) return { ok: false, reason: 'empty message (tombstone)' };
  if (isJsonWithinDepth(bytes, maxDepth)) return OK;
  return explainWhy(bytes, maxDepth);
}

/**
 * The reason a message was refused, by the original rules: the depth
 * pre-scan over the raw bytes (whatever their validity), then a fatal UTF-8
 * decode, then the BOM, then JSON.parse. Also the reference the one-pass
 * scanner is tested against.
 */
export function explainWhy(bytes: Uint8Array, maxDepth: number): ValidationResult {
  if (bytes.length === 0) return { ok: false, reason: 'empty message (tombstone)' };
  const depth = nestingDepth(bytes, maxDepth);
  if (depth > maxDepth) return { ok: false, reason: `JSON nesting deeper than ${maxDepth} levels` };
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, reason: 'message is not valid UTF-8' };
  }
  if (text.charCodeAt(0) === 0xfeff) return { ok: false, reason: 'message starts with a byte order mark' };
  try {
    JSON.parse(text);
  } catch {
    return { ok: false, reason: 'message is not valid JSON' };
  }
  return OK;
}
