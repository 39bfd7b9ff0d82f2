import { expect } from 'chai';
import { encodeUnit, recordMessageIndexes, recordView } from '../../src/pipeline/encode-unit';
import { decodeRecords } from '../../src/pipeline/formats';
import { mulberry32 } from '../../src/generator/wifi-scan';
import { RECORD_FORMATS, type RecordFormat, type UnitResult } from '../../src/pipeline/wire';
import { createTestUnitRequest } from '../fixtures/unit-request';

/** Every record decoded, paired with the message indexes it claims to carry. */
function decodeAll(result: UnitResult, format: RecordFormat): Array<{ messages: number[]; decoded: string[] }> {
  const out: Array<{ messages: number[]; decoded: string[] }> = [];
  for (let r = 0; r < result.recordBounds.length - 1; r++) {
    out.push({
      messages: Array.from(recordMessageIndexes(result, r)),
      decoded: decodeRecords(Buffer.from(recordView(result, r)), format).map((b) => b.toString('utf8')),
    });
  }
  return out;
}

const scans = ['{"id":"a","ap":[]}', '{"id":"b","ssid":"Café Wi‑Fi"}', '{"id":"c","ssid":"東京","s":"x\\ny"}'];

describe('pipeline/encode-unit encodeUnit', () => {
  for (const format of RECORD_FORMATS) {
    it(`encodes one record per message and round-trips (${format})`, () => {
      const { result } = encodeUnit(createTestUnitRequest(scans, { unitId: 42, options: { format } }));
      expect(result.unitId).to.equal(42);
      expect(result.rejected).to.deep.equal([]);
      expect(decodeAll(result, format)).to.deep.equal(scans.map((s, i) => ({ messages: [i], decoded: [s] })));
      expect(result.batches).to.deep.equal([{ firstRecord: 0, endRecord: 3, bytes: result.data.byteLength }]);
      expect(result.encodedBytes).to.equal(result.data.byteLength);
      expect(result.rawBytes).to.equal(scans.reduce((n, s) => n + Buffer.byteLength(s), 0));
      expect(result.sizeClasses.small.count).to.equal(3);
    });
  }

  it('handles an empty unit', () => {
    const { result, transfer } = encodeUnit(createTestUnitRequest([]));
    expect(result.data.byteLength).to.equal(0);
    expect(Array.from(result.recordBounds)).to.deep.equal([0]);
    expect(result.batches).to.deep.equal([]);
    expect(transfer).to.have.length(4);
  });

  it('rejects invalid JSON without failing the unit and keeps the record→message map right', () => {
    const { result } = encodeUnit(createTestUnitRequest(['{"ok":1}', '{"broken":', '{"ok":2}'], { options: { format: 'ndjson' } }));
    expect(result.rejected).to.deep.equal([{ index: 1, code: 'INVALID_JSON', reason: 'message is not valid JSON' }]);
    expect(decodeAll(result, 'ndjson')).to.deep.equal([
      { messages: [0], decoded: ['{"ok":1}'] },
      { messages: [2], decoded: ['{"ok":2}'] },
    ]);
    expect(result.rawBytes).to.equal(8 + 10 + 8); // rejected messages still count as traffic
  });

  it('tombstones: rejected when validating, encoded as an empty message when not', () => {
    const strict = encodeUnit(createTestUnitRequest([null, '{}'], { options: { format: 'ndjson' } })).result;
    expect(strict.rejected).to.deep.equal([{ index: 0, code: 'INVALID_JSON', reason: 'empty message (tombstone)' }]);
    const lax = encodeUnit(createTestUnitRequest([null, '{}'], { options: { format: 'ndjson', validateJson: false } })).result;
    expect(lax.rejected).to.deep.equal([]);
    expect(Buffer.from(lax.data).toString()).to.equal('\n{}\n');
  });

  it('rejects JSON nested deeper than maxJsonDepth', () => {
    const deep = '['.repeat(11) + ']'.repeat(11);
    const { result } = encodeUnit(createTestUnitRequest([deep], { options: { maxJsonDepth: 10 } }));
    expect(result.rejected[0]).to.include({ code: 'INVALID_JSON', reason: 'JSON nesting deeper than 10 levels' });
  });

  describe('raw newlines in line-delimited formats', () => {
    const pretty = '{\n  "id": "p",\n  "n": 12345678901234567890\n}';
    for (const format of ['ndjson', 'gzip-ndjson'] as const) {
      it(`${format}: validated JSON has its newlines turned into spaces`, () => {
        const { result } = encodeUnit(createTestUnitRequest([pretty], { options: { format } }));
        expect(result.rejected).to.deep.equal([]);
        expect(decodeAll(result, format)[0].decoded).to.deep.equal([pretty.replace(/\n/g, ' ')]);
      });

      it(`${format}: unvalidated messages with a raw newline are rejected`, () => {
        const { result } = encodeUnit(createTestUnitRequest([pretty, '{}'], { options: { format, validateJson: false } }));
        expect(result.rejected).to.deep.equal([{ index: 0, code: 'INVALID_JSON', reason: 'raw newline in message' }]);
        expect(decodeAll(result, format)).to.deep.equal([{ messages: [1], decoded: ['{}'] }]);
      });
    }

    it('base64-gzip-lines keeps the message byte for byte', () => {
      const { result } = encodeUnit(createTestUnitRequest([pretty], { options: { validateJson: false } }));
      expect(decodeAll(result, 'base64-gzip-lines')[0].decoded).to.deep.equal([pretty]);
    });
  });

  describe('envelope', () => {
    it('wraps each message with its coordinates', () => {
      const { result } = encodeUnit(
        createTestUnitRequest(['{"id":"a"}', '[1,2]'], { topic: 'scans', partition: 7, options: { envelope: true, format: 'gzip-ndjson' } }),
      );
      const docs = decodeAll(result, 'gzip-ndjson').map((r) => JSON.parse(r.decoded[0]));
      expect(docs).to.deep.equal([
        { topic: 'scans', partition: 7, offset: '100', timestamp: '1700000000000', key: 'key-0', value: { id: 'a' } },
        { topic: 'scans', partition: 7, offset: '101', timestamp: '1700000000001', key: null, value: [1, 2] },
      ]);
    });

    it('still requires valid JSON when validateJson is off', () => {
      const { result } = encodeUnit(
        createTestUnitRequest(['not json', '{"ok":true}', null], { options: { envelope: true, validateJson: false } }),
      );
      expect(result.rejected.map((r) => [r.index, r.code])).to.deep.equal([
        [0, 'INVALID_JSON'],
        [2, 'INVALID_JSON'],
      ]);
      expect(result.recordBounds.length - 1).to.equal(1);
    });

    it('with validateJson off, a known-valid pretty message may use ndjson', () => {
      const { result } = encodeUnit(
        createTestUnitRequest(['{\n"a":1\n}'], { options: { envelope: true, validateJson: false, format: 'ndjson' } }),
      );
      expect(result.rejected).to.deep.equal([]);
      expect(JSON.parse(decodeAll(result, 'ndjson')[0].decoded[0]).value).to.deep.equal({ a: 1 });
    });
  });

  describe('oversized', () => {
    it('rejects a record above maxRecordBytes with both sizes in the reason', () => {
      const big = JSON.stringify({ s: 'x'.repeat(200) });
      const { result } = encodeUnit(
        createTestUnitRequest(['{}', big], {
          options: { format: 'ndjson', limits: { maxRecordsPerBatch: 500, maxBytesPerBatch: 4096, maxRecordBytes: 100 } },
        }),
      );
      expect(result.rejected).to.deep.equal([
        {
          index: 1,
          code: 'OVERSIZED',
          reason: `encoded record is ${big.length + 1} bytes, above the 100-byte record limit (message is ${big.length} bytes)`,
        },
      ]);
    });

    it('counts the base64 growth: an incompressible 900,000-byte message is > 1,024,000 bytes encoded', () => {
      const rng = mulberry32(1);
      const noise = Buffer.alloc(900_000);
      for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(rng() * 256);
      const { result } = encodeUnit(createTestUnitRequest([noise, '{}'], { options: { gzipLevel: 1, validateJson: false } }));
      expect(result.rejected.map((r) => [r.index, r.code])).to.deep.equal([[0, 'OVERSIZED']]);
      expect(result.rejected[0].reason).to.match(/^encoded record is 12\d{5} bytes, above the 1024000-byte record limit \(message is 900000 bytes\)$/);
      expect(result.sizeClasses.large.count).to.equal(1);
      expect(result.recordBounds.length - 1).to.equal(1);
    });
  });

  it('turns an unexpected encoder failure into ENCODE_FAILED rejections, not a throw', () => {
    const { result } = encodeUnit(createTestUnitRequest(['{}', '[]'], { options: { gzipLevel: 42 } }));
    expect(result.rejected.map((r) => r.code)).to.deep.equal(['ENCODE_FAILED', 'ENCODE_FAILED']);
    expect(result.rejected[0].reason).to.match(/^encoding failed: /);
    expect(result.data.byteLength).to.equal(0);
  });

  it('aggregates consecutive messages into records up to maxRecordBytes', () => {
    const msgs = Array.from({ length: 10 }, (_, i) => JSON.stringify({ i, pad: 'p'.repeat(20) })); // 36 bytes + \n: 3 per record
    const { result } = encodeUnit(
      createTestUnitRequest([...msgs.slice(0, 4), 'bad', ...msgs.slice(4)], {
        options: { format: 'ndjson', aggregate: true, limits: { maxRecordsPerBatch: 2, maxBytesPerBatch: 1000, maxRecordBytes: 111 } },
      }),
    );
    const records = decodeAll(result, 'ndjson');
    expect(records.map((r) => r.messages)).to.deep.equal([[0, 1, 2], [3, 5, 6], [7, 8, 9], [10]]);
    expect(records.flatMap((r) => r.decoded)).to.deep.equal(msgs);
    for (let r = 0; r < records.length; r++) expect(recordView(result, r).length).to.be.at.most(111);
    expect(result.batches.map((b) => [b.firstRecord, b.endRecord])).to.deep.equal([[0, 2], [2, 4]]);
  });

  it('plans sub-batches over the records: 600 messages → 500 + 100', () => {
    const { result } = encodeUnit(createTestUnitRequest(new Array<string>(600).fill('{}'), { options: { format: 'ndjson' } }));
    expect(result.batches).to.deep.equal([
      { firstRecord: 0, endRecord: 500, bytes: 1500 },
      { firstRecord: 500, endRecord: 600, bytes: 300 },
    ]);
  });

  it('returns distinct, transferable buffers and does not touch the request', () => {
    const req = createTestUnitRequest(scans);
    const before = Buffer.from(req.values).toString('hex');
    const { result, transfer } = encodeUnit(req);
    expect(transfer[0]).to.equal(result.data);
    expect(new Set(transfer).size).to.equal(4);
    expect(Buffer.from(req.values).toString('hex')).to.equal(before);
    const moved = structuredClone(result, { transfer });
    expect(result.data.byteLength).to.equal(0); // detached: moved, not copied
    expect(moved.data.byteLength).to.equal(moved.encodedBytes);
    expect(decodeAll(moved, 'base64-gzip-lines').map((r) => r.decoded[0])).to.deep.equal(scans);
  });
});
