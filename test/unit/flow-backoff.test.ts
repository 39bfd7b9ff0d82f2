import { expect } from 'chai';
import { fullJitterDelay } from '../../src/flow/backoff';

describe('flow/backoff fullJitterDelay', () => {
  const base = 100;
  const max = 5_000;
  const cases: Array<{ attempt: number; random: number; expected: number }> = [
    // random = 1: the ceiling itself, doubling per attempt until the cap.
    { attempt: 0, random: 1, expected: 100 },
    { attempt: 1, random: 1, expected: 200 },
    { attempt: 2, random: 1, expected: 400 },
    { attempt: 5, random: 1, expected: 3_200 },
    { attempt: 6, random: 1, expected: 5_000 },
    { attempt: 1_000, random: 1, expected: 5_000 },
    // random = 0.5: half the ceiling.
    { attempt: 0, random: 0.5, expected: 50 },
    { attempt: 3, random: 0.5, expected: 400 },
    { attempt: 10, random: 0.5, expected: 2_500 },
    // random = 0: no wait at all (full jitter's lower end).
    { attempt: 4, random: 0, expected: 0 },
  ];
  for (const c of cases) {
    it(`attempt ${c.attempt}, random ${c.random} -> ${c.expected} ms`, () => {
      expect(fullJitterDelay(c.attempt, base, max, () => c.random)).to.equal(c.expected);
    });
  }

  it('stays finite for huge attempts and a zero base', () => {
    expect(fullJitterDelay(1e9, 100, 30_000, () => 1)).to.equal(30_000);
    expect(fullJitterDelay(1e9, 0, 30_000, () => 1)).to.equal(0);
  });

  it('clamps a misbehaving random source into [0, ceiling]', () => {
    expect(fullJitterDelay(0, 100, 1_000, () => 7)).to.equal(100);
    expect(fullJitterDelay(0, 100, 1_000, () => -1)).to.equal(0);
  });

  it('returns whole milliseconds', () => {
    expect(fullJitterDelay(0, 100, 1_000, () => 0.123456)).to.equal(12);
  });
});
