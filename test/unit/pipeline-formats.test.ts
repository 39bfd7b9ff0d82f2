import { expect } from 'chai';
import { gunzipSync } from 'node:zlib';
import {
  decodeRecords,
  encodeMessage,
  envelopeMessage,
  hasRawNewline,
  newlinesToSpaces,
} from '../../src/pipeline/formats';
import { RECORD_FORMATS } from '../../src/pipeline/wire';

const samples: Array<[string, Buffer]> = [
  ['empty', Buffer.alloc(0)],
  ['small object', Buffer.from('{"a":1}')],
  ['unicode', Buffer.from('{"ssid":"Café Wi‑Fi","city":"東京","e":"🚀"}')],
  ['escaped newlines', Buffer.from('{"ssid":"Line\\nBreak","x":"\\r\\n"}')],
  ['big number kept verbatim', Buffer.from('{"n":12345678901234567890,"f":1.0}')],
  ['binary-ish bytes', Buffer.from([0, 1, 2, 0xff, 0x80, 0x7f])],
];

describe('pipeline/formats', () => {
  for (const format of RECORD_FORMATS) {
    describe(format, () => {
      for (const [name, msg] of samples) {
        it(`round-trips ${name}`, () => {
          const enc = encodeMessage(msg, format, 6);
          const dec = decodeRecords(enc, format);
          expect(dec).to.have.length(1);
          expect(dec[0].equals(msg)).to.equal(true);
        });
      }

      it('round-trips a concatenation of many messages (as Firehose delivers them)', () => {
        const msgs = samples.map(([, m]) => m);
        const all = Buffer.concat(msgs.map((m) => encodeMessage(m, format, 1)));
        const dec = decodeRecords(all, format);
        expect(dec.map((d) => d.toString('hex'))).to.deep.equal(msgs.map((m) => m.toString('hex')));
      });

      it('decodes nothing from nothing', () => {
        expect(decodeRecords(Buffer.alloc(0), format)).to.deep.equal([]);
      });
    });
  }

  it('base64-gzip-lines is one ASCII base64 line', () => {
    const enc = encodeMessage(Buffer.from('{"a":1}'), 'base64-gzip-lines', 6);
    const text = enc.toString('ascii');
    expect(text.endsWith('\n')).to.equal(true);
    expect(text.slice(0, -1)).to.match(/^[A-Za-z0-9+/]+=*$/);
    expect(gunzipSync(Buffer.from(text.slice(0, -1), 'base64')).toString()).to.equal('{"a":1}');
  });

  it('gzip-ndjson is one gzip member holding message + newline', () => {
    const enc = encodeMessage(Buffer.from('{"a":1}'), 'gzip-ndjson', 6);
    expect(enc[0]).to.equal(0x1f);
    expect(enc[1]).to.equal(0x8b);
    expect(gunzipSync(enc).toString()).to.equal('{"a":1}\n');
  });

  it('ndjson appends a newline', () => {
    expect(encodeMessage(Buffer.from('[]'), 'ndjson', 6).toString()).to.equal('[]\n');
  });

  it('decodeRecords refuses a truncated stream', () => {
    expect(() => decodeRecords(Buffer.from('{"a":1}\n{"b"'), 'ndjson')).to.throw(/truncated/);
  });

  describe('raw newlines', () => {
    it('detects them', () => {
      expect(hasRawNewline(Buffer.from('{\n}'))).to.equal(true);
      expect(hasRawNewline(Buffer.from('{"a":"\\n"}'))).to.equal(false);
    });

    it('replaces them with spaces, leaving every other byte alone', () => {
      const src = Buffer.from('{\n  "a": 12345678901234567890,\n  "s": "\\n"\n}');
      const out = newlinesToSpaces(src);
      expect(out.toString()).to.equal('{   "a": 12345678901234567890,   "s": "\\n" }');
      expect(out.length).to.equal(src.length);
      expect(src.toString()).to.include('\n'); // the source is not mutated
      expect(JSON.parse(out.toString())).to.deep.equal(JSON.parse(src.toString()));
    });
  });

  describe('envelopeMessage', () => {
    const meta = { offset: '9007199254740993', timestamp: '1700000000000', key: 'dev-"1"' };

    it('splices the raw message in as value', () => {
      const raw = Buffer.from('{"n":12345678901234567890, "ssid":"東京"}');
      const env = envelopeMessage(raw, meta, 'wifi-scans', 4);
      expect(env.toString()).to.equal(
        '{"topic":"wifi-scans","partition":4,"offset":"9007199254740993","timestamp":"1700000000000",' +
          '"key":"dev-\\"1\\"","value":{"n":12345678901234567890, "ssid":"東京"}}',
      );
      const parsed = JSON.parse(env.toString());
      expect(parsed.offset).to.equal('9007199254740993');
      expect(parsed.value.ssid).to.equal('東京');
    });

    it('writes a null key as null', () => {
      const env = envelopeMessage(Buffer.from('[]'), { ...meta, key: null }, 't', 0);
      expect(JSON.parse(env.toString())).to.deep.equal({
        topic: 't', partition: 0, offset: meta.offset, timestamp: meta.timestamp, key: null, value: [],
      });
    });

    it('round-trips through every format', () => {
      for (const format of RECORD_FORMATS) {
        const env = envelopeMessage(Buffer.from('{"a":"Café"}'), meta, 'τοπικό', 1);
        const [dec] = decodeRecords(encodeMessage(env, format, 6), format);
        expect(JSON.parse(dec.toString()).value).to.deep.equal({ a: 'Café' });
        expect(JSON.parse(dec.toString()).topic).to.equal('τοπικό');
      }
    });
  });
});
