import { expect } from 'chai';
import { Registry } from 'prom-client';
import { createMetrics } from '../../src/metrics/catalog';
import { KafkaStats } from '../../src/metrics/kafka-stats';
import { LagSampler, type LagPort } from '../../src/metrics/lag-sampler';
import { commonName, createOpsEvents } from '../../src/metrics/ops-events';
import { dispatchObserver } from '../../src/wiring/dispatch-observer';
import { createEvents } from '../../src/metrics/events';
import { OutageFlag } from '../../src/flow/outage';
import { HealthState } from '../../src/health/state';
import { FirehoseError } from '../../src/errors';
import { silentLogger } from '../../src/logging/types';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { createOperations } from '../../src/wiring/operations';
import { FakeClock } from '../support/fakes';
import { seriesValue } from './metrics-helpers';

function setup() {
  const registry = new Registry();
  const metrics = createMetrics(registry, { defaultMetrics: false });
  return { registry, metrics, ops: createOpsEvents(metrics, silentLogger) };
}

describe('kafka stats (the /api/metrics/kafka counters)', () => {
  it('throughput is the mean over the last full seconds of the window; old seconds drop out', () => {
    let wall = 1_000_000;
    const s = new KafkaStats(() => wall, 10);
    for (let i = 0; i < 10; i++) {
      s.consumed(5, 5_000_000);
      s.delivered(4, 4_000_000);
      wall += 1_000;
    }
    expect(s.snapshot().throughput).to.deep.equal({ windowSeconds: 10, messagesInPerSecond: 5, messagesOutPerSecond: 4, mbInPerSecond: 5, mbOutPerSecond: 4 });
    wall += 5_000;
    expect(s.snapshot().throughput.messagesInPerSecond).to.equal(2.5);
    wall += 10_000;
    expect(s.snapshot().throughput.messagesInPerSecond).to.equal(0);
    expect(s.snapshot().totals.consumed).to.equal(50);
  });

  it('keeps the last N dead letters, newest first, reason cut to 200 characters', () => {
    const s = new KafkaStats(() => 0, 10, 3);
    for (let i = 0; i < 5; i++) s.deadLettered({ topic: 't', partition: 0, offset: String(i), code: 'C', reason: 'x'.repeat(300) });
    const letters = s.snapshot().lastDeadLetters;
    expect(letters.map((l) => l.offset)).to.deep.equal(['4', '3', '2']);
    expect(letters[0].reason).to.have.length(200);
    expect(s.snapshot().totals.deadLettered).to.equal(5);
  });
});

describe('consumer lag sampler', () => {
  it('lag = high watermark - committed for this member\'s partitions only; a moved partition leaves the gauge', async () => {
    const { registry, metrics } = setup();
    const port: LagPort = {
      fetchTopicOffsets: async () => [
        { partition: 0, high: '100', low: '0' },
        { partition: 1, high: '50', low: '10' },
        { partition: 2, high: '70', low: '0' },
      ],
      fetchOffsets: async () => [{ topic: 'scans', partitions: [{ partition: 0, offset: '90' }, { partition: 1, offset: '-1' }, { partition: 2, offset: '70' }] }],
    };
    const sampler = new LagSampler(port, 'g', metrics.consumerLag);
    const lags = await sampler.sample({ scans: [0, 1] });
    expect(lags.map((l) => [l.partition, l.lag])).to.deep.equal([[0, 10], [1, 40]]);
    expect(sampler.total).to.equal(50);
    expect(await seriesValue(registry, 'wsqc_consumer_lag_messages', { topic: 'scans', partition: '1' })).to.equal(40);
    await sampler.sample({ scans: [2] });
    expect(await seriesValue(registry, 'wsqc_consumer_lag_messages', { topic: 'scans', partition: '0' })).to.equal(undefined);
    expect(await seriesValue(registry, 'wsqc_consumer_lag_messages', { topic: 'scans', partition: '2' })).to.equal(0);
  });
});

describe('operations metrics', () => {
  it('poll processing, pool gauges, end-to-end latency', async () => {
    const { registry, ops } = setup();
    ops.pollProcessed(0.3);
    ops.poolSampled({ threads: 2, queueSize: 4, inFlight: 6, completed: 1, utilization: 0.75, threadsStarted: 2 });
    ops.acknowledged([10_000, 12_000, 13_000], 13_500);
    expect(await seriesValue(registry, 'wsqc_poll_processing_seconds_count')).to.equal(1);
    expect(await seriesValue(registry, 'wsqc_worker_pool_utilization')).to.equal(0.75);
    expect(await seriesValue(registry, 'wsqc_worker_pool_queue_depth')).to.equal(4);
    expect(await seriesValue(registry, 'wsqc_end_to_end_latency_seconds_count')).to.equal(3);
    expect(await seriesValue(registry, 'wsqc_end_to_end_latency_seconds_sum')).to.equal(3.5 + 1.5 + 0.5);
  });

  it('certificate expiry by CN; duplicates by cause', async () => {
    const { registry, ops } = setup();
    ops.certificateExpiry('keystore', 'CN=wifi-scan-queue-consumer, O=acme', 12.5);
    expect(await seriesValue(registry, 'wsqc_certificate_expiry_days', { store: 'keystore', subject: 'wifi-scan-queue-consumer' })).to.equal(12.5);
    expect(commonName('O=acme')).to.equal('O=acme');
    ops.duplicatesResent('rebalance', 150);
    ops.duplicatesResent('rebalance', 0);
    expect(await seriesValue(registry, 'wsqc_duplicates_resent_total', { cause: 'rebalance' })).to.equal(150);
  });

  it('a timed-out PutRecordBatch counts its records as possible duplicates (cause timeout); a 503 does not', async () => {
    const { registry, metrics } = setup();
    const clock = new FakeClock(0);
    const counted: Array<[string, number]> = [];
    const observer = dispatchObserver(createEvents(metrics, silentLogger), new HealthState(clock), new OutageFlag(clock), {
      onFirehoseRequestFailed: (code, records) => counted.push([code, records]),
    });
    observer.requestFailed(new FirehoseError('REQUEST_TIMEOUT', 'no response within 30000 ms', true), 1, { records: 40, bytes: 1 }, 30_000);
    observer.requestFailed(new FirehoseError('ServiceUnavailableException', 'slow down', true), 1, { records: 9, bytes: 1 }, 5);
    expect(counted).to.deep.equal([['REQUEST_TIMEOUT', 40], ['ServiceUnavailableException', 9]]);
    // the operations side counts only the timeouts
    const ops = createOperations({ config: loadConfig({ argv: [], env: {}, configDir: mkdtempSync(path.join(os.tmpdir(), 'wsqc-cfg-')) }), clock, health: new HealthState(clock), metrics, logger: silentLogger });
    for (const [code, records] of counted) ops.onFirehoseRequestFailed(code, records);
    expect(await seriesValue(registry, 'wsqc_duplicates_resent_total', { cause: 'timeout' })).to.equal(40);
  });
});
