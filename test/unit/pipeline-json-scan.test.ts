/**
 * Differential test of the one-pass scanner (src/pipeline/json-scan.ts)
 * against the reference rules it replaced (TextDecoder fatal + JSON.parse +
 * the raw-byte depth pre-scan, kept as explainWhy): over a seeded corpus of
 * valid documents and broken variants of them, validateJson must give the
 * very same verdict and reason as the reference, for several depth caps.
 */
import { expect } from 'chai';
import { mulberry32, generateScan, type Rng } from '../../src/generator/wifi-scan';
import { isJsonWithinDepth } from '../../src/pipeline/json-scan';
import { explainWhy, validateJson } from '../../src/pipeline/validate';

const STRING_PIECES = [
  'a', 'Z', ' ', '\\"', '\\\\', '\\/', '\\b', '\\f', '\\n', '\\r', '\\t', '\\u00e9', '\\uD83D\\uDE80', '\\ud800', 'é', '東京', '🚀',
  '\u2028', '\u007f', '\u0080', '[', '{', ']', '}', ',', ':',
];
const NUMBERS = ['0', '-0', '1', '-12', '3.25', '1e5', '1E+2', '-2.5e-3', '123456789012345678901234567890', '1e999', '0.0'];

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

const BAD_BYTES = [0x00, 0x01, 0x0a, 0x1f, 0x22, 0x5c, 0x2c, 0x3a, 0x5b, 0x5d, 0x7b, 0x7d, 0x80, 0xbf, 0xc0, 0xc1, 0xc3, 0xe0, 0xed, 0xa0, 0xf0, 0xf4, 0x90, 0xf5, 0xff, 0xef, 0xbb, 0x30, 0x2d, 0x2e, 0x65, 0x75, 0x74];

/** A broken (or, by chance, still valid) variant of `doc`. */
function mutate(rng: Rng, doc: Buffer): Buffer {
  const at = Math.floor(rng() * (doc.length + 1));
  switch (Math.floor(rng() * 7)) {
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
      return Buffer.concat([doc, Buffer.from(pick(rng, [' ', '{}', 'x', ',', '\u00a0']))]); // trailing
    default: {
      const k = Math.floor(rng() * 6) + 1;
      return Buffer.concat([Buffer.from('['.repeat(k)), doc, Buffer.from(']'.repeat(rng() < 0.8 ? k : k - 1))]);
    }
  }
}

function expectSameVerdict(bytes: Buffer, maxDepth: number): void {
  const reference = explainWhy(bytes, maxDepth);
  const got = validateJson(bytes, maxDepth);
  if (got.ok !== reference.ok || (!got.ok && !reference.ok && got.reason !== reference.reason)) {
    expect.fail(`verdict differs for ${JSON.stringify(bytes.toString('latin1'))} (depth ${maxDepth}): ${JSON.stringify(got)} vs reference ${JSON.stringify(reference)}`);
  }
  if (bytes.length === 0) return;
  // The word-at-a-time path depends on where the text sits in its ArrayBuffer.
  for (const shift of bytes.length >= 64 ? [0, 1, 2, 3] : [0]) {
    const host = new Uint8Array(bytes.length + 4);
    host.set(bytes, shift);
    expect(isJsonWithinDepth(host.subarray(shift, shift + bytes.length), maxDepth)).to.equal(reference.ok);
  }
}

describe('pipeline/json-scan: differential test against TextDecoder + JSON.parse + depth rule', () => {
  const rng = mulberry32(20261201);
  const corpus: Buffer[] = [];
  for (let i = 0; i < 3000; i++) corpus.push(Buffer.from(ws(rng) + genValue(rng, 0) + ws(rng), 'utf8'));

  it('generates a corpus where the reference accepts every document', () => {
    for (const doc of corpus) expect(explainWhy(doc, 64).ok, doc.toString()).to.equal(true);
  });

  it('agrees on every valid document at depth caps 64, 3, 1', () => {
    for (const doc of corpus) for (const d of [64, 3, 1]) expectSameVerdict(doc, d);
  });

  it('agrees on 20,000 broken variants, with a mix of verdicts', () => {
    const verdicts = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const bytes = mutate(rng, corpus[i % corpus.length]);
      const d = pick(rng, [64, 4, 2]);
      expectSameVerdict(bytes, d);
      const v = explainWhy(bytes, d);
      const key = v.ok ? 'ok' : v.reason;
      verdicts.set(key, (verdicts.get(key) ?? 0) + 1);
    }
    // The corpus must exercise every verdict, or the test proves little.
    expect([...verdicts.keys()]).to.include.members([
      'ok',
      'message is not valid JSON',
      'message is not valid UTF-8',
      'message starts with a byte order mark',
      'JSON nesting deeper than 2 levels',
    ]);
  });

  it('agrees on real scans and their broken variants', () => {
    for (let i = 0; i < 20; i++) {
      const scan = generateScan({ seed: i, targetBytes: 200 + i * 1_500, id: `s-${i}` });
      expectSameVerdict(scan, 64);
      for (let k = 0; k < 40; k++) expectSameVerdict(mutate(rng, scan), 64);
    }
  });

  it('finds a stop byte in every position of a long string (word-at-a-time path)', () => {
    for (const stop of ['"', '\\', '\n', '\u0001', '\u001f']) {
      for (let at = 0; at < 80; at++) {
        const body = 'x'.repeat(at) + stop + 'y'.repeat(80 - at);
        expectSameVerdict(Buffer.from(`["${body}"]`), 64);
      }
    }
  });

  it('accepts an unbounded cap (envelope without validation) at any depth', () => {
    const deep = Buffer.from('['.repeat(5_000) + ']'.repeat(5_000));
    expect(isJsonWithinDepth(deep, Number.POSITIVE_INFINITY)).to.equal(true);
    expect(isJsonWithinDepth(deep, 4_999)).to.equal(false);
  });
});
