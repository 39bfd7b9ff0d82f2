import { expect } from 'chai';
import { Registry } from 'prom-client';
import { loadConfig } from '../../src/config';
import { FirehoseError } from '../../src/errors';
import { PauseControl } from '../../src/flow/pause-control';
import { RateBacklog } from '../../src/flow/rate-backlog';
import { RateControl, type RateControlEvents } from '../../src/flow/rate-control';
import { silentLogger } from '../../src/logging/types';
import { createEvents, createMetrics } from '../../src/metrics';
import { rateEvents, sampleRateGauges, withThrottleSignal } from '../../src/wiring/rate-events';
import { nullObserver } from '../../src/firehose/observer';
import { FakeClock } from '../support/fakes';

const config = loadConfig({ env: { RATE_LIMIT_MODE: 'both' }, argv: [] });

function recorder(): RateControlEvents & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    limited: (b) => log.push(`limited ${b}`),
    waited: (s) => log.push(`waited ${s}`),
    paused: (e) => log.push(`paused ${e.bucket} ${e.pauseMs}`),
    resumed: (ms, held, end) => log.push(`resumed ${ms} after ${held} (${end})`),
    rateCut: (from, to) => log.push(`cut ${from}->${to}`),
  };
}

/** A unit of `n` 65 KB messages (the mixed class: 75 msg/s). */
const unit = (n: number): number[] => Array.from({ length: n }, () => 65_000);

function sizeClassOnly() {
  const clock = new FakeClock();
  const hold = new PauseControl(clock);
  const ev = recorder();
  const rc = new RateControl({ rate: config.firehose.rate, rateLimit: { ...config.rateLimit, mode: 'size-class' } }, clock, hold, ev);
  return { clock, hold, ev, rc };
}

describe('flow/rate-control RateControl', () => {
  it('mode both: a unit passes the size-class preset and requests the quota buckets; a nearly empty bucket pauses fetching', async () => {
    const clock = new FakeClock();
    const hold = new PauseControl(clock);
    const ev = recorder();
    const rc = new RateControl({ rate: config.firehose.rate, rateLimit: config.rateLimit }, clock, hold, ev);
    expect(await rc.admit(Array.from({ length: 145 }, () => 65_000))).to.equal(145);
    const second = rc.admit(Array.from({ length: 100 }, () => 65_000));
    expect(await clock.run(second)).to.equal(80); // 5 left (< 10 %, < minPartial) → wait for the refill of 75
    expect(ev.log).to.deep.equal(['limited size_class', 'paused size_class 5000', 'waited 1']);
    expect(hold.isHeld('RATE_LIMIT')).to.equal(true);
    await rc.quota.acquire({ records: 1, bytes: 1, requests: 1 }); // a request passing the quota buckets...
    expect(rc.state().pause?.nextMs, '...does not reset the units\' backoff').to.equal(7_500);
    await clock.advance(4_000);
    expect(hold.isHeld('RATE_LIMIT')).to.equal(false);
    expect(rc.state().buckets.map((b) => b.bucket)).to.deep.equal(['records', 'bytes', 'requests', 'size_class']);
    rc.stop();
  });

  it('a rate pause is lifted the moment the fetched work is exhausted (work-exhausted), not when the bucket is full', async () => {
    const { clock, hold, ev, rc } = sizeClassOnly();
    rc.backlog.fetched(300); // one fetch round: two units of 150
    expect(await rc.admit(unit(150))).to.equal(150);
    rc.backlog.settled(150);
    const second = rc.admit(unit(150)); // 0 tokens: waits, pauses fetching
    expect(await clock.run(second)).to.equal(75); // the refill of 75; the rest is a remainder
    rc.backlog.settled(75);
    expect(hold.isHeld('RATE_LIMIT'), 'work still in hand: the pause holds').to.equal(true);
    await clock.run(rc.admit(unit(75), undefined, true));
    expect(clock.now()).to.equal(2_000);
    rc.backlog.settled(75); // the round's last unit started: nothing left to hold back
    expect(hold.isHeld('RATE_LIMIT')).to.equal(false);
    expect(ev.log.filter((l) => l.startsWith('paused') || l.startsWith('resumed'))).to.deep.equal(['paused size_class 5000', 'resumed 5000 after 2000 (work-exhausted)']);
    expect(rc.state().pause?.nextMs, 'the backoff still grows').to.equal(7_500);
    rc.stop();
  });

  it('work still in hand but held elsewhere (not at the limiter) and a full bucket: lifted as caught-up by the probe', async () => {
    const { clock, hold, ev, rc } = sizeClassOnly();
    rc.backlog.fetched(500);
    await rc.admit(unit(150));
    rc.backlog.settled(150);
    await clock.run(rc.admit(unit(20))); // blocked, then served at the refill
    rc.backlog.settled(20);
    expect(hold.isHeld('RATE_LIMIT')).to.equal(true);
    await clock.advance(2_000); // the bucket is full again; 330 messages wait elsewhere (e.g. the in-flight cap)
    expect(hold.isHeld('RATE_LIMIT')).to.equal(false);
    expect(ev.log.filter((l) => l.startsWith('resumed'))).to.deep.equal(['resumed 5000 after 3000 (caught-up)']);
    rc.stop();
  });

  it('throttling cuts the bytes/s rate once per minimum interval (AIMD) and the state shows it', () => {
    const clock = new FakeClock();
    const ev = recorder();
    const rc = new RateControl({ rate: config.firehose.rate, rateLimit: config.rateLimit }, clock, new PauseControl(new FakeClock()), ev);
    rc.throttled();
    rc.throttled();
    expect(ev.log).to.deep.equal(['cut 5242880->2621440']);
    expect(rc.state().aimd).to.include({ bytesPerSecond: 2_621_440, cuts: 1 });
    expect(rc.state().buckets.find((b) => b.bucket === 'bytes')?.rate).to.equal(2_621_440);
  });

  it('mode quota without a bytes/s limit has no AIMD and no size-class bucket', async () => {
    const rc = new RateControl(
      { rate: { recordsPerSecond: 0, bytesPerSecond: 0, requestsPerSecond: 0 }, rateLimit: { ...config.rateLimit, mode: 'quota' } },
      new FakeClock(),
      new PauseControl(new FakeClock()),
      recorder(),
    );
    rc.throttled();
    expect(rc.state()).to.include({ aimd: null, sizeClass: null });
    expect(await rc.admit([1, 2, 3])).to.equal(3);
  });
});

describe('flow/rate-backlog RateBacklog', () => {
  it('counts fetched messages in and out and tells listeners each time it empties', () => {
    const b = new RateBacklog();
    let emptied = 0;
    b.onEmpty(() => (emptied += 1));
    b.fetched(5);
    b.fetched(3);
    b.settled(4);
    b.settled(0); // nothing left a batch: not an emptying
    expect([b.messages, emptied]).to.deep.equal([4, 0]);
    b.settled(4);
    expect([b.messages, emptied]).to.deep.equal([0, 1]);
    b.settled(0);
    expect(emptied, 'already empty: no second report').to.equal(1);
  });

  it('refuses counts that cannot be right', () => {
    const b = new RateBacklog();
    b.fetched(2);
    expect(() => b.settled(3)).to.throw(RangeError, /settled\(3\) exceeds the 2 messages in hand/);
    expect(() => b.fetched(-1)).to.throw(RangeError, /integer >= 0, got -1/);
    expect(() => b.fetched(1.5)).to.throw(RangeError);
  });
});

describe('wiring/rate-events', () => {
  it('sets the bucket gauges, the bytes/s rate and counts rate-limit events and wait time', async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry, { defaultMetrics: false });
    const clock = new FakeClock();
    const rc = new RateControl({ rate: config.firehose.rate, rateLimit: config.rateLimit }, clock, new PauseControl(new FakeClock()), rateEvents(metrics, createEvents(metrics, silentLogger), silentLogger));
    await rc.admit(Array.from({ length: 150 }, () => 65_000));
    await clock.run(rc.admit([65_000]));
    sampleRateGauges(metrics, rc.state());
    const text = await registry.metrics();
    expect(text).to.match(/wsqc_rate_limiter_tokens\{bucket="size_class"\} 74/);
    expect(text).to.match(/wsqc_rate_limiter_utilization\{bucket="size_class"\} 0\.50666/);
    expect(text).to.match(/wsqc_rate_limit_events_total\{bucket="size_class"\} 1/);
    expect(text).to.match(/wsqc_rate_limiter_wait_seconds_total 1/);
    expect(text).to.match(/wsqc_rate_limiter_bytes_per_second 5242880/);
    rc.stop();
  });

  it('withThrottleSignal: a throttle code on the request or on any record is a throttling answer', () => {
    let throttles = 0;
    const observer = withThrottleSignal(nullObserver, () => (throttles += 1));
    observer.partialFailure(1, 10, { InternalFailure: 1 });
    observer.partialFailure(2, 10, { ServiceUnavailableException: 2 });
    observer.requestFailed(new FirehoseError('ServiceUnavailableException', 'slow down', true), 1, { records: 1, bytes: 1 }, 1);
    observer.requestFailed(new FirehoseError('InternalFailure', 'oops', true), 1, { records: 1, bytes: 1 }, 1);
    expect(throttles).to.equal(2);
  });
});
