import { expect } from 'chai';
import { ActivityWatch } from '../../src/health/activity';
import { EXPIRY_WARNING_DAYS, certificateIndicator, evaluateCertificates, judgeCertificate, type CertInfo } from '../../src/health/certificates';
import { evaluateConsumerGroup } from '../../src/health/consumer-group';
import { judgeEventLoop, type DelayHistogram } from '../../src/health/event-loop';
import { firehoseIndicator } from '../../src/health/firehose';
import { MemoryWatch } from '../../src/health/memory';
import { HealthState } from '../../src/health/state';
import { evaluateTopics, topicAccessIndicator } from '../../src/health/topic-access';
import { workerPoolIndicator } from '../../src/health/worker-pool';
import { FakeClock } from '../support/fakes';
import { createRecordingLogger } from './metrics-helpers';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 1);
const signal = new AbortController().signal;

function cert(daysLeft: number, over: Partial<CertInfo> = {}): CertInfo {
  return { store: 'keystore', subject: 'CN=client', fingerprint: `fp-${daysLeft}`, notBeforeMs: NOW - 365 * DAY, notAfterMs: NOW + daysLeft * DAY, ...over };
}

describe('health indicator: sslCertificate', () => {
  const table: Array<[number, string, number | undefined]> = [
    [31, 'valid', undefined],
    [30, 'expiring', 30],
    [16, 'expiring', 30],
    [15, 'expiring', 15],
    [8, 'expiring', 15],
    [7, 'expiring', 7],
    [0.5, 'expiring', 7],
    [-1, 'expired', undefined],
  ];
  for (const [days, state, warning] of table) {
    it(`${days} days left → ${state}${warning ? ` (≤ ${warning} days)` : ''}`, () => {
      const v = judgeCertificate(cert(days), NOW);
      expect(v.state).to.equal(state);
      expect(v.warningDays).to.equal(warning);
    });
  }

  it('thresholds are the original 30 / 15 / 7 days', () => {
    expect(EXPIRY_WARNING_DAYS).to.deep.equal([30, 15, 7]);
  });

  it('UP beyond 30 days, UP with a warning and the days left within, DOWN when expired or not yet valid', () => {
    expect(evaluateCertificates([cert(400), cert(3000, { store: 'truststore' })], NOW).result.status).to.equal('UP');
    const soon = evaluateCertificates([cert(400), cert(12, { subject: 'CN=ca' })], NOW).result;
    expect(soon.status).to.equal('UP');
    expect(soon.details.warning).to.equal('keystore "CN=ca" expires in 12 days');
    expect(soon.details.minDaysLeft).to.equal(12);
    const expired = evaluateCertificates([cert(400), cert(-2, { store: 'truststore', subject: 'CN=old-ca' })], NOW).result;
    expect(expired.status).to.equal('DOWN');
    expect(expired.details.reason).to.match(/^truststore "CN=old-ca" expired/);
    const future = evaluateCertificates([cert(400, { notBeforeMs: NOW + DAY })], NOW).result;
    expect(future.status).to.equal('DOWN');
    expect(future.details.reason).to.match(/not-yet-valid/);
    expect(evaluateCertificates([], NOW).result.status).to.equal('DOWN');
  });

  it('logs each threshold once per certificate, as distinct events; re-reads the stores after rereadMs', async () => {
    const clock = new FakeClock(0);
    let wall = NOW;
    let reads = 0;
    const logger = createRecordingLogger();
    const gauge: Array<[string, string, number]> = [];
    const c = cert(31);
    const indicator = certificateIndicator({
      read: () => {
        reads += 1;
        return [c];
      },
      wallNow: () => wall,
      now: () => clock.now(),
      rereadMs: 3_600_000,
      logger,
      expiryDays: (store, subject, days) => gauge.push([store, subject, days]),
    });
    const messages = (): string[] => logger.entries.map((e) => e.message);
    expect((indicator.check(signal) as { status: string }).status).to.equal('UP');
    expect(messages()).to.deep.equal([]);
    for (const daysBefore of [30, 29, 15, 14, 7, 6]) {
      wall = c.notAfterMs - daysBefore * DAY;
      indicator.check(signal);
    }
    expect(messages()).to.deep.equal(['certificate expires within 30 days', 'certificate expires within 15 days', 'certificate expires within 7 days']);
    expect(logger.entries.every((e) => e.level === 'warn')).to.equal(true);
    wall = c.notAfterMs + DAY;
    expect((indicator.check(signal) as { status: string }).status).to.equal('DOWN');
    indicator.check(signal);
    expect(messages().filter((m) => m === 'certificate expired')).to.have.length(1);
    expect(gauge.at(-1)).to.deep.equal(['keystore', 'CN=client', -1]);
    expect(reads).to.equal(1);
    await clock.advance(3_600_000);
    indicator.check(signal);
    expect(reads, 'a rotated keystore is noticed').to.equal(2);
  });

  it('a store that cannot be read on a re-read is DOWN with the loader error', async () => {
    const clock = new FakeClock(0);
    let fail = false;
    const indicator = certificateIndicator({
      read: () => {
        if (fail) throw Object.assign(new Error('cannot read keystore /certs/k.p12: no such file (ENOENT)'), { code: 'TLS_FILE_UNREADABLE' });
        return [cert(400)];
      },
      wallNow: () => NOW,
      now: () => clock.now(),
      rereadMs: 1_000,
      logger: createRecordingLogger(),
    });
    expect((indicator.check(signal) as { status: string }).status).to.equal('UP');
    fail = true;
    await clock.advance(1_000);
    const r = indicator.check(signal) as { status: string; details: Record<string, unknown> };
    expect(r.status).to.equal('DOWN');
    expect(r.details.code).to.equal('TLS_FILE_UNREADABLE');
  });
});

describe('health indicator: processMemory', () => {
  const heap = (percent: number) => ({ used_heap_size: percent * 10_000_000, heap_size_limit: 1_000_000_000 });

  it('DOWN only after the heap stays above the threshold for the whole window', () => {
    const w = new MemoryWatch({ thresholdPercent: 90, windowMs: 60_000 });
    expect(w.judge(heap(50), 0).status).to.equal('UP');
    const first = w.judge(heap(95), 1_000);
    expect(first.status).to.equal('UP');
    expect(first.details.heapUsedPercent).to.equal(95);
    expect(first.details.warning).to.match(/above 90 %/);
    expect(w.judge(heap(96), 60_999).status).to.equal('UP');
    const down = w.judge(heap(96), 61_000);
    expect(down.status).to.equal('DOWN');
    expect(down.details.reason).to.equal('heap above 90 % for 60 s');
  });

  it('a dip below the threshold restarts the window', () => {
    const w = new MemoryWatch({ thresholdPercent: 90, windowMs: 10_000 });
    w.judge(heap(95), 0);
    w.judge(heap(80), 9_000);
    expect(w.judge(heap(95), 12_000).status).to.equal('UP');
    expect(w.judge(heap(95), 22_000).status).to.equal('DOWN');
  });
});

describe('health indicator: messageConsumptionActivity', () => {
  const rule = { activityTimeoutMs: 300_000, stuckAfterMs: 600_000 };
  const running = { pausedFor: [], stateChecks: { fatal: { ok: true, detail: 'no fatal error' } } };

  it('DOWN after five minutes without a poll or heartbeat', () => {
    const w = new ActivityWatch(rule, 0);
    expect(w.judge(300_000, running).status).to.equal('UP');
    const down = w.judge(300_001, running);
    expect(down.status).to.equal('DOWN');
    expect(down.details.reason).to.equal('no poll or heartbeat for 300 s');
    w.polled(300_001);
    expect(w.judge(300_002, running).status).to.equal('UP');
  });

  it('stuck = lag above zero and no committed progress for stuckAfterMs; nothing to read is not stuck', () => {
    const w = new ActivityWatch(rule, 0);
    w.lagSampled(0, 0);
    for (let t = 0; t <= 1_200_000; t += 60_000) w.polled(t);
    expect(w.judge(1_200_000, running).details.reason).to.equal('nothing to read');
    w.lagSampled(500, 1_200_000);
    w.polled(1_800_000);
    expect(w.judge(1_800_000, running).status).to.equal('UP');
    w.polled(1_800_001);
    const stuck = w.judge(1_800_001, running);
    expect(stuck.status).to.equal('DOWN');
    expect(stuck.details.reason).to.match(/^stuck: lag 500 and no committed progress for 600 s/);
    w.committed(1_800_002);
    expect(w.judge(1_800_002, running).status).to.equal('UP');
  });

  it('a paused consumer (Firehose outage, rate limit, operator) is waiting, not stuck', () => {
    const w = new ActivityWatch(rule, 0);
    w.lagSampled(10_000, 0);
    w.polled(3_600_000);
    const paused = w.judge(3_600_000, { ...running, pausedFor: ['NETWORK'] });
    expect(paused.status).to.equal('UP');
    expect(paused.details.reason).to.equal('paused (NETWORK); waiting is not stuck');
  });

  it('HealthState rules (fatal, stalled pending work) turn it DOWN with their detail', async () => {
    const clock = new FakeClock(0);
    const h = new HealthState(clock, { stallTimeoutMs: 1_000 });
    const w = new ActivityWatch(rule, 0);
    h.setInflightUnits(1);
    await clock.advance(1_001);
    const r = w.judge(1_001, { pausedFor: [], stateChecks: h.liveness().checks });
    expect(r.status).to.equal('DOWN');
    expect(r.details.reason).to.match(/^stalled/);
  });
});

describe('health indicator: kafkaConsumerGroup', () => {
  const clock = new FakeClock(0);
  const source = (h: HealthState, assignment: Record<string, number[]> | null) => ({ groupId: 'g', state: () => h.snapshot(), assignment: () => assignment });

  it('DOWN before joining, UP with partitions, UP idle when the group has more members than partitions', () => {
    const h = new HealthState(clock);
    expect(evaluateConsumerGroup(source(h, null)).details.reason).to.equal('not connected to Kafka');
    h.consumerConnected();
    expect(evaluateConsumerGroup(source(h, null)).details.reason).to.equal('joining the consumer group');
    h.joinedGroup();
    const up = evaluateConsumerGroup(source(h, { t: [0, 1] }));
    expect(up.status).to.equal('UP');
    expect(up.details.assignedPartitions).to.equal(2);
    const idle = evaluateConsumerGroup(source(h, { t: [] }));
    expect(idle.status).to.equal('UP');
    expect(idle.details.reason).to.match(/more members than partitions/);
  });

  it('DOWN while rebalancing, shutting down or after a crash without restart', () => {
    const h = new HealthState(clock);
    h.joinedGroup();
    h.rebalancing();
    expect(evaluateConsumerGroup(source(h, { t: [0] })).details.reason).to.match(/^rebalancing/);
    h.joinedGroup();
    h.consumerCrashed(new Error('broker gone'), false);
    const crashed = evaluateConsumerGroup(source(h, { t: [0] }));
    expect(crashed.status).to.equal('DOWN');
    expect(crashed.details.reason).to.equal('consumer stopped: Error: broker gone');
  });
});

describe('health indicator: kafkaTopicAccessibility', () => {
  it('UP when every topic exists and every partition has a leader; DOWN names what is wrong', () => {
    const meta = (leaders: number[]) => ({ topics: [{ name: 'scans', partitions: leaders.map((leader, partitionId) => ({ partitionId, leader })) }] });
    expect(evaluateTopics(['scans'], meta([1, 2])).status).to.equal('UP');
    const leaderless = evaluateTopics(['scans'], meta([1, -1, -1]));
    expect(leaderless.status).to.equal('DOWN');
    expect(leaderless.details.reason).to.equal('scans: partition(s) 1, 2 without a leader');
    expect(evaluateTopics(['scans', 'scans.dlq'], meta([1])).details.reason).to.equal('scans.dlq: missing');
  });

  it('a metadata error (unknown topic, denied) is DOWN with its name', async () => {
    const err = Object.assign(new Error('This server does not host this topic-partition'), { name: 'KafkaJSProtocolError', type: 'UNKNOWN_TOPIC_OR_PARTITION' });
    const indicator = topicAccessIndicator({ fetchTopicMetadata: () => Promise.reject(err) }, ['scans']);
    const r = await indicator.check(signal);
    expect(r.status).to.equal('DOWN');
    expect(r.details).to.include({ errorName: 'KafkaJSProtocolError', reason: 'cannot describe the topics' });
  });
});

describe('health indicator: firehose', () => {
  it('UP when ACTIVE; DOWN when not ACTIVE, when the describe fails, or when the circuit is open', async () => {
    let status = 'ACTIVE';
    const fault: { error?: Error } = {};
    let circuit: 'closed' | 'open' = 'closed';
    const indicator = firehoseIndicator({
      streamName: 's',
      describe: async () => {
        if (fault.error) throw fault.error;
        return { status };
      },
      circuit: () => ({ name: 'firehose', state: circuit, sinceMs: 0, reason: 'ResourceNotFoundException' }),
    }, new FakeClock(0), 0);
    expect((await indicator.check(signal)).status).to.equal('UP');
    status = 'CREATING';
    expect((await indicator.check(signal)).details.reason).to.equal('stream is CREATING, not ACTIVE');
    status = 'ACTIVE';
    circuit = 'open';
    expect((await indicator.check(signal)).details.reason).to.equal('circuit open: ResourceNotFoundException');
    fault.error = Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailableException' });
    const r = await indicator.check(signal);
    expect(r.status).to.equal('DOWN');
    expect(r.details).to.include({ reason: 'DescribeDeliveryStream failed', errorName: 'ServiceUnavailableException' });
  });
});

describe('health indicator: firehose during an outage', () => {
  it('DOWN while fetching is paused for NETWORK or DOWNSTREAM_ERROR even when the stream is ACTIVE; throttling is UP with a warning', async () => {
    let paused: string[] = [];
    const indicator = firehoseIndicator({ streamName: 's', describe: async () => ({ status: 'ACTIVE' }), pausedFor: () => paused }, new FakeClock(0));
    paused = ['NETWORK'];
    const out = await indicator.check(signal);
    expect(out.status).to.equal('DOWN');
    expect(out.details.reason).to.match(/PutRecordBatch is failing: fetching paused \(NETWORK\)/);
    paused = ['BUFFER_FULL', 'MANUAL'];
    const slow = await indicator.check(signal);
    expect(slow.status).to.equal('UP');
    expect(slow.details.warning).to.match(/throttling/);
    paused = ['MANUAL'];
    expect((await indicator.check(signal)).details).to.not.have.property('warning');
  });
});

describe('health indicators: event loop and worker pool', () => {
  it('event loop: DOWN when p99 delay is above the limit; each read resets the histogram', () => {
    let resets = 0;
    const h = (p99Ms: number): DelayHistogram => ({ percentile: () => p99Ms * 1e6, max: p99Ms * 2e6, mean: 1e6, reset: () => void resets++ });
    expect(judgeEventLoop(h(20), 2_000).status).to.equal('UP');
    const down = judgeEventLoop(h(2_500), 2_000);
    expect(down.status).to.equal('DOWN');
    expect(down.details).to.include({ p99DelayMs: 2_500, maxDelayMs: 5_000 });
    expect(resets).to.equal(2);
  });

  it('worker pool: UP with threads, DOWN with none, UP before it exists', () => {
    const stats = { threads: 2, queueSize: 3, inFlight: 5, completed: 9, utilization: 0.4, threadsStarted: 2 };
    let current: typeof stats | undefined;
    const indicator = workerPoolIndicator(() => current);
    expect((indicator.check(signal) as { status: string }).status).to.equal('UP');
    current = stats;
    expect(indicator.check(signal)).to.deep.include({ status: 'UP' });
    current = { ...stats, threads: 0 };
    expect((indicator.check(signal) as { status: string }).status).to.equal('DOWN');
  });
});
