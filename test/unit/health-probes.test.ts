import { expect } from 'chai';
import { Registry } from 'prom-client';
import { down, notCreatedYet, up, type Indicator } from '../../src/health/indicator';
import { workerPoolIndicator } from '../../src/health/worker-pool';
import type { PoolStats } from '../../src/pipeline/pool';
import { HealthProbes } from '../../src/health/probes';
import { createMetrics } from '../../src/metrics/catalog';
import { createOpsEvents } from '../../src/metrics/ops-events';
import { silentLogger } from '../../src/logging/types';
import { FakeClock, flush } from '../support/fakes';
import { seriesValue } from './metrics-helpers';

function counting(name: string, cacheMs: number, result = up({ n: 1 })): Indicator & { calls: number } {
  const i = { name, cacheMs, calls: 0, check: () => (i.calls++, result) };
  return i;
}

describe('health probes', () => {
  it('a group is UP only when every indicator is UP; /actuator/health shows all with the groups', async () => {
    const clock = new FakeClock(0);
    const probes = new HealthProbes({
      clock,
      groups: { liveness: [counting('a', 0)], readiness: [counting('b', 0, down({ reason: 'no stream' }))] },
    });
    expect((await probes.group('liveness')).status).to.equal('UP');
    const ready = await probes.group('readiness');
    expect(ready).to.deep.equal({ status: 'DOWN', components: { b: { status: 'DOWN', details: { reason: 'no stream' } } } });
    const all = await probes.all();
    expect(all.status).to.equal('DOWN');
    expect(Object.keys(all.components)).to.deep.equal(['a', 'b']);
    expect(all.groups).to.deep.equal(['liveness', 'readiness']);
  });

  it('caches each result for its cacheMs, so probes do not hammer remote checks', async () => {
    const clock = new FakeClock(0);
    const remote = counting('remote', 30_000);
    const probes = new HealthProbes({ clock, groups: { liveness: [], readiness: [remote] } });
    for (let i = 0; i < 5; i++) await probes.group('readiness');
    expect(remote.calls).to.equal(1);
    await clock.advance(29_999);
    await probes.group('readiness');
    expect(remote.calls).to.equal(1);
    await clock.advance(1);
    await probes.group('readiness');
    expect(remote.calls).to.equal(2);
  });

  it('an answer marked cacheable: false (a client not created yet) is not reused; the next probe checks again', async () => {
    const clock = new FakeClock(0);
    const created: { stats?: PoolStats } = {};
    const pool = workerPoolIndicator(() => created.stats, 30_000);
    const notYet = counting('remote', 30_000, notCreatedYet('Kafka admin client'));
    const probes = new HealthProbes({ clock, groups: { liveness: [pool], readiness: [notYet] } });
    expect((await probes.group('readiness')).components.remote.details).to.deep.equal({ reason: 'Kafka admin client not created yet (starting)' });
    await probes.group('readiness');
    expect(notYet.calls).to.equal(2);
    expect((await probes.group('liveness')).components.workerPool.details).to.deep.equal({ reason: 'pool not started yet' });
    created.stats = { threads: 0, queueSize: 0, inFlight: 0, completed: 0, utilization: 0, threadsStarted: 0 };
    expect((await probes.group('liveness')).components.workerPool.status, 'the pool created since is checked at once').to.equal('DOWN');
  });

  it('concurrent callers share one running check', async () => {
    const clock = new FakeClock(0);
    let calls = 0;
    let release!: () => void;
    const slow: Indicator = {
      name: 'slow',
      cacheMs: 0,
      check: () => {
        calls += 1;
        return new Promise((r) => (release = () => r(up())));
      },
    };
    const probes = new HealthProbes({ clock, groups: { liveness: [], readiness: [slow] } });
    const both = Promise.all([probes.group('readiness'), probes.group('readiness'), probes.all()]);
    await flush();
    release();
    const results = await both;
    expect(calls).to.equal(1);
    expect(results.map((r) => r.status)).to.deep.equal(['UP', 'UP', 'UP']);
  });

  it('a check that outlasts the timeout is DOWN and its signal aborts; one that throws is DOWN with the error', async () => {
    const clock = new FakeClock(0);
    let aborted = false;
    const hanging: Indicator = {
      name: 'hanging',
      cacheMs: 0,
      check: (signal) => new Promise(() => signal.addEventListener('abort', () => (aborted = true))),
    };
    const throwing: Indicator = {
      name: 'throwing',
      cacheMs: 0,
      check: () => {
        throw new TypeError('boom');
      },
    };
    const probes = new HealthProbes({ clock, timeoutMs: 5_000, groups: { liveness: [throwing], readiness: [hanging] } });
    const pending = probes.group('readiness');
    await flush();
    await clock.advance(5_000);
    const ready = await pending;
    expect(ready.components.hanging).to.deep.equal({ status: 'DOWN', details: { error: 'check timed out after 5000 ms' } });
    expect(aborted).to.equal(true);
    const live = await probes.group('liveness');
    expect(live.components.throwing.details).to.deep.equal({ error: 'boom', errorName: 'TypeError' });
  });

  it('sets wsqc_health_status{probe} and wsqc_health_indicator_status{indicator}', async () => {
    const registry = new Registry();
    const metrics = createMetrics(registry, { defaultMetrics: false });
    const ops = createOpsEvents(metrics, silentLogger);
    const clock = new FakeClock(0);
    const probes = new HealthProbes({ clock, gauges: ops.healthGauges, groups: { liveness: [counting('mem', 0)], readiness: [counting('fh', 0, down())] } });
    await probes.refresh();
    expect(await seriesValue(registry, 'wsqc_health_status', { probe: 'liveness' })).to.equal(1);
    expect(await seriesValue(registry, 'wsqc_health_status', { probe: 'readiness' })).to.equal(0);
    expect(await seriesValue(registry, 'wsqc_health_indicator_status', { indicator: 'mem' })).to.equal(1);
    expect(await seriesValue(registry, 'wsqc_health_indicator_status', { indicator: 'fh' })).to.equal(0);
  });
});
