import { expect } from 'chai';
import { Registry } from 'prom-client';
import { loadConfig } from '../../src/config';
import { FirehoseError } from '../../src/errors';
import { PauseControl } from '../../src/flow/pause-control';
import { RateControl, type RateControlEvents } from '../../src/flow/rate-control';
import { silentLogger } from '../../src/logging/types';
import { createEvents, createMetrics } from '../../src/metrics';
import { rateEvents, sampleRateGauges, withThrottleSignal } from '../../src/metrics/rate-events';
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
    resumed: (ms, held) => log.push(`resumed ${ms} after ${held}`),
    rateCut: (from, to) => log.push(`cut ${from}->${to}`),
  };
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

describe('metrics/rate-events', () => {
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
