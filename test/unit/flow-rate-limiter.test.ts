import { expect } from 'chai';
import { AbortedError } from '../../src/errors';
import { RateLimiter, UNLIMITED, type RateCost } from '../../src/flow/rate-limiter';
import { TokenBucket } from '../../src/flow/token-bucket';
import { FakeClock, flush } from '../support/fakes';

const cost = (records: number, bytes = 0, requests = 0): RateCost => ({ records, bytes, requests });

/** Starts acquires in order and records the fake time at which each resolves. */
async function admissionTimes(limiter: RateLimiter, clock: FakeClock, costs: RateCost[]): Promise<number[]> {
  const times: number[] = [];
  const all = Promise.all(costs.map((c, i) => limiter.acquire(c).then(() => (times[i] = clock.now()))));
  await clock.run(all);
  return times;
}

describe('flow/token-bucket', () => {
  const cases: Array<{ name: string; rate: number; takes: number[]; cost: number; at: number; wait: number }> = [
    { name: 'full bucket admits up to capacity', rate: 1_000, takes: [], cost: 1_000, at: 0, wait: 0 },
    { name: 'empty bucket waits cost / rate', rate: 1_000, takes: [1_000], cost: 250, at: 0, wait: 250 },
    { name: 'refill over elapsed time counts', rate: 1_000, takes: [1_000], cost: 250, at: 100, wait: 150 },
    { name: 'cost above capacity waits for a full bucket only', rate: 1_000, takes: [1_000], cost: 4_000, at: 0, wait: 1_000 },
    { name: 'debt must be repaid first', rate: 1_000, takes: [3_000], cost: 1, at: 0, wait: 2_001 },
    { name: 'fractional waits round up', rate: 3, takes: [3], cost: 1, at: 0, wait: 334 },
    { name: 'zero rate is unlimited', rate: 0, takes: [1e9], cost: 1e9, at: 0, wait: 0 },
    { name: 'zero cost never waits, even in debt', rate: 10, takes: [100], cost: 0, at: 0, wait: 0 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const bucket = new TokenBucket(c.rate, 0);
      for (const t of c.takes) bucket.take(t, 0);
      expect(bucket.waitMs(c.cost, c.at)).to.equal(c.wait);
    });
  }

  it('never refills above capacity', () => {
    const bucket = new TokenBucket(100, 0);
    expect(bucket.available(60_000)).to.equal(100);
  });

  it('rejects a negative or non-finite rate', () => {
    expect(() => new TokenBucket(-1, 0)).to.throw(RangeError);
    expect(() => new TokenBucket(Number.POSITIVE_INFINITY, 0)).to.throw(RangeError);
  });
});

describe('flow/rate-limiter RateLimiter', () => {
  it('5000 records/s: three acquires of 2500 are admitted at 0, 0 and 500 ms', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ ...UNLIMITED, recordsPerSecond: 5_000 }, clock);
    expect(await admissionTimes(limiter, clock, [cost(2_500), cost(2_500), cost(2_500)])).to.deep.equal([0, 0, 500]);
    expect(clock.sleeps).to.deep.equal([500]);
    expect(limiter.waitingMs).to.equal(500);
  });

  it('the slowest bucket decides: bytes/s here', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ recordsPerSecond: 1_000_000, bytesPerSecond: 1_000, requestsPerSecond: 100 }, clock);
    expect(await admissionTimes(limiter, clock, [cost(1, 1_000, 1), cost(1, 500, 1)])).to.deep.equal([0, 500]);
  });

  it('requests/s: 2 per second admits the third request at 500 ms and the fourth at 1000 ms', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ ...UNLIMITED, requestsPerSecond: 2 }, clock);
    const times = await admissionTimes(limiter, clock, [cost(0, 0, 1), cost(0, 0, 1), cost(0, 0, 1), cost(0, 0, 1)]);
    expect(times).to.deep.equal([0, 0, 500, 1_000]);
  });

  it('admits a request larger than one second of quota, then makes others repay the debt', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ ...UNLIMITED, bytesPerSecond: 1_000 }, clock);
    // 4000 bytes against 1000 B/s: admitted at once (full bucket), leaving -3000;
    // the next 1000 bytes need the bucket back to 1000: 4 s later.
    expect(await admissionTimes(limiter, clock, [cost(0, 4_000), cost(0, 1_000)])).to.deep.equal([0, 4_000]);
  });

  it('is FIFO fair: a small request queued behind a large one waits its turn', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ ...UNLIMITED, recordsPerSecond: 1_000 }, clock);
    const order: string[] = [];
    const all = Promise.all([
      limiter.acquire(cost(1_000)).then(() => order.push('a')),
      limiter.acquire(cost(800)).then(() => order.push('big')),
      limiter.acquire(cost(1)).then(() => order.push('small')),
    ]);
    await clock.run(all);
    expect(order).to.deep.equal(['a', 'big', 'small']);
    expect(clock.now()).to.equal(801);
  });

  it('a newcomer does not jump the queue even when tokens would suffice', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ ...UNLIMITED, recordsPerSecond: 1_000 }, clock);
    await limiter.acquire(cost(900));
    const big = limiter.acquire(cost(500)); // needs 400 more: queued
    expect(limiter.tryAcquire(cost(50))).to.equal(false); // 100 tokens exist, but someone is waiting
    await clock.run(big);
    expect(clock.now()).to.equal(400);
  });

  it('tryAcquire takes tokens only when it can', () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ ...UNLIMITED, recordsPerSecond: 10 }, clock);
    expect(limiter.tryAcquire(cost(10))).to.equal(true);
    expect(limiter.tryAcquire(cost(1))).to.equal(false);
  });

  it('an unlimited limiter never waits', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter(UNLIMITED, clock);
    expect(await admissionTimes(limiter, clock, [cost(1e9, 1e12, 1e6), cost(1e9, 1e12, 1e6)])).to.deep.equal([0, 0]);
    expect(clock.sleeps).to.deep.equal([]);
  });

  it('an aborted head waiter rejects with AbortedError, takes no tokens and unblocks the next', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ ...UNLIMITED, recordsPerSecond: 1_000 }, clock);
    await limiter.acquire(cost(1_000));
    const controller = new AbortController();
    const aborted = limiter.acquire(cost(1_000), controller.signal);
    let nextAt = -1;
    const next = limiter.acquire(cost(500)).then(() => (nextAt = clock.now()));
    await clock.advance(100);
    controller.abort();
    let caught: unknown;
    await aborted.catch((e: unknown) => (caught = e));
    expect(caught).to.be.instanceOf(AbortedError);
    await clock.run(next);
    expect(nextAt).to.equal(500);
    expect(limiter.queued).to.equal(0);
  });

  it('an aborted waiter in the middle of the queue leaves it at once', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ ...UNLIMITED, recordsPerSecond: 1_000 }, clock);
    await limiter.acquire(cost(1_000));
    const first = limiter.acquire(cost(1_000));
    const controller = new AbortController();
    const middle = limiter.acquire(cost(1_000), controller.signal);
    middle.catch(() => undefined);
    expect(limiter.queued).to.equal(2);
    controller.abort();
    await flush();
    expect(limiter.queued).to.equal(1);
    await clock.run(first);
    expect(clock.now()).to.equal(1_000);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const limiter = new RateLimiter(UNLIMITED, new FakeClock());
    const controller = new AbortController();
    controller.abort();
    let caught: unknown;
    await limiter.acquire(cost(1), controller.signal).catch((e: unknown) => (caught = e));
    expect(caught).to.be.instanceOf(AbortedError);
  });

  it('keeps the long-run rate exact: 1000 records at 2000/s admitted every 500 ms after the first burst', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ ...UNLIMITED, recordsPerSecond: 2_000 }, clock);
    const times = await admissionTimes(limiter, clock, Array.from({ length: 10 }, () => cost(1_000)));
    expect(times).to.deep.equal([0, 0, 500, 1_000, 1_500, 2_000, 2_500, 3_000, 3_500, 4_000]);
  });
});
