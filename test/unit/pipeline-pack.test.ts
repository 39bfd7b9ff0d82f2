import { expect } from 'chai';
import { messageView, packUnit } from '../../src/pipeline/pack';
import { testMessages } from '../fixtures/unit-request';

describe('pipeline/pack packUnit', () => {
  it('copies kafkajs-style views into one fresh, exactly sized ArrayBuffer', () => {
    // Simulate kafkajs: values are views into one large fetch buffer.
    const fetchBuffer = Buffer.alloc(64 * 1024, 0x2e);
    const a = fetchBuffer.subarray(100, 110);
    const b = fetchBuffer.subarray(5000, 5003);
    a.write('0123456789');
    b.write('[1]');
    const messages = [
      { value: a, offset: '7', timestamp: '1', key: Buffer.from('k') },
      { value: b, offset: '8', timestamp: '2', key: null },
    ];
    const packed = packUnit(messages);
    expect(packed.values).to.be.instanceOf(ArrayBuffer);
    expect(packed.values).to.not.equal(fetchBuffer.buffer);
    expect(packed.values.byteLength).to.equal(13);
    expect(Array.from(packed.valueBounds)).to.deep.equal([0, 10, 13]);
    expect(Buffer.from(messageView(packed.values, packed.valueBounds, 0)).equals(a)).to.equal(true);
    expect(Buffer.from(messageView(packed.values, packed.valueBounds, 1)).toString()).to.equal('[1]');
    expect(packed.meta).to.deep.equal([
      { offset: '7', timestamp: '1', key: 'k' },
      { offset: '8', timestamp: '2', key: null },
    ]);
    // Mutating the source afterwards does not reach the copy.
    fetchBuffer.fill(0);
    expect(Buffer.from(messageView(packed.values, packed.valueBounds, 1)).toString()).to.equal('[1]');
  });

  it('is not a slice of Buffer.allocUnsafe\'s shared pool and is transferable', () => {
    const packed = packUnit(testMessages(['{"x":1}', '{"y":2}']));
    expect(packed.values.byteLength).to.equal(14);
    const moved = structuredClone(packed.values, { transfer: [packed.values] });
    expect(packed.values.byteLength).to.equal(0); // detached
    expect(moved.byteLength).to.equal(14);
    expect(Buffer.from(moved).toString()).to.equal('{"x":1}{"y":2}');
  });

  it('turns tombstones into 0-length entries', () => {
    const packed = packUnit(testMessages([null, 'ab', null]));
    expect(Array.from(packed.valueBounds)).to.deep.equal([0, 0, 2, 2]);
    expect(messageView(packed.values, packed.valueBounds, 0).length).to.equal(0);
    expect(messageView(packed.values, packed.valueBounds, 2).length).to.equal(0);
  });

  it('packs an empty unit', () => {
    const packed = packUnit([]);
    expect(packed.values.byteLength).to.equal(0);
    expect(Array.from(packed.valueBounds)).to.deep.equal([0]);
    expect(packed.meta).to.deep.equal([]);
  });

  it('decodes keys as utf-8', () => {
    const [m] = testMessages(['{}']);
    m.key = Buffer.from('東京-ключ');
    expect(packUnit([m]).meta[0].key).to.equal('東京-ключ');
  });
});
