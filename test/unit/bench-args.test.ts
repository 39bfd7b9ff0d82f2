import { expect } from 'chai';
import { parseBenchArgs } from '../../scripts/bench/args';
import { coresBusy, median, summarize } from '../../scripts/bench/stats';

describe('bench: arguments and statistics', () => {
  it('runs every case with 2 warm-ups and 7 rounds by default, 1 + 3 with --quick', () => {
    expect(parseBenchArgs([])).to.deep.include({ cases: ['a', 'b', 'c', 'd', 'e'], warmups: 2, rounds: 7, quick: false });
    expect(parseBenchArgs(['--quick'])).to.deep.include({ warmups: 1, rounds: 3, quick: true });
    expect(parseBenchArgs(['--quick', '--rounds', '5', '--warmups', '0'])).to.deep.include({ warmups: 0, rounds: 5 });
  });

  it('selects cases in canonical order', () => {
    expect(parseBenchArgs(['--case', 'd,A']).cases).to.deep.equal(['a', 'd']);
  });

  it('rejects unknown cases and options', () => {
    expect(() => parseBenchArgs(['--case', 'a,z'])).to.throw(/--case/);
    expect(() => parseBenchArgs(['--case'])).to.throw(/--case/);
    expect(() => parseBenchArgs(['--rounds', '0'])).to.throw(/--rounds/);
    expect(() => parseBenchArgs(['--fast'])).to.throw(/unknown option/);
    expect(() => parseBenchArgs(['--rouds', '3'])).to.throw(/unknown option --rouds: did you mean --rounds\?/);
  });

  it('summarises rounds by median, min and max', () => {
    expect(median([3, 1, 2])).to.equal(2);
    expect(median([4, 1, 3, 2])).to.equal(2.5);
    expect(summarize([5, 1, 9])).to.deep.equal({ medianMs: 5, minMs: 1, maxMs: 9, rounds: 3 });
    expect(coresBusy({ wallMs: [100, 100, 100], cpuMs: [190, 150, 200] })).to.equal(1.9);
  });
});
