/**
 * THE REFERENCE, not used in production: src/pipeline/json-scan.ts as it was
 * before issue 12 (commit 99444c9), kept verbatim so that the differential
 * test (test/unit/pipeline-json-scan.test.ts) can check the faster scanner
 * against it byte for byte. It was itself checked against TextDecoder +
 * JSON.parse + the depth rule, which the test also still does.
 *
 * One pass over the bytes that answers "is this one UTF-8 JSON text nested at
 * most maxDepth levels?" without decoding a string or allocating an object
 * (issue 8: TextDecoder + JSON.parse + a separate depth pass cost as much CPU
 * as gzip).
 *
 * It accepts exactly the documents that `new TextDecoder('utf-8', { fatal:
 * true, ignoreBOM: true })` decodes and `JSON.parse` accepts, with a nesting
 * depth ≤ maxDepth (the differential test in test/unit/pipeline-json-scan.test.ts
 * checks this over a seeded corpus). Grammar: RFC 8259 §2–§7 — whitespace is
 * only space, tab, LF, CR (so a BOM, U+FEFF, is refused); strings refuse raw
 * U+0000–U+001F; escapes are \" \\ \/ \b \f \n \r \t \uXXXX (lone surrogates
 * in \u escapes are allowed, as JSON.parse allows them); numbers are
 * -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?. UTF-8 validity follows the
 * WHATWG decoder (Unicode Table 3-7): no overlong forms, no encoded
 * surrogates (ED A0–BF), nothing above U+10FFFF. It is checked first, for the
 * whole text, by Node's native isUtf8 (simdutf); bytes ≥ 0x80 outside strings
 * are then refused by the grammar.
 */

import { isUtf8 } from 'node:buffer';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

/** What the scanner expects next. */
const EXPECT_VALUE = 0;
const EXPECT_AFTER_VALUE = 1;
const EXPECT_KEY = 2;

const IN_ARRAY = 0;
const IN_OBJECT = 1;

/** 1 for the bytes that end a run of plain string bytes: '"', '\\' and U+0000–U+001F (one load instead of three compares). */
const STRING_STOP = new Uint8Array(256);
for (let b = 0; b < 0x20; b++) STRING_STOP[b] = 1;
STRING_STOP[QUOTE] = 1;
STRING_STOP[BACKSLASH] = 1;

/** Container kinds by depth; reused across calls (grows only for deeper documents). */
let stack = new Uint8Array(256);

function isWhitespace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

function isDigit(b: number): boolean {
  return b >= ZERO && b <= NINE;
}

function isHex(b: number): boolean {
  return (b >= ZERO && b <= NINE) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
}

/**
 * Word-at-a-time view of the text being scanned (set per call by
 * isJsonWithinDepth): words[k] holds bytes [wordStart + 4k, wordStart + 4k + 4)
 * of it, aligned in the underlying ArrayBuffer. Long runs of plain string
 * bytes (the hex `ies` fields of a scan are most of its bytes) are then
 * skipped four at a time with the "has a zero byte" / "has a byte less than n"
 * tricks (Sean Eron Anderson, Bit Twiddling Hacks, "Determine if a word has a
 * zero byte" and "has a byte less than n"), exact for "is there any".
 */
const NO_WORDS: Uint32Array = new Uint32Array(0);
let words: Uint32Array = NO_WORDS;
let wordStart = 0;
let wordEnd = 0;

/** True when none of the four bytes of w is '"', '\\' or below 0x20. */
function plainWord(w: number): boolean {
  const q = w ^ 0x22222222;
  const s = w ^ 0x5c5c5c5c;
  return ((((q - 0x01010101) & ~q) | ((s - 0x01010101) & ~s) | ((w - 0x20202020) & ~w)) & 0x80808080) === 0;
}

/** The index of the first '"', '\\' or control byte at or after i (bytes.length if none). */
function skipPlainStringBytes(bytes: Uint8Array, start: number): number {
  const n = bytes.length;
  let i = start;
  // up to three bytes until the next aligned word
  while (i < n && ((i - wordStart) & 3) !== 0) {
    if (STRING_STOP[bytes[i]] !== 0) return i;
    i++;
  }
  if (i >= wordStart && i + 4 <= wordEnd) {
    let k = (i - wordStart) >> 2;
    const kEnd = (wordEnd - wordStart) >> 2;
    while (k < kEnd && plainWord(words[k])) k++;
    i = wordStart + (k << 2);
  }
  while (i < n) {
    if (STRING_STOP[bytes[i]] !== 0) return i;
    i++;
  }
  return n;
}

/**
 * The index after the closing quote of a string whose opening quote is at
 * `start - 1`, or -1 when the string is malformed (unterminated, raw control
 * character, bad escape). UTF-8 validity was checked for the whole text
 * first, so bytes ≥ 0x80 need no attention here.
 */
function scanString(bytes: Uint8Array, start: number): number {
  const n = bytes.length;
  let i = start;
  for (;;) {
    i = skipPlainStringBytes(bytes, i);
    if (i >= n) return -1;
    const b = bytes[i];
    if (b === QUOTE) return i + 1;
    if (b < 0x20) return -1;
    // b === BACKSLASH
    if (i + 1 >= n) return -1;
    const e = bytes[i + 1];
    if (e === 0x75) {
      // \uXXXX
      if (i + 5 >= n || !isHex(bytes[i + 2]) || !isHex(bytes[i + 3]) || !isHex(bytes[i + 4]) || !isHex(bytes[i + 5])) return -1;
      i += 6;
    } else if (e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
      i += 2;
    } else {
      return -1;
    }
  }
}

/** The index after a number starting at i, or -1. */
function scanNumber(bytes: Uint8Array, start: number): number {
  const n = bytes.length;
  let i = start;
  if (bytes[i] === MINUS) i++;
  if (i >= n) return -1;
  if (bytes[i] === ZERO) {
    i++;
  } else if (isDigit(bytes[i])) {
    while (i < n && isDigit(bytes[i])) i++;
  } else {
    return -1;
  }
  if (i < n && bytes[i] === DOT) {
    i++;
    if (i >= n || !isDigit(bytes[i])) return -1;
    while (i < n && isDigit(bytes[i])) i++;
  }
  if (i < n && (bytes[i] === 0x65 || bytes[i] === 0x45)) {
    i++;
    if (i < n && (bytes[i] === PLUS || bytes[i] === MINUS)) i++;
    if (i >= n || !isDigit(bytes[i])) return -1;
    while (i < n && isDigit(bytes[i])) i++;
  }
  return i;
}

/** The index after the literal `word` (true/false/null) at i, or -1. */
function scanLiteral(bytes: Uint8Array, i: number, word: readonly number[]): number {
  if (i + word.length > bytes.length) return -1;
  for (let k = 0; k < word.length; k++) if (bytes[i + k] !== word[k]) return -1;
  return i + word.length;
}

const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];
const NULL = [0x6e, 0x75, 0x6c, 0x6c];

/** A value starting at i (not an array or object): the index after it, or -1. */
function scanScalar(bytes: Uint8Array, i: number): number {
  const b = bytes[i];
  if (b === QUOTE) return scanString(bytes, i + 1);
  if (b === MINUS || isDigit(b)) return scanNumber(bytes, i);
  if (b === 0x74) return scanLiteral(bytes, i, TRUE);
  if (b === 0x66) return scanLiteral(bytes, i, FALSE);
  if (b === 0x6e) return scanLiteral(bytes, i, NULL);
  return -1;
}

/** True when `bytes` is one valid UTF-8 JSON text nested at most `maxDepth` levels. */
export function referenceIsJsonWithinDepth(bytes: Uint8Array, maxDepth: number): boolean {
  // Native (simdutf) and far faster than any JS loop; same rules as the fatal TextDecoder.
  if (!isUtf8(bytes)) return false;
  try {
    return scanText(bytes, maxDepth);
  } finally {
    words = NO_WORDS; // do not keep the message's buffer alive
    wordStart = 0;
    wordEnd = 0;
  }
}

function scanText(bytes: Uint8Array, maxDepth: number): boolean {
  const n = bytes.length;
  const base = bytes.byteOffset;
  const firstAligned = (base + 3) & ~3;
  const endAligned = (base + n) & ~3;
  if (endAligned - firstAligned >= 64) {
    words = new Uint32Array(bytes.buffer, firstAligned, (endAligned - firstAligned) >> 2);
    wordStart = firstAligned - base;
    wordEnd = endAligned - base;
  }
  let i = 0;
  let depth = 0;
  let expect = EXPECT_VALUE;
  for (;;) {
    while (i < n && isWhitespace(bytes[i])) i++;
    if (i >= n) break;
    const b = bytes[i];
    if (expect === EXPECT_VALUE) {
      if (b === OPEN_BRACKET || b === OPEN_BRACE) {
        depth++;
        if (depth > maxDepth) return false;
        if (depth >= stack.length) {
          const grown = new Uint8Array(stack.length * 2);
          grown.set(stack);
          stack = grown;
        }
        const kind = b === OPEN_BRACE ? IN_OBJECT : IN_ARRAY;
        stack[depth] = kind;
        i++;
        while (i < n && isWhitespace(bytes[i])) i++;
        if (i < n && bytes[i] === (kind === IN_OBJECT ? CLOSE_BRACE : CLOSE_BRACKET)) {
          depth--;
          i++;
          expect = EXPECT_AFTER_VALUE;
        } else {
          expect = kind === IN_OBJECT ? EXPECT_KEY : EXPECT_VALUE;
        }
      } else {
        i = scanScalar(bytes, i);
        if (i < 0) return false;
        expect = EXPECT_AFTER_VALUE;
      }
    } else if (expect === EXPECT_AFTER_VALUE) {
      if (depth === 0) return false; // a second value after the top-level one
      const kind = stack[depth];
      if (b === COMMA) {
        i++;
        expect = kind === IN_OBJECT ? EXPECT_KEY : EXPECT_VALUE;
      } else if (b === (kind === IN_OBJECT ? CLOSE_BRACE : CLOSE_BRACKET)) {
        depth--;
        i++;
      } else {
        return false;
      }
    } else {
      // EXPECT_KEY: a string, then a colon, then a value
      if (b !== QUOTE) return false;
      i = scanString(bytes, i + 1);
      if (i < 0) return false;
      while (i < n && isWhitespace(bytes[i])) i++;
      if (i >= n || bytes[i] !== COLON) return false;
      i++;
      expect = EXPECT_VALUE;
    }
  }
  return expect === EXPECT_AFTER_VALUE && depth === 0;
}
