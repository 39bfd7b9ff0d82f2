import { expect } from 'chai';
import { AbortedError } from '../../src/errors';
import { IntervalBucket } from '../../src/flow/interval-bucket';
import { SizeClassLimiter, selectSizeClass, type SizeClassSettings } from '../../src/flow/size-class-limiter';
import { FakeClock } from '../support/fakes';

const PRESET: SizeClassSettings = {
  smallMaxBytes: 40_000,
  largeMinBytes: 80_000,
  smallPerSecond: 100,
  baselinePerSecond: 75,
  largePerSecond: 50,
  capacity: 150,
  refillIntervalMs: 1_000,
  minPartial: 10,
  pauseThreshold: 0.1,
};

const sizes = (n: number, bytes: number): number[] => Array.from({ length: n }, () => bytes);

describe('flow/interval-bucket', () => {
  it('starts full, refills whole intervals only, never above capacity', () => {
    const b = new IntervalBucket(150, 75, 1_000, 0);
    b.take(150, 0);
    expect(b.available(999)).to.equal(0);
    expect(b.available(1_000)).to.equal(75);
    expect(b.available(1_999)).to.equal(75);
    expect(b.available(5_000)).to.equal(150);
  });

  it('msUntilRefill counts to the end of the interval in progress', () => {
    const b = new IntervalBucket(150, 75, 1_000, 0);
    expect(b.msUntilRefill(250)).to.equal(750);
    expect(b.msUntilRefill(1_000)).to.equal(1_000);
  });

  it('a new refill amount applies from the next interval; elapsed ones use the old', () => {
    const b = new IntervalBucket(150, 75, 1_000, 0);
    b.take(150, 0);
    b.setRefill(50, 1_500); // interval [0,1000) credited 75 first
    expect(b.available(1_500)).to.equal(75);
    expect(b.available(2_000)).to.equal(125);
  });

  it('refuses to take more than is there', () => {
    const b = new IntervalBucket(10, 5, 1_000, 0);
    expect(() => b.take(11, 0)).to.throw(RangeError);
  });
});

describe('flow/size-class-limiter selectSizeClass', () => {
  const table: Array<{ name: string; sizes: number[]; sizeClass: string; perSecond: number }> = [
    { name: 'all 30 KB: small', sizes: sizes(150, 30_000), sizeClass: 'small', perSecond: 100 },
    { name: 'exactly 40 KB average: small (inclusive)', sizes: sizes(10, 40_000), sizeClass: 'small', perSecond: 100 },
    { name: '40,001 B average: mixed, all medium → baseline', sizes: sizes(10, 40_001), sizeClass: 'mixed', perSecond: 75 },
    { name: 'all 65 KB: mixed at the baseline 75', sizes: sizes(150, 65_000), sizeClass: 'mixed', perSecond: 75 },
    { name: 'exactly 80 KB average: large (inclusive)', sizes: sizes(10, 80_000), sizeClass: 'large', perSecond: 50 },
    { name: 'all 100 KB: large', sizes: sizes(150, 100_000), sizeClass: 'large', perSecond: 50 },
    { name: 'half 30 KB, half 100 KB (average 65 KB): weighted 75', sizes: [...sizes(5, 30_000), ...sizes(5, 100_000)], sizeClass: 'mixed', perSecond: 75 },
    { name: '3 small + 1 large (average 47.5 KB): weighted 87.5', sizes: [...sizes(3, 30_000), 100_000], sizeClass: 'mixed', perSecond: 87.5 },
    { name: '1 small + 3 large (average 82.5 KB): large by average', sizes: [30_000, ...sizes(3, 100_000)], sizeClass: 'large', perSecond: 50 },
    { name: '2 medium + 2 large (average 72.5 KB): weighted 62.5', sizes: [...sizes(2, 65_000), ...sizes(2, 80_000)], sizeClass: 'mixed', perSecond: 62.5 },
    { name: 'empty unit: small', sizes: [], sizeClass: 'small', perSecond: 100 },
  ];
  for (const c of table) {
    it(c.name, () => {
      const s = selectSizeClass(c.sizes, PRESET);
      expect({ sizeClass: s.sizeClass, perSecond: s.perSecond }).to.deep.equal({ sizeClass: c.sizeClass, perSecond: c.perSecond });
    });
  }
});

describe('flow/size-class-limiter SizeClassLimiter', () => {
  function limiter(clock: FakeClock, overrides: Partial<SizeClassSettings> = {}) {
    const log: string[] = [];
    const l = new SizeClassLimiter({ ...PRESET, ...overrides }, clock, {
      limited: (below) => log.push(below ? 'limited-below' : 'limited'),
      passed: () => log.push('passed'),
      waited: (ms) => log.push(`waited ${ms}`),
    });
    return { l, log };
  }

  it('a full bucket serves a whole unit of 150 at once and resets the pause backoff', async () => {
    const clock = new FakeClock();
    const { l, log } = limiter(clock);
    const a = await l.admit(sizes(150, 65_000));
    expect(a.admitted).to.equal(150);
    expect(a.waitedMs).to.equal(0);
    expect(log).to.deep.equal(['passed']);
    expect(l.snapshot().tokens).to.equal(0);
  });

  it('partial take: 100 then 100 against 150 tokens admits 100 and 50 (the unit is split)', async () => {
    const clock = new FakeClock();
    const { l, log } = limiter(clock);
    expect((await l.admit(sizes(100, 65_000))).admitted).to.equal(100);
    expect((await l.admit(sizes(100, 65_000))).admitted).to.equal(50);
    expect(log).to.deep.equal(['passed', 'limited']); // 50 of 150 left: not below 10 %
  });

  it('below the minimum partial take the unit waits for the next refill (interval refill of 75)', async () => {
    const clock = new FakeClock();
    const { l, log } = limiter(clock);
    await l.admit(sizes(145, 65_000)); // 5 left < minPartial 10, and below 15 (10 %)
    const second = l.admit(sizes(100, 65_000));
    const a = await clock.run(second);
    expect(a).to.include({ admitted: 80, waitedMs: 1_000 }); // 5 left + 75
    expect(log).to.deep.equal(['passed', 'limited-below', 'waited 1000']);
  });

  it('delivers 75 msg/s of 65 KB units over a minute: 150 at once, then one refill per second', async () => {
    const clock = new FakeClock();
    const { l } = limiter(clock);
    let admitted = 0;
    while (clock.now() < 60_000) {
      admitted += (await clock.run(l.admit(sizes(150, 65_000)))).admitted;
    }
    // 150 at t=0, then 75 at each of t=1..60 s
    expect(admitted).to.equal(150 + 60 * 75);
  });

  it('large units refill at 50 per interval, small ones at 100', async () => {
    const clock = new FakeClock();
    const { l } = limiter(clock);
    await l.admit(sizes(150, 100_000));
    expect((await clock.run(l.admit(sizes(150, 100_000)))).admitted).to.equal(50);
    expect((await clock.run(l.admit(sizes(150, 30_000)))).admitted).to.equal(100);
    expect(clock.now()).to.equal(2_000);
  });

  it('a unit smaller than the minimum partial take is served whole or waits', async () => {
    const clock = new FakeClock();
    const { l } = limiter(clock, { capacity: 10, minPartial: 10, baselinePerSecond: 4 });
    await l.admit(sizes(8, 65_000)); // 2 left
    const a = await clock.run(l.admit(sizes(5, 65_000)));
    expect(a).to.include({ admitted: 5, waitedMs: 1_000 }); // 2 + 4 = 6 >= 5
  });

  it('the remainder of a split unit served whole does not reset the pause backoff', async () => {
    const clock = new FakeClock();
    const { l, log } = limiter(clock);
    await l.admit(sizes(100, 65_000));
    await l.admit(sizes(100, 65_000)); // 50 taken, 50 left over
    await clock.advance(1_000); // +75
    await l.admit(sizes(50, 65_000), undefined, true); // the remainder, whole at once
    expect(log).to.deep.equal(['passed', 'limited']);
    await l.admit(sizes(10, 65_000)); // a new unit at once: resets
    expect(log).to.deep.equal(['passed', 'limited', 'passed']);
  });

  it('serves callers in arrival order', async () => {
    const clock = new FakeClock();
    const { l } = limiter(clock);
    await l.admit(sizes(150, 65_000));
    const order: string[] = [];
    const a = l.admit(sizes(60, 65_000)).then((x) => order.push(`a${x.admitted}@${clock.now()}`));
    const b = l.admit(sizes(10, 65_000)).then((x) => order.push(`b${x.admitted}@${clock.now()}`));
    await clock.run(Promise.all([a, b]));
    expect(order).to.deep.equal(['a60@1000', 'b10@1000']);
  });

  it('a unit that queued behind another is not "served without waiting" (no backoff reset)', async () => {
    const clock = new FakeClock();
    const { l, log } = limiter(clock);
    await l.admit(sizes(150, 65_000));
    const a = l.admit(sizes(60, 65_000));
    const b = l.admit(sizes(10, 65_000)); // 15 tokens are left for it when its turn comes
    await clock.run(Promise.all([a, b]));
    expect(log).to.deep.equal(['passed', 'limited-below', 'waited 1000', 'waited 1000']);
  });

  it('an aborted waiter gives up promptly with AbortedError and takes no tokens', async () => {
    const clock = new FakeClock();
    const { l } = limiter(clock);
    await l.admit(sizes(150, 65_000));
    const ac = new AbortController();
    const waiting = l.admit(sizes(150, 65_000), ac.signal);
    const next = l.admit(sizes(20, 65_000));
    ac.abort(new AbortedError('rebalance'));
    const err = await waiting.then(() => null, (e: unknown) => e);
    expect(err).to.be.instanceOf(AbortedError);
    expect(await clock.run(next)).to.include({ admitted: 20, waitedMs: 1_000 });
    expect(l.snapshot().tokens).to.equal(55);
  });

  it('rejects settings that cannot work', () => {
    const clock = new FakeClock();
    expect(() => new SizeClassLimiter({ ...PRESET, minPartial: 151 }, clock)).to.throw(/minPartial/);
    expect(() => new SizeClassLimiter({ ...PRESET, smallMaxBytes: 90_000 }, clock)).to.throw(/smallMaxBytes/);
    expect(() => new SizeClassLimiter({ ...PRESET, largePerSecond: 0 }, clock)).to.throw(/large rate/);
  });
});
