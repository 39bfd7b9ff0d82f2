import { expect } from 'chai';
import { nestingDepth, validateJson } from '../../src/pipeline/validate';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('pipeline/validate', () => {
  describe('nestingDepth', () => {
    const table: Array<[string, number]> = [
      ['1', 0],
      ['{}', 1],
      ['[[]]', 2],
      ['{"a":[{"b":[]}]}', 4],
      ['"[[[[{{{{"', 0], // brackets inside strings do not count
      ['["\\"[[["]', 1], // escaped quote does not end the string
      ['["\\\\",[[]]]', 3], // escaped backslash does end the escape
      ['[] [] []', 1],
    ];
    for (const [text, depth] of table) {
      it(`${text} → ${depth}`, () => expect(nestingDepth(b(text))).to.equal(depth));
    }

    it('stops early past the limit', () => {
      expect(nestingDepth(b('['.repeat(1000)), 10)).to.equal(11);
    });
  });

  describe('validateJson', () => {
    const ok: string[] = ['{}', '[]', '0', '"x"', 'null', '{"ssid":"Café Wi‑Fi","n":"東京"}', '{\n  "a": 1\n}', '{"s":"a\\nb"}'];
    for (const text of ok) {
      it(`accepts ${JSON.stringify(text)}`, () => expect(validateJson(b(text), 64)).to.deep.equal({ ok: true }));
    }

    const bad: Array<[string, Buffer, string]> = [
      ['empty (tombstone)', Buffer.alloc(0), 'empty message (tombstone)'],
      ['truncated', b('{"a":'), 'message is not valid JSON'],
      ['trailing garbage', b('{} x'), 'message is not valid JSON'],
      ['two documents', b('{}{}'), 'message is not valid JSON'],
      ['raw newline inside a string', b('{"a":"x\ny"}'), 'message is not valid JSON'],
      ['invalid utf-8', Buffer.from([0x22, 0xff, 0xfe, 0x22]), 'message is not valid UTF-8'],
      ['overlong utf-8', Buffer.from([0x22, 0xc0, 0xaf, 0x22]), 'message is not valid UTF-8'],
      ['byte order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), b('{}')]), 'message starts with a byte order mark'],
      ['too deep', b('['.repeat(65) + ']'.repeat(65)), 'JSON nesting deeper than 64 levels'],
    ];
    for (const [name, bytes, reason] of bad) {
      it(`rejects ${name}`, () => expect(validateJson(bytes, 64)).to.deep.equal({ ok: false, reason }));
    }

    it('accepts exactly maxDepth levels', () => {
      expect(validateJson(b('['.repeat(64) + ']'.repeat(64)), 64).ok).to.equal(true);
    });

    it('refuses a hostile 1,000,000-level document before parsing', () => {
      const r = validateJson(b('['.repeat(1_000_000)), 64);
      expect(r).to.deep.equal({ ok: false, reason: 'JSON nesting deeper than 64 levels' });
    });

    it('never quotes the payload in its reason', () => {
      const r = validateJson(b('{"password":"hunter2" oops}'), 64);
      expect(r.ok).to.equal(false);
      expect(JSON.stringify(r)).to.not.include('hunter2');
    });
  });
});
