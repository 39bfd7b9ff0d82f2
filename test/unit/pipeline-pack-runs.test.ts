import { expect } from 'chai';
import { packRuns, type PackLimits } from '../../src/pipeline/pack-runs';

describe('pipeline/pack-runs packRuns (the one "pack under a count and a byte limit" rule)', () => {
  const cases: Array<{ name: string; sizes: number[]; limits: PackLimits; runs: Array<[number, number, number]> }> = [
    { name: 'nothing', sizes: [], limits: { maxItems: 2, maxBytes: 10 }, runs: [] },
    { name: 'count limit exactly', sizes: [1, 1, 1, 1], limits: { maxItems: 2, maxBytes: 100 }, runs: [[0, 2, 2], [2, 4, 2]] },
    { name: 'byte limit exactly', sizes: [5, 5, 5], limits: { maxItems: 10, maxBytes: 10 }, runs: [[0, 2, 10], [2, 3, 5]] },
    { name: 'one byte over starts a new run', sizes: [5, 6], limits: { maxItems: 10, maxBytes: 10 }, runs: [[0, 1, 5], [1, 2, 6]] },
    { name: 'an item larger than a run stands alone', sizes: [1, 50, 1], limits: { maxItems: 10, maxBytes: 10 }, runs: [[0, 1, 1], [1, 2, 50], [2, 3, 1]] },
    { name: 'base bytes count once per run', sizes: [4, 4, 4], limits: { maxItems: 10, maxBytes: 10, baseBytes: 2 }, runs: [[0, 2, 10], [2, 3, 6]] },
    { name: 'no count limit', sizes: [1, 1, 1], limits: { maxItems: Number.POSITIVE_INFINITY, maxBytes: 100 }, runs: [[0, 3, 3]] },
    { name: '499/500/501 at 500 items', sizes: Array.from({ length: 501 }, () => 1), limits: { maxItems: 500, maxBytes: 1e9 }, runs: [[0, 500, 500], [500, 501, 1]] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(packRuns(c.sizes, c.limits).map((r) => [r.start, r.end, r.bytes])).to.deep.equal(c.runs);
    });
  }
});
