import { expect } from 'chai';
import { OffsetTracker } from '../../src/kafka/offset-tracker';

function tracker(units: Array<[number, string, string]>): OffsetTracker {
  const t = new OffsetTracker('scans', 0);
  for (const [id, first, last] of units) t.register(id, first, last);
  return t;
}

describe('OffsetTracker', () => {
  const three: Array<[number, string, string]> = [
    [1, '0', '149'],
    [2, '150', '299'],
    [3, '300', '310'],
  ];

  const cases: Array<{ name: string; acks: number[]; fails?: number[]; expected: Array<string | null> }> = [
    { name: 'in order', acks: [1, 2, 3], expected: ['150', '300', '311'] },
    { name: 'last first: nothing until the prefix fills', acks: [3, 2, 1], expected: [null, null, '311'] },
    { name: 'middle first', acks: [2, 1, 3], expected: [null, '300', '311'] },
    { name: 'a failed unit blocks everything after it', acks: [1, 3], fails: [2], expected: ['150', null] },
  ];

  for (const c of cases) {
    it(`commits only the contiguous acked prefix: ${c.name}`, () => {
      const t = tracker(three);
      for (const id of c.fails ?? []) t.fail(id);
      const seen = c.acks.map((id) => {
        t.ack(id);
        return t.takeCommittable();
      });
      expect(seen).to.deep.equal(c.expected);
    });
  }

  it('never reports the same offset twice', () => {
    const t = tracker(three);
    t.ack(1);
    expect(t.takeCommittable()).to.equal('150');
    expect(t.takeCommittable()).to.equal(null);
    expect(t.committedOffset).to.equal('150');
    expect(t.resolvedThrough).to.equal('149');
  });

  it('handles offset gaps (compaction, transaction markers) by committing last + 1 of the unit', () => {
    const t = tracker([
      [1, '10', '40'],
      [2, '55', '90'],
    ]);
    t.ack(2);
    t.ack(1);
    expect(t.takeCommittable()).to.equal('91');
    expect(t.allAcked).to.equal(true);
  });

  it('keeps int64 offsets exact beyond 2^53', () => {
    const t = tracker([[1, '9007199254740993', '9007199254740999']]);
    t.ack(1);
    expect(t.takeCommittable()).to.equal('9007199254741000');
  });

  it('rejects overlapping or reversed units and unknown ids', () => {
    const t = tracker([[1, '0', '9']]);
    expect(() => t.register(2, '9', '12')).to.throw(RangeError, /not after/);
    expect(() => t.register(3, '20', '12')).to.throw(RangeError, /lastOffset/);
    expect(() => t.ack(42)).to.throw(RangeError, /unknown unit 42/);
  });

  it('counts pending units', () => {
    const t = tracker(three);
    t.ack(2);
    expect(t.pendingUnits).to.equal(2);
    expect(t.allAcked).to.equal(false);
  });

  it('split(): a pending unit becomes two; the prefix waits for both halves', () => {
    const t = new OffsetTracker('scans', 0);
    t.register(1, '0', '9');
    t.split(1, '3', 2, '4');
    t.ack(2);
    expect(t.takeCommittable()).to.equal(null);
    t.ack(1);
    expect(t.takeCommittable()).to.equal('10');
  });

  it('split(): refuses a unit that is not pending, or a cut outside it', () => {
    const t = new OffsetTracker('scans', 0);
    t.register(1, '0', '9');
    expect(() => t.split(1, '9', 2, '10')).to.throw(RangeError);
    expect(() => t.split(1, '4', 2, '4')).to.throw(RangeError);
    t.ack(1);
    expect(() => t.split(1, '3', 2, '4')).to.throw(/pending/);
  });
});

