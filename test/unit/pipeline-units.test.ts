import { expect } from 'chai';
import { cutUnits } from '../../src/pipeline/units';

const msg = (bytes: number | null): { value: Buffer | null; n: number } => ({
  value: bytes === null ? null : Buffer.alloc(bytes),
  n: bytes ?? -1,
});

/** Unit shapes as lists of value sizes (null = tombstone). */
const cases: Array<{ name: string; sizes: Array<number | null>; maxMessages: number; maxBytes: number; want: Array<Array<number | null>> }> = [
  { name: 'empty input', sizes: [], maxMessages: 3, maxBytes: 100, want: [] },
  { name: 'one message', sizes: [10], maxMessages: 3, maxBytes: 100, want: [[10]] },
  { name: 'count limit exactly', sizes: [1, 1, 1], maxMessages: 3, maxBytes: 100, want: [[1, 1, 1]] },
  { name: 'count limit + 1', sizes: [1, 1, 1, 1], maxMessages: 3, maxBytes: 100, want: [[1, 1, 1], [1]] },
  { name: '7 by 3', sizes: [1, 1, 1, 1, 1, 1, 1], maxMessages: 3, maxBytes: 100, want: [[1, 1, 1], [1, 1, 1], [1]] },
  { name: 'bytes exactly at limit', sizes: [40, 60], maxMessages: 10, maxBytes: 100, want: [[40, 60]] },
  { name: 'bytes one over', sizes: [40, 61], maxMessages: 10, maxBytes: 100, want: [[40], [61]] },
  { name: 'oversized alone (first)', sizes: [150, 10], maxMessages: 10, maxBytes: 100, want: [[150], [10]] },
  { name: 'oversized alone (middle)', sizes: [10, 150, 10], maxMessages: 10, maxBytes: 100, want: [[10], [150], [10]] },
  { name: 'two oversized', sizes: [150, 150], maxMessages: 10, maxBytes: 100, want: [[150], [150]] },
  { name: 'tombstones count as 0 bytes', sizes: [100, null, null], maxMessages: 10, maxBytes: 100, want: [[100, null, null]] },
  { name: 'tombstones still count as messages', sizes: [null, null, null], maxMessages: 2, maxBytes: 100, want: [[null, null], [null]] },
  { name: 'maxMessages 1', sizes: [1, 2, 3], maxMessages: 1, maxBytes: 100, want: [[1], [2], [3]] },
];

describe('pipeline/units cutUnits', () => {
  for (const c of cases) {
    it(c.name, () => {
      const input = c.sizes.map(msg);
      const units = cutUnits(input, c.maxMessages, c.maxBytes);
      expect(units.map((u) => u.map((m) => (m.value === null ? null : m.n)))).to.deep.equal(c.want);
      // order-preserving, nothing lost or duplicated
      expect(units.flat()).to.deep.equal(input);
      for (const u of units) expect(u.length).to.be.greaterThan(0);
    });
  }

  it('keeps the same object identities (no copies)', () => {
    const input = [msg(1), msg(2)];
    const [unit] = cutUnits(input, 10, 100);
    expect(unit[0]).to.equal(input[0]);
    expect(unit[1].value).to.equal(input[1].value);
  });

  it('rejects nonsense limits', () => {
    expect(() => cutUnits([], 0, 10)).to.throw(RangeError);
    expect(() => cutUnits([], 1.5, 10)).to.throw(RangeError);
    expect(() => cutUnits([], 1, 0)).to.throw(RangeError);
  });
});
