import { expect } from 'chai';
import { gzipSync } from 'node:zlib';
import { parseListArgs, summarise } from '../../scripts/firehose/list-delivered';
import { DEFAULT_BUCKET, DEFAULT_PREFIX } from '../support/firehose-admin';
import { decodeObject, DeliveredFormatError, parseEnvelope, splitLines } from '../../test/support/s3-reader';

const msgs = ['{"id":"a","n":1}', '{"id":"b","s":"line\\nbreak"}', '{"id":"c","nested":{"x":[1,2,3]}}'];
const buf = (s: string): Buffer => Buffer.from(s, 'utf8');
const strings = (bs: Buffer[]): string[] => bs.map((b) => b.toString('utf8'));

describe('emulator s3-reader decoding', () => {
  describe('splitLines', () => {
    it('splits on newlines and drops the final empty piece', () => {
      expect(strings(splitLines(buf('a\nbb\nccc\n')))).to.deep.equal(['a', 'bb', 'ccc']);
    });

    it('reads an empty object as no messages', () => {
      expect(splitLines(Buffer.alloc(0))).to.deep.equal([]);
    });

    it('refuses a missing final newline (a truncated object)', () => {
      expect(() => splitLines(buf('a\nb'), 's3://b/k')).to.throw(DeliveredFormatError, /s3:\/\/b\/k: does not end with a newline/);
    });

    it('refuses an empty line', () => {
      expect(() => splitLines(buf('a\n\nb\n'))).to.throw(DeliveredFormatError, /empty line at byte 2/);
    });
  });

  describe('decodeObject', () => {
    it('ndjson: concatenated records of message + newline', () => {
      const body = Buffer.concat(msgs.map((m) => buf(`${m}\n`)));
      expect(strings(decodeObject(body, 'ndjson'))).to.deep.equal(msgs);
    });

    it('gzip-ndjson: one gzip member per record makes a multi-member object', () => {
      const body = Buffer.concat(msgs.map((m) => gzipSync(buf(`${m}\n`))));
      expect(strings(decodeObject(body, 'gzip-ndjson'))).to.deep.equal(msgs);
    });

    it('gzip-ndjson: an aggregated record (several lines in one member) reads the same', () => {
      const body = Buffer.concat([gzipSync(buf(`${msgs[0]}\n${msgs[1]}\n`)), gzipSync(buf(`${msgs[2]}\n`))]);
      expect(strings(decodeObject(body, 'gzip-ndjson'))).to.deep.equal(msgs);
    });

    it('gzip-ndjson: refuses bytes that are not gzip', () => {
      expect(() => decodeObject(buf('{"id":1}\n'), 'gzip-ndjson')).to.throw(DeliveredFormatError, /not a valid gzip/);
    });

    it('base64-gzip-lines: base64(gzip(message)) + newline per message', () => {
      const body = buf(msgs.map((m) => `${gzipSync(buf(m)).toString('base64')}\n`).join(''));
      expect(strings(decodeObject(body, 'base64-gzip-lines'))).to.deep.equal(msgs);
    });

    it('base64-gzip-lines: refuses a line that is not base64, naming the line', () => {
      const body = buf(`${gzipSync(buf(msgs[0] as string)).toString('base64')}\n{"raw":true}\n`);
      expect(() => decodeObject(body, 'base64-gzip-lines')).to.throw(DeliveredFormatError, /line 1 is not base64/);
    });

    it('keeps binary-safe bytes (multi-byte UTF-8) intact', () => {
      const m = '{"ssid":"Café ☕ 📶"}';
      expect(decodeObject(gzipSync(buf(`${m}\n`)), 'gzip-ndjson')[0]?.toString('utf8')).to.equal(m);
    });
  });

  describe('parseEnvelope', () => {
    const head = '{"topic":"scans","partition":3,"offset":"42","timestamp":"1700000000000","key":"dev-1","value":';

    it('returns the exact value bytes when "value" is last', () => {
      const raw = '{ "id": "x",  "rssi": -70.0 }'; // spacing and -70.0 do not survive JSON.stringify
      const { envelope, valueBytes } = parseEnvelope(buf(`${head}${raw}}`));
      expect(valueBytes.toString('utf8')).to.equal(raw);
      expect(envelope).to.deep.equal({
        topic: 'scans',
        partition: 3,
        offset: '42',
        timestamp: '1700000000000',
        key: 'dev-1',
        value: { id: 'x', rssi: -70 },
      });
    });

    it('is not fooled by a nested "value" key', () => {
      const raw = '{"value":{"value":1}}';
      expect(parseEnvelope(buf(`${head}${raw}}`)).valueBytes.toString('utf8')).to.equal(raw);
    });

    it('re-serialises the value when it is not the last member, and reads a null key', () => {
      const line = '{"value":{"id":"y"},"topic":"t","partition":0,"offset":1,"timestamp":2,"key":null}';
      const { envelope, valueBytes } = parseEnvelope(buf(line));
      expect(valueBytes.toString('utf8')).to.equal('{"id":"y"}');
      expect(envelope).to.include({ key: null, offset: '1', timestamp: '2' });
    });

    it('refuses a line that is not an envelope', () => {
      expect(() => parseEnvelope(buf('{"id":"a"}'))).to.throw(DeliveredFormatError, /no "value"/);
      expect(() => parseEnvelope(buf('{"value":1}'))).to.throw(DeliveredFormatError, /topic\/partition/);
      expect(() => parseEnvelope(buf('nope'))).to.throw(DeliveredFormatError, /not JSON/);
    });
  });

  describe('list-delivered command line', () => {
    it('defaults to the local bucket, ndjson and 5 messages; refuses an unknown format; suggests the nearest flag', () => {
      expect(parseListArgs([])).to.deep.include({ bucket: DEFAULT_BUCKET, prefix: DEFAULT_PREFIX, format: 'ndjson', envelope: false, show: 5 });
      expect(parseListArgs(['--format', 'gzip-ndjson', '--envelope', '--show=2'])).to.deep.include({ format: 'gzip-ndjson', envelope: true, show: 2 });
      expect(() => parseListArgs(['--format', 'csv'])).to.throw(/--format: expected base64-gzip-lines, gzip-ndjson or ndjson, got "csv"/);
      expect(() => parseListArgs(['--formt', 'ndjson'])).to.throw(/unknown option --formt: did you mean --format\?/);
    });
  });

  describe('list-delivered summarise', () => {
    it('names the id and size but never the payload', () => {
      const m = buf('{"id":"scan-7","secretish":"AP-MAC-aa:bb"}');
      const line = summarise(m);
      expect(line).to.match(/^id=scan-7 bytes=\d+ sha1=[0-9a-f]{12}$/);
      expect(line).to.not.include('AP-MAC');
    });

    it('says so for non-JSON and shows envelope coordinates', () => {
      expect(summarise(buf('not json'))).to.match(/^\(not JSON\) bytes=8/);
      const env = { topic: 't', partition: 1, offset: '5', timestamp: '0', key: null, value: { scanId: 9 } };
      expect(summarise(buf('{"scanId":9}'), env)).to.match(/^scanId=9 bytes=12 sha1=\w+ t\/1@5$/);
    });
  });
});
