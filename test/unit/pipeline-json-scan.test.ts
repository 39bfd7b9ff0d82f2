/**
 * Differential test of the JSON scanner (src/pipeline/json-scan.ts: isUtf8,
 * then the WebAssembly grammar) against two references that must agree with
 * it on every input:
 * - the JavaScript scanner it replaced (issue 12), kept verbatim in
 *   test/support/json-scan-reference.ts: the same boolean;
 * - the rules before any scanner (TextDecoder fatal + JSON.parse + the
 *   raw-byte depth pre-scan, kept as explainWhy): validateJson must give the
 *   very same verdict and reason (the dead-letter reason codes of today).
 * Inputs: a table of adversarial cases (invalid UTF-8, control characters,
 * escapes, numbers, literals, structure, depth at and over the cap, trailing
 * garbage, empty input, whitespace, the SIMD and sentinel boundaries), a
 * seeded corpus of valid documents and 30,000 mutations of it, generated scans
 * of both data sets and their mutations, at several depth caps.
 */
import { expect } from 'chai';
import { assemble } from '../../scripts/build-wasm';
import { generateScan, mulberry32, type Rng } from '../../src/generator/wifi-scan';
import { isJsonWithinDepth, RETAINED_MEMORY_BYTES, scannerMemoryBytes } from '../../src/pipeline/json-scan';
import { JSON_SCAN_WASM_BASE64 } from '../../src/pipeline/json-scan-wasm';
import { explainWhy, validateJson } from '../../src/pipeline/validate';
import { referenceIsJsonWithinDepth } from '../support/json-scan-reference';

const ROOT = `${__dirname}/../../..`;
const CAPS = [64, 4, 2, 1, 0, Number.POSITIVE_INFINITY];

const STRING_PIECES = [
  'a', 'Z', ' ', '\\"', '\\\\', '\\/', '\\b', '\\f', '\\n', '\\r', '\\t', '\\u00e9', '\\uD83D\\uDE80', '\\ud800', '\\u0000', 'é', '東京', '🚀',
  '\u2028', '\u007f', '\u0080', '[', '{', ']', '}', ',', ':', '0123456789abcdef', 'x'.repeat(17),
];
const NUMBERS = ['0', '-0', '1', '-12', '3.25', '1e5', '1E+2', '-2.5e-3', '123456789012345678901234567890', '1e999', '0.0', '0e0', '-0.0E-0'];

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[Math.floor(rng() * xs.length)];
}

function ws(rng: Rng): string {
  return rng() < 0.7 ? '' : pick(rng, [' ', '\n', '\t', '\r\n', '  ']);
}

function genString(rng: Rng): string {
  let s = '"';
  const n = Math.floor(rng() * 6);
  for (let i = 0; i < n; i++) s += pick(rng, STRING_PIECES);
  return `${s}"`;
}

function genValue(rng: Rng, depth: number): string {
  const r = rng();
  if (depth < 8 && r < 0.2) {
    const n = Math.floor(rng() * 4);
    const items = Array.from({ length: n }, () => ws(rng) + genValue(rng, depth + 1) + ws(rng));
    return `[${items.join(',')}${n === 0 ? ws(rng) : ''}]`;
  }
  if (depth < 8 && r < 0.4) {
    const n = Math.floor(rng() * 4);
    const items = Array.from({ length: n }, () => `${ws(rng)}${genString(rng)}${ws(rng)}:${ws(rng)}${genValue(rng, depth + 1)}${ws(rng)}`);
    return `{${items.join(',')}${n === 0 ? ws(rng) : ''}}`;
  }
  if (r < 0.6) return genString(rng);
  if (r < 0.85) return pick(rng, NUMBERS);
  return pick(rng, ['true', 'false', 'null']);
}

const BAD_BYTES = [0x00, 0x01, 0x09, 0x0a, 0x0d, 0x1f, 0x20, 0x22, 0x5c, 0x2c, 0x3a, 0x5b, 0x5d, 0x7b, 0x7d, 0x80, 0xbf, 0xc0, 0xc1, 0xc3, 0xe0, 0xed, 0xa0, 0xf0, 0xf4, 0x90, 0xf5, 0xff, 0xef, 0xbb, 0x30, 0x2d, 0x2b, 0x2e, 0x45, 0x65, 0x75, 0x74, 0x66, 0x6e];
/** Byte sequences that are invalid UTF-8 (overlong, surrogate, above U+10FFFF, truncated, stray) or tricky valid ones. */
const UTF8_PIECES = [
  [0xc0, 0xaf], [0xc1, 0xbf], [0xe0, 0x80, 0xaf], [0xe0, 0x9f, 0xbf], [0xf0, 0x80, 0x80, 0xaf], [0xf0, 0x8f, 0xbf, 0xbf], // overlong
  [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xed, 0x9f, 0xbf], // surrogates (and the last valid before them)
  [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xf4, 0x8f, 0xbf, 0xbf], // above U+10FFFF (and U+10FFFF itself)
  [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0x80], [0xbf], [0xfe], [0xff], // truncated, stray
  [0xef, 0xbb, 0xbf], [0xc2, 0xa0], [0xe2, 0x80, 0xa8], // BOM, NBSP, U+2028 (valid UTF-8)
];

/** A broken (or, by chance, still valid) variant of `doc`. */
function mutate(rng: Rng, doc: Buffer): Buffer {
  const at = Math.floor(rng() * (doc.length + 1));
  switch (Math.floor(rng() * 10)) {
    case 0:
      return doc.subarray(0, at); // truncation
    case 1: {
      const out = Buffer.from(doc);
      if (out.length > 0) out[Math.min(at, out.length - 1)] = pick(rng, BAD_BYTES);
      return out;
    }
    case 2:
      return Buffer.concat([doc.subarray(0, at), Buffer.from([pick(rng, BAD_BYTES)]), doc.subarray(at)]);
    case 3:
      return Buffer.concat([doc.subarray(0, at), doc.subarray(Math.min(doc.length, at + 1))]); // deletion
    case 4:
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), doc]); // BOM
    case 5:
      return Buffer.concat([doc, Buffer.from(pick(rng, [' ', '{}', 'x', ',', '\u00a0', '\u0000', ']', '"', '1']))]); // trailing
    case 6:
      return Buffer.concat([doc.subarray(0, at), Buffer.from(pick(rng, UTF8_PIECES)), doc.subarray(at)]);
    case 7: {
      const out = Buffer.from(doc);
      if (out.length > 0) out[Math.min(at, out.length - 1)] = Math.floor(rng() * 256);
      return out;
    }
    case 8: {
      const len = Math.floor(rng() * 8);
      return Buffer.concat([doc.subarray(0, at), doc.subarray(at, at + len), doc.subarray(at)]); // a duplicated piece
    }
    default: {
      const k = Math.floor(rng() * 6) + 1;
      return Buffer.concat([Buffer.from('['.repeat(k)), doc, Buffer.from(']'.repeat(rng() < 0.8 ? k : k - 1))]);
    }
  }
}

function show(bytes: Buffer): string {
  return JSON.stringify(bytes.length > 200 ? `${bytes.subarray(0, 200).toString('latin1')}…(${bytes.length} bytes)` : bytes.toString('latin1'));
}

/** Both references agree with the scanner on `bytes` at cap `maxDepth`; returns the verdict. */
function expectSameVerdict(bytes: Buffer, maxDepth: number): boolean {
  const reference = explainWhy(bytes, maxDepth);
  const got = validateJson(bytes, maxDepth);
  if (got.ok !== reference.ok || (!got.ok && !reference.ok && got.reason !== reference.reason)) {
    expect.fail(`verdict differs for ${show(bytes)} (depth ${maxDepth}): ${JSON.stringify(got)} vs reference ${JSON.stringify(reference)}`);
  }
  if (bytes.length > 0) {
    const scanner = isJsonWithinDepth(bytes, maxDepth);
    const before = referenceIsJsonWithinDepth(bytes, maxDepth);
    if (scanner !== before || scanner !== reference.ok) {
      expect.fail(`scanner says ${scanner}, the JS scanner ${before}, the rules ${reference.ok} for ${show(bytes)} (depth ${maxDepth})`);
    }
  }
  return reference.ok;
}

const b = (s: string): Buffer => Buffer.from(s, 'utf8');
const bytesOf = (...parts: Array<string | number[]>): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? b(p) : Buffer.from(p))));

/** [name, input, accepted at cap 64]. */
const ADVERSARIAL: Array<[string, Buffer, boolean]> = [
  ['empty', Buffer.alloc(0), false],
  ['whitespace only', b(' \n\t\r '), false],
  ['whitespace around a value', b(' \n\t\r{}\r\n\t '), true],
  ['vertical tab as whitespace', b('\u000b{}'), false],
  ['form feed as whitespace', b('{}\u000c'), false],
  ['NBSP as whitespace', bytesOf([0xc2, 0xa0], '{}'), false],
  ['byte order mark', bytesOf([0xef, 0xbb, 0xbf], '{}'), false],
  ['U+2028 in a string', b('["\u2028"]'), true],
  ['DEL in a string', b('["\u007f"]'), true],
  ...[0x00, 0x01, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1b, 0x1f].map((c): [string, Buffer, boolean] => [`raw 0x${c.toString(16)} in a string`, bytesOf('["a', [c], 'b"]'), false]),
  ...[0x00, 0x01, 0x1f].map((c): [string, Buffer, boolean] => [`raw 0x${c.toString(16)} between values`, bytesOf('[1,', [c], '2]'), false]),
  ['all escapes', b('["\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0000 \\uFFFF \\uabcd"]'), true],
  ['lone surrogate escapes', b('["\\ud800", "\\uDFFF", "\\uDBFF\\uDFFF"]'), true],
  ['escape \\x', b('["\\x41"]'), false],
  ["escape \\'", b('["\\\'"]'), false],
  ['escape \\U', b('["\\U0041"]'), false],
  ['short \\u', b('["\\u12"]'), false],
  ['\\u with a non-hex digit', b('["\\u12G4"]'), false],
  ['\\u at the end', b('"\\u00'), false],
  ['backslash at the end', b('"abc\\'), false],
  ['escaped quote at the end', b('"abc\\"'), false],
  ['unterminated string', b('"abc'), false],
  ['unterminated key', b('{"abc'), false],
  ...['0', '-0', '0.5', '-0.5e-7', '1E+2', '1e999', '123456789012345678901234567890'].map((n): [string, Buffer, boolean] => [`number ${n}`, b(`[${n}]`), true]),
  ...['01', '-01', '00', '1.', '.5', '1e', '1e+', '1E-', '-', '+1', '0x10', 'Infinity', 'NaN', '1_000', '1.e3', '--1', '1ee2', '1e2.5', '- 1'].map((n): [string, Buffer, boolean] => [`number ${n}`, b(`[${n}]`), false]),
  ['top-level number at the end', b('123'), true],
  ['top-level 0 then digit', b('01'), false],
  ['top-level minus alone', b('-'), false],
  ['literals', b('[true,false,null]'), true],
  ...['tru', 'nul', 'fals', 'falsy', 'TRUE', 'nulll', 'truex', 't', 'f', 'n'].map((l): [string, Buffer, boolean] => [`literal ${l}`, b(`[${l}]`), false]),
  ['literal true at the end', b('true'), true],
  ['literal tru at the end', b('tru'), false],
  ['key without value', b('{"a"}'), false],
  ['key with colon, no value', b('{"a":}'), false],
  ['colon without key', b('{:1}'), false],
  ['trailing comma in object', b('{"a":1,}'), false],
  ['trailing comma in array', b('[1,]'), false],
  ['leading comma', b('[,1]'), false],
  ['missing colon', b('{"a" 1}'), false],
  ['number as key', b('{1:2}'), false],
  ['missing comma', b('[1 2]'), false],
  ['colon in an array', b('["a":1]'), false],
  ['missing comma between members', b('{"a":1 "b":2}'), false],
  ['nested empties', b('[[],{},[{}],{"a":[]}]'), true],
  ['mismatched brackets', b('[}'), false],
  ['mismatched braces', b('{]'), false],
  ['unclosed', b('[[]'), false],
  ['trailing garbage', b('{} x'), false],
  ['trailing brace', b('{}}'), false],
  ['two values', b('1 2'), false],
  ['two strings', b('"a" "b"'), false],
  ['trailing NUL', bytesOf('{}', [0x00]), false],
  ['byte >= 0x80 outside a string', bytesOf('[1,', [0xc3, 0xa9], ']'), false],
  ['overlong "/" in a string', bytesOf('["', [0xc0, 0xaf], '"]'), false],
  ['overlong 3-byte', bytesOf('["', [0xe0, 0x80, 0xaf], '"]'), false],
  ['overlong 4-byte', bytesOf('["', [0xf0, 0x80, 0x80, 0xaf], '"]'), false],
  ['encoded surrogate', bytesOf('["', [0xed, 0xa0, 0x80], '"]'), false],
  ['U+D7FF', bytesOf('["', [0xed, 0x9f, 0xbf], '"]'), true],
  ['above U+10FFFF', bytesOf('["', [0xf4, 0x90, 0x80, 0x80], '"]'), false],
  ['U+10FFFF', bytesOf('["', [0xf4, 0x8f, 0xbf, 0xbf], '"]'), true],
  ['F5 lead byte', bytesOf('["', [0xf5, 0x80, 0x80, 0x80], '"]'), false],
  ['truncated 2-byte at the end', bytesOf('"', [0xc3]), false],
  ['truncated 3-byte before the quote', bytesOf('["', [0xe2, 0x82], '"]'), false],
  ['truncated 4-byte before the quote', bytesOf('["', [0xf0, 0x9f, 0x98], '"]'), false],
  ['stray continuation byte', bytesOf('["', [0x80], '"]'), false],
  ['FE and FF', bytesOf('["', [0xfe, 0xff], '"]'), false],
  ['depth 64 exactly', b('['.repeat(64) + ']'.repeat(64)), true],
  ['depth 65', b('['.repeat(65) + ']'.repeat(65)), false],
  ['depth 64 of objects', b('{"a":'.repeat(63) + '{}' + '}'.repeat(63)), true],
  ['depth 65 of objects', b('{"a":'.repeat(64) + '{}' + '}'.repeat(64)), false],
  ['depth 65, never closed', b('['.repeat(65)), false],
];

describe('pipeline/json-scan: differential test against the JS scanner and TextDecoder + JSON.parse + depth rule', () => {
  it('the committed WebAssembly module is json-scan.wat assembled (npm run build:wasm)', async function () {
    this.timeout(30_000);
    expect((await assemble(ROOT)).toString('base64')).to.equal(JSON_SCAN_WASM_BASE64);
  });

  describe('adversarial inputs', () => {
    for (const [name, bytes, accepted] of ADVERSARIAL) {
      it(`${accepted ? 'accepts' : 'refuses'} ${name}, at every cap like the references`, () => {
        expect(expectSameVerdict(bytes, 64)).to.equal(accepted);
        for (const cap of CAPS) expectSameVerdict(bytes, cap);
      });
    }
  });

  it('finds the end of a string at every offset around the 16-byte steps and at the very end of the text', () => {
    for (const stop of ['"', '\\', '\\n', '\n', '\u0001', '\u001f', '\\u0041', '\\x']) {
      for (let at = 0; at < 70; at++) {
        const body = 'x'.repeat(at) + stop + 'y'.repeat(70 - at);
        expectSameVerdict(b(`["${body}"]`), 64);
        expectSameVerdict(b(`"${body}"`), 64);
        expectSameVerdict(b(`"${'x'.repeat(at)}${stop}`), 64); // the text ends inside the string
      }
    }
    for (let n = 0; n < 70; n++) expectSameVerdict(b(`"${'z'.repeat(n)}"`), 64); // texts of every length around 16 and 64
  });

  it('does not read stale bytes of a longer earlier text', () => {
    const long = b(`["${'a'.repeat(5_000)}", 12345, true]`);
    expect(isJsonWithinDepth(long, 64)).to.equal(true);
    for (const prefix of [long.subarray(0, 2), long.subarray(0, 100), long.subarray(0, 5_003), long.subarray(0, long.length - 1), b('[1'), b('"'), b('t')]) {
      expectSameVerdict(prefix, 64);
    }
  });

  it('handles a 3 MB text and a 1,000,000-level nesting; keeps at most RETAINED_MEMORY_BYTES afterwards', () => {
    const big = b(JSON.stringify({ s: 'q'.repeat(3_000_000), a: Array.from({ length: 1000 }, (_, i) => i) }));
    expectSameVerdict(big, 64);
    expect(scannerMemoryBytes()).to.be.at.most(RETAINED_MEMORY_BYTES);
    const medium = b(JSON.stringify({ s: 'm'.repeat(1_500_000) }));
    expect(isJsonWithinDepth(medium, 64)).to.equal(true);
    expect(scannerMemoryBytes()).to.be.above(3_000_000).and.at.most(RETAINED_MEMORY_BYTES); // kept for the next message of that size
    const deep = b('['.repeat(1_000_000) + ']'.repeat(1_000_000));
    expect(isJsonWithinDepth(deep, Number.POSITIVE_INFINITY)).to.equal(true);
    expect(referenceIsJsonWithinDepth(deep, Number.POSITIVE_INFINITY)).to.equal(true);
    expect(isJsonWithinDepth(deep, 999_999)).to.equal(false);
    expect(isJsonWithinDepth(deep.subarray(0, deep.length - 1), Number.POSITIVE_INFINITY)).to.equal(false);
    expectSameVerdict(deep, 64);
    expect(scannerMemoryBytes()).to.be.at.most(RETAINED_MEMORY_BYTES);
    expectSameVerdict(b('{"after":"the big ones"}'), 64);
  });

  describe('seeded corpus and mutations', () => {
    const rng = mulberry32(20261201);
    const corpus: Buffer[] = [];
    for (let i = 0; i < 3000; i++) corpus.push(b(ws(rng) + genValue(rng, 0) + ws(rng)));

    it('the reference accepts every document of the corpus', () => {
      for (const doc of corpus) expect(explainWhy(doc, 64).ok, doc.toString()).to.equal(true);
    });

    it('agrees on every valid document at every cap', () => {
      for (const doc of corpus) for (const d of CAPS) expectSameVerdict(doc, d);
    });

    it('agrees on 30,000 mutations, with a mix of verdicts', () => {
      const verdicts = new Map<string, number>();
      for (let i = 0; i < 30_000; i++) {
        const bytes = mutate(rng, corpus[i % corpus.length]);
        const d = pick(rng, CAPS);
        expectSameVerdict(bytes, d);
        const v = explainWhy(bytes, d);
        const key = v.ok ? 'ok' : v.reason.replace(/deeper than \d+/, 'deeper than N');
        verdicts.set(key, (verdicts.get(key) ?? 0) + 1);
      }
      // The mutations must exercise every verdict, or the test proves little.
      expect([...verdicts.keys()]).to.include.members([
        'ok',
        'message is not valid JSON',
        'message is not valid UTF-8',
        'message starts with a byte order mark',
        'JSON nesting deeper than N levels',
        'empty message (tombstone)',
      ]);
      for (const [k, count] of verdicts) expect(count, k).to.be.greaterThan(50);
    });
  });

  it('agrees on generated scans of both data sets and their mutations', () => {
    const rng = mulberry32(7);
    for (const data of ['realistic', 'hard'] as const) {
      for (let i = 0; i < 20; i++) {
        const scan = generateScan({ seed: i, targetBytes: 200 + i * 1_500, id: `s-${i}`, data });
        expect(expectSameVerdict(scan, 64)).to.equal(true);
        for (let k = 0; k < 40; k++) expectSameVerdict(mutate(rng, scan), pick(rng, CAPS));
      }
    }
  });
});
