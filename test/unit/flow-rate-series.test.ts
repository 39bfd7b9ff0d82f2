import { expect } from 'chai';
import { longestGapMs, moments, perWindow, steadyRate, type RateEvent } from '../support/rate-series';

/**
 * What an exact 75 msg/s interval-refill limiter (capacity 150) admits: a burst of
 * 150, then 75 at each refill, split over two units. With `gap`, no work is in hand
 * for `gap.refills` refills after second `gap.after`: the bucket banks (at most 150)
 * and the next round takes the bank when it arrives, half a second later.
 */
function limiter(seconds: number, gap?: { after: number; refills: number }): RateEvent[] {
  const out: RateEvent[] = [{ atMs: 0, count: 100 }, { atMs: 3, count: 50 }];
  for (let s = 1; s <= seconds; s++) {
    if (gap && s > gap.after && s <= gap.after + gap.refills) {
      if (s === gap.after + gap.refills) out.push({ atMs: s * 1000 + 500, count: Math.min(150, 75 * gap.refills) });
      continue;
    }
    out.push({ atMs: s * 1000 + 2, count: 45 }, { atMs: s * 1000 + 9, count: 30 });
  }
  out.push({ atMs: (seconds + 1) * 1000 + 2, count: 20 }); // the tail: the work ran out
  return out;
}

describe('test/support/rate-series (the scenario 4 measurement)', () => {
  it('groups events closer than the gap into one step, in time order', () => {
    expect(moments([{ atMs: 1_010, count: 5 }, { atMs: 0, count: 1 }, { atMs: 1_000, count: 2 }, { atMs: 50, count: 0 }], 100)).to.deep.equal([
      { atMs: 0, count: 1 },
      { atMs: 1_000, count: 7 },
    ]);
  });

  it('reads an exact limiter as exactly its rate, past the start-up burst and without the tail', () => {
    const r = steadyRate(limiter(20), 250);
    expect(r.perSecond).to.be.closeTo(75, 1e-9);
    expect(r.spanS).to.be.closeTo(19, 1e-9);
    expect(r.moments).to.equal(22);
  });

  it('a gap the bucket covers (2 s, banked tokens spent at once) still reads 75; a longer one reads less', () => {
    expect(steadyRate(limiter(24, { after: 10, refills: 2 }), 250).perSecond).to.be.closeTo(75, 1e-9);
    // 4 refills idle: 2 of them overflow the 150-token bucket → 75 × (23 - 2) over the 23 s window
    expect(steadyRate(limiter(24, { after: 10, refills: 4 }), 250).perSecond).to.be.closeTo((75 * 21) / 23, 1e-9);
  });

  it('longestGapMs: the longest time between steps (the steady steps 1 s; an idle of 4 refills 4.5 s)', () => {
    expect(longestGapMs(limiter(20), 250)).to.equal(1_002); // the burst at 0, the first refill's units at 1002
    expect(longestGapMs(limiter(24, { after: 10, refills: 4 }), 250)).to.equal(4_498);
  });

  it('too few steps to measure is NaN, not a number that looks right', () => {
    expect(steadyRate([{ atMs: 0, count: 150 }, { atMs: 1_000, count: 75 }, { atMs: 2_000, count: 75 }], 250).perSecond).to.satisfy(Number.isNaN);
  });

  it('perWindow sums counts into per-second rates per window, empty windows 0', () => {
    expect(perWindow([{ atMs: 100, count: 150 }, { atMs: 1_100, count: 75 }, { atMs: 4_500, count: 10 }], 0, 2_000, 5_000)).to.deep.equal([112.5, 0, 5]);
  });
});
