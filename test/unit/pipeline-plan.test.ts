import { expect } from 'chai';
import { AppError } from '../../src/errors';
import { MAX_BYTES_PER_BATCH, MAX_RECORD_BYTES, MAX_RECORDS_PER_BATCH } from '../../src/pipeline/limits';
import { aggregate, planSubBatches } from '../../src/pipeline/plan';
import type { PlanLimits, SubBatch } from '../../src/pipeline/wire';

const limits: PlanLimits = {
  maxRecordsPerBatch: MAX_RECORDS_PER_BATCH,
  maxBytesPerBatch: MAX_BYTES_PER_BATCH,
  maxRecordBytes: MAX_RECORD_BYTES,
};
const fill = (n: number, size: number): number[] => new Array<number>(n).fill(size);
const counts = (batches: SubBatch[]): number[] => batches.map((b) => b.endRecord - b.firstRecord);

describe('pipeline/plan planSubBatches', () => {
  const table: Array<{ name: string; sizes: number[]; want: number[] }> = [
    { name: '0 records', sizes: [], want: [] },
    { name: '1 record', sizes: [100], want: [1] },
    { name: '499 small', sizes: fill(499, 1000), want: [499] },
    { name: '500 small', sizes: fill(500, 1000), want: [500] },
    { name: '501 small', sizes: fill(501, 1000), want: [500, 1] },
    { name: '1200 small (Benthos 500/500/200)', sizes: fill(1200, 10), want: [500, 500, 200] },
    // 4 MiB = 4,194,304 = 4 × 1,024,000 + 98,304
    { name: 'exactly 4 MiB in one batch', sizes: [...fill(4, 1_024_000), 98_304], want: [5] },
    { name: 'one byte more splits', sizes: [...fill(4, 1_024_000), 98_305], want: [4, 1] },
    { name: 'one byte more, first record', sizes: [98_305, ...fill(4, 1_024_000)], want: [4, 1] },
    { name: 'exactly 4 MiB of 4,096-byte records (1,024 of them)', sizes: fill(1024, 4096), want: [500, 500, 24] },
    { name: 'bytes bind before count: 10,000-byte records', sizes: fill(500, 10_000), want: [419, 81] },
    { name: 'a 1,024,000-byte record alone', sizes: [1_024_000], want: [1] },
    { name: '5 records of 1,024,000 bytes', sizes: fill(5, 1_024_000), want: [4, 1] },
    {
      name: 'mixed: big records then many small',
      sizes: [1_024_000, 1_024_000, 1_024_000, 1_000_000, ...fill(600, 100)],
      // 4,072,000 + 1,222 × 100 would pass 4 MiB; 500-record cap hits first
      want: [500, 104],
    },
    { name: 'zero-byte records still count toward 500', sizes: fill(1001, 0), want: [500, 500, 1] },
  ];

  for (const c of table) {
    it(c.name, () => {
      const batches = planSubBatches(c.sizes, limits);
      expect(counts(batches)).to.deep.equal(c.want);
      // contiguous cover of [0, n), each within limits, bytes summed right
      let next = 0;
      for (const b of batches) {
        expect(b.firstRecord).to.equal(next);
        next = b.endRecord;
        const bytes = c.sizes.slice(b.firstRecord, b.endRecord).reduce((x, y) => x + y, 0);
        expect(b.bytes).to.equal(bytes);
        expect(bytes).to.be.at.most(MAX_BYTES_PER_BATCH);
        expect(b.endRecord - b.firstRecord).to.be.at.most(MAX_RECORDS_PER_BATCH);
      }
      expect(next).to.equal(c.sizes.length);
    });
  }

  it('4 × 1,024,000 = 4,096,000 fits under 4,194,304', () => {
    expect(planSubBatches(fill(4, 1_024_000), limits)).to.deep.equal([{ firstRecord: 0, endRecord: 4, bytes: 4_096_000 }]);
  });

  it('honours smaller configured limits', () => {
    const small = { maxRecordsPerBatch: 2, maxBytesPerBatch: 10, maxRecordBytes: 5 };
    expect(counts(planSubBatches([5, 5, 5, 1, 1, 4], small))).to.deep.equal([2, 2, 2]);
  });

  it('throws PLAN_RECORD_TOO_LARGE for a record over the record limit', () => {
    try {
      planSubBatches([10, MAX_RECORD_BYTES + 1], limits);
      expect.fail('should throw');
    } catch (err) {
      expect(err).to.be.instanceOf(AppError);
      expect((err as AppError).code).to.equal('PLAN_RECORD_TOO_LARGE');
      expect((err as AppError).retriable).to.equal(false);
      expect((err as AppError).message).to.include('record 1');
    }
  });
});

describe('pipeline/plan aggregate', () => {
  const bufs = (sizes: number[]): Buffer[] => sizes.map((s) => Buffer.alloc(s));
  const table: Array<{ name: string; sizes: number[]; max: number; want: number[][] }> = [
    { name: 'nothing', sizes: [], max: 10, want: [] },
    { name: 'all fit', sizes: [3, 3, 4], max: 10, want: [[0, 1, 2]] },
    { name: 'split on overflow', sizes: [3, 3, 5], max: 10, want: [[0, 1], [2]] },
    { name: 'each exactly max', sizes: [10, 10], max: 10, want: [[0], [1]] },
    { name: 'real limit with 300 KB messages', sizes: fill(7, 300_000), max: MAX_RECORD_BYTES, want: [[0, 1, 2], [3, 4, 5], [6]] },
  ];
  for (const c of table) {
    it(c.name, () => expect(aggregate(bufs(c.sizes), c.max)).to.deep.equal(c.want));
  }

  it('throws for a message over the record limit', () => {
    expect(() => aggregate(bufs([11]), 10)).to.throw(AppError).with.property('code', 'PLAN_RECORD_TOO_LARGE');
  });
});
