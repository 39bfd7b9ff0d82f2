import { expect } from 'chai';
import { AimdRate, type AimdSettings } from '../../src/flow/aimd';
import { RateLimiter, UNLIMITED } from '../../src/flow/rate-limiter';
import { RatePause, type RatePauseEvent } from '../../src/flow/rate-pause';
import { TokenBucket } from '../../src/flow/token-bucket';
import { FakeClock } from '../support/fakes';

const BACKOFF = { initialMs: 5_000, multiplier: 1.5, maxMs: 60_000 };

function ratePause(clock: FakeClock) {
  const calls: string[] = [];
  const pauses: RatePauseEvent[] = [];
  const resumed: number[] = [];
  const holder = { hold: (r: string) => calls.push(`hold ${r}@${clock.now()}`), release: (r: string) => calls.push(`release ${r}@${clock.now()}`) };
  const pause = new RatePause(BACKOFF, clock, holder, (e) => pauses.push(e), (ms) => resumed.push(ms));
  return { pause, calls, pauses, resumed };
}

describe('flow/rate-pause RatePause', () => {
  it('backs off 5 s → 7.5 s → … → 60 s (× 1.5) while the limiter stays behind', async () => {
    const clock = new FakeClock();
    const { pause, pauses, resumed } = ratePause(clock);
    for (let i = 0; i < 10; i++) {
      pause.blocked('size_class');
      await clock.advance(pauses[pauses.length - 1]?.pauseMs ?? 0);
    }
    expect(pauses.map((p) => p.pauseMs)).to.deep.equal([5_000, 7_500, 11_250, 16_875, 25_312.5, 37_968.75, 56_953.125, 60_000, 60_000, 60_000]);
    expect(pauses.map((p) => p.step)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(resumed).to.deep.equal(pauses.map((p) => p.pauseMs));
  });

  it('holds and releases RATE_LIMIT on the pause control for exactly the pause length', async () => {
    const clock = new FakeClock();
    const { pause, calls } = ratePause(clock);
    pause.blocked('size_class');
    expect(pause.active).to.equal(true);
    await clock.advance(4_999);
    expect(calls).to.deep.equal(['hold RATE_LIMIT@0']);
    await clock.advance(1);
    expect(calls).to.deep.equal(['hold RATE_LIMIT@0', 'release RATE_LIMIT@5000']);
    expect(pause.active).to.equal(false);
  });

  it('a blocked unit during a pause neither extends nor escalates it', async () => {
    const clock = new FakeClock();
    const { pause, pauses, calls } = ratePause(clock);
    pause.blocked('size_class');
    await clock.advance(2_000);
    pause.blocked('bytes');
    await clock.advance(3_000);
    expect(pauses).to.have.length(1);
    expect(calls.filter((c) => c.startsWith('release'))).to.deep.equal(['release RATE_LIMIT@5000']);
    expect(pause.snapshot().nextMs).to.equal(7_500);
  });

  it('resets to 5 s after a unit passes without waiting', async () => {
    const clock = new FakeClock();
    const { pause, pauses } = ratePause(clock);
    pause.blocked('size_class');
    await clock.advance(5_000);
    pause.blocked('size_class');
    await clock.advance(7_500);
    pause.passed();
    pause.blocked('size_class');
    expect(pauses.map((p) => [p.pauseMs, p.step])).to.deep.equal([[5_000, 1], [7_500, 2], [5_000, 1]]);
  });

  it('ends early once the limiter has caught up (probed each interval); the backoff still grows', async () => {
    const clock = new FakeClock();
    let ready: 'caught-up' | null = null;
    const resumed: Array<[number, number, string]> = [];
    const pause = new RatePause(BACKOFF, clock, { hold: () => undefined, release: () => undefined }, () => undefined, (ms, held, end) => resumed.push([ms, held, end]), {
      ready: () => ready,
      everyMs: 1_000,
    });
    pause.blocked('size_class');
    await clock.advance(2_000);
    expect(pause.active).to.equal(true);
    ready = 'caught-up';
    await clock.advance(1_000);
    expect(pause.active).to.equal(false);
    expect(resumed).to.deep.equal([[5_000, 3_000, 'caught-up']]);
    expect(pause.snapshot().nextMs).to.equal(7_500);
  });

  it('lift(work-exhausted) ends the pause in force at once and says so; the backoff still grows; no pause: no-op', async () => {
    const clock = new FakeClock();
    const ends: string[] = [];
    const calls: string[] = [];
    const holder = { hold: (r: string) => calls.push(`hold ${r}@${clock.now()}`), release: (r: string) => calls.push(`release ${r}@${clock.now()}`) };
    const pause = new RatePause(BACKOFF, clock, holder, () => undefined, (ms, held, end) => ends.push(`${end} ${held}/${ms}`));
    pause.lift('work-exhausted');
    expect(calls).to.deep.equal([]);
    pause.blocked('size_class');
    await clock.advance(1_200);
    pause.lift('work-exhausted');
    expect(pause.active).to.equal(false);
    expect(clock.pending, 'the pause timer is gone').to.equal(0);
    pause.blocked('size_class'); // still behind in the next round: the next step
    await clock.advance(7_500);
    expect(ends).to.deep.equal(['work-exhausted 1200/5000', 'elapsed 7500/7500']);
    expect(calls).to.deep.equal(['hold RATE_LIMIT@0', 'release RATE_LIMIT@1200', 'hold RATE_LIMIT@1200', 'release RATE_LIMIT@8700']);
  });

  it('stop() releases a pause in force at once', () => {
    const clock = new FakeClock();
    const { pause, calls } = ratePause(clock);
    pause.blocked('size_class');
    pause.stop();
    expect(calls).to.deep.equal(['hold RATE_LIMIT@0', 'release RATE_LIMIT@0']);
    expect(clock.pending).to.equal(0);
  });

  it('snapshot shows the pause in force and what comes next', async () => {
    const clock = new FakeClock();
    const { pause } = ratePause(clock);
    pause.blocked('size_class');
    await clock.advance(1_000);
    expect(pause.snapshot()).to.deep.equal({ active: true, currentMs: 5_000, nextMs: 7_500, pauses: 1, remainingMs: 4_000 });
  });
});

const AIMD: AimdSettings = { ceiling: 1_000_000, floor: 100_000, factor: 0.5, increase: 50_000, quietIntervalMs: 5_000, minCutIntervalMs: 1_000 };

describe('flow/aimd AimdRate', () => {
  it('starts at the ceiling and stays there without throttling', () => {
    const a = new AimdRate(AIMD, 0);
    expect(a.rate(0)).to.equal(1_000_000);
    expect(a.rate(3_600_000)).to.equal(1_000_000);
  });

  it('cuts multiplicatively down to the floor, one cut per minimum interval', () => {
    const a = new AimdRate(AIMD, 0);
    expect(a.throttled(0)).to.equal(true);
    expect(a.rate(0)).to.equal(500_000);
    expect(a.throttled(500)).to.equal(false); // an answer to a request sent before the cut
    expect(a.rate(500)).to.equal(500_000);
    const rates: number[] = [];
    for (let t = 1_000; t <= 5_000; t += 1_000) {
      a.throttled(t);
      rates.push(a.rate(t));
    }
    expect(rates).to.deep.equal([250_000, 125_000, 100_000, 100_000, 100_000]);
  });

  it('grows back additively per quiet interval up to the ceiling', () => {
    const a = new AimdRate(AIMD, 0);
    a.throttled(0);
    expect(a.rate(4_999)).to.equal(500_000);
    expect(a.rate(5_000)).to.equal(550_000);
    expect(a.rate(25_000)).to.equal(750_000);
    expect(a.rate(60_000)).to.equal(1_000_000);
  });

  it('a throttle inside the cut shadow restarts the quiet clock', () => {
    const a = new AimdRate(AIMD, 0);
    a.throttled(0);
    a.throttled(900);
    expect(a.rate(5_000)).to.equal(500_000);
    expect(a.rate(5_900)).to.equal(550_000);
  });

  it('rejects settings that cannot work', () => {
    expect(() => new AimdRate({ ...AIMD, factor: 1 }, 0)).to.throw(/factor/);
    expect(() => new AimdRate({ ...AIMD, floor: 2_000_000 }, 0)).to.throw(/floor/);
  });
});

describe('flow/token-bucket setRate', () => {
  it('counts earned tokens at the old rate, then clamps to the new capacity', () => {
    const b = new TokenBucket(1_000, 0);
    b.take(1_000, 0);
    b.setRate(400, 500); // 500 earned at 1000/s, clamped to 400
    expect(b.available(500)).to.equal(400);
    expect(b.waitMs(400, 500)).to.equal(0);
    b.take(400, 500);
    expect(b.waitMs(200, 500)).to.equal(500);
  });

  it('refuses to switch between unlimited and limited', () => {
    expect(() => new TokenBucket(0, 0).setRate(5, 0)).to.throw(RangeError);
  });
});

describe('flow/rate-limiter with AIMD and the rate-pause hooks', () => {
  it('follows the AIMD rate on the bytes bucket', async () => {
    const clock = new FakeClock();
    const aimd = new AimdRate({ ...AIMD, ceiling: 1_000, floor: 100 }, 0);
    const limiter = new RateLimiter({ ...UNLIMITED, bytesPerSecond: 1_000 }, clock, { aimd });
    await limiter.acquire({ records: 1, bytes: 1_000, requests: 1 });
    aimd.throttled(0); // 500 B/s
    const t = limiter.acquire({ records: 1, bytes: 500, requests: 1 }).then(() => clock.now());
    expect(await clock.run(t)).to.equal(1_000);
    expect(limiter.snapshot().find((b) => b.bucket === 'bytes')?.rate).to.equal(500);
  });

  it('reports the limiting bucket and whether it was below the pause threshold', async () => {
    const clock = new FakeClock();
    const events: string[] = [];
    const limiter = new RateLimiter({ recordsPerSecond: 1_000, bytesPerSecond: 0, requestsPerSecond: 10 }, clock, {
      pauseThreshold: 0.1,
      limited: (bucket, below) => events.push(`${bucket}:${below}`),
      passed: () => events.push('passed'),
    });
    await limiter.acquire({ records: 950, bytes: 0, requests: 1 });
    await clock.run(limiter.acquire({ records: 100, bytes: 0, requests: 1 })); // 50 left < 100 (10 %)
    await clock.run(limiter.acquire({ records: 1, bytes: 0, requests: 9 })); // 8 requests left < 9, not below 1
    expect(events).to.deep.equal(['passed', 'records:true', 'requests:false']);
  });
});

