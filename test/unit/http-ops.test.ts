import { expect } from 'chai';
import { Registry } from 'prom-client';
import request from 'supertest';
import { HealthState } from '../../src/health/state';
import { down, up } from '../../src/health/indicator';
import { HealthProbes } from '../../src/health/probes';
import { tokenMatches } from '../../src/http/auth';
import { createAdminApp, type AdminActions } from '../../src/http/app';
import { createMetrics } from '../../src/metrics/catalog';
import { createEvents } from '../../src/metrics/events';
import { KafkaStats } from '../../src/metrics/kafka-stats';
import { silentLogger } from '../../src/logging/types';
import { FakeClock } from '../support/fakes';
import { createRecordingLogger } from './metrics-helpers';

const TOKEN = 'a-long-enough-admin-token-42';

function build(opts: { token?: string; actions?: AdminActions; liveUp?: boolean } = {}) {
  const clock = new FakeClock(0);
  let wall = Date.UTC(2026, 11, 1, 12);
  const registry = new Registry();
  const metrics = createMetrics(registry, { defaultMetrics: false });
  const logger = createRecordingLogger();
  const stats = new KafkaStats(() => wall);
  let scrapes = 0;
  const probes = new HealthProbes({
    clock,
    groups: {
      liveness: [{ name: 'processMemory', cacheMs: 0, check: () => (opts.liveUp === false ? down({ reason: 'heap' }) : up({ heapUsedPercent: 12 })) }],
      readiness: [{ name: 'firehose', cacheMs: 0, check: () => down({ reason: 'DescribeDeliveryStream failed', error: 'Service Unavailable' }) }],
    },
  });
  const app = createAdminApp({
    health: new HealthState(clock),
    registry,
    clock,
    info: { version: '1.2.3', configSummary: () => ({}) },
    actions: opts.actions ?? { pause: async () => undefined, resume: async () => undefined },
    probes,
    adminToken: opts.token ?? TOKEN,
    logger,
    beforeScrape: () => void scrapes++,
    ops: {
      kafkaStats: () => stats.snapshot(),
      resetKafkaStats: () => stats.reset(),
      lag: () => [{ topic: 'scans', partition: 0, high: '120', committed: '100', lag: 20 }],
      pause: () => ({ paused: true, reasons: [{ reason: 'NETWORK', sinceMs: 0, heldMs: 1500 }] }),
      rateLimiterState: () => ({ mode: 'fixed' }),
      circuits: () => [{ name: 'firehose', state: 'open', sinceMs: 0, reason: 'ResourceNotFoundException' }],
    },
  });
  return { app, stats, logger, metrics, registry, advanceWall: (ms: number) => void (wall += ms), scrapes: () => scrapes };
}

describe('admin app: authentication of mutating routes', () => {
  const mutating = ['/admin/pause', '/admin/resume', '/api/metrics/kafka/reset'];

  for (const path of mutating) {
    it(`POST ${path}: 401 + WWW-Authenticate without a token or with a wrong one, 202 with the right one`, async () => {
      const { app } = build();
      const missing = await request(app).post(path).expect(401);
      expect(missing.headers['www-authenticate']).to.equal('Bearer realm="wsqc-admin"');
      const wrong = await request(app).post(path).set('Authorization', 'Bearer not-the-token').expect(401);
      expect(wrong.headers['www-authenticate']).to.equal('Bearer realm="wsqc-admin", error="invalid_token"');
      expect(wrong.body.error).to.equal('unauthorized');
      await request(app).post(path).set('Authorization', `Basic ${TOKEN}`).expect(401);
      await request(app).post(path).set('Authorization', `Bearer ${TOKEN}`).expect(202);
    });

    it(`POST ${path}: 403 saying how to enable it when no token is configured`, async () => {
      const { app } = build({ token: '' });
      const res = await request(app).post(path).set('Authorization', 'Bearer anything').expect(403);
      expect(res.body.message).to.match(/set http\.adminToken \(env HTTP_ADMIN_TOKEN, or HTTP_ADMIN_TOKEN_FILE/);
    });
  }

  it('every call is one audit line with route, outcome and remote address, never the token', async () => {
    const { app, logger } = build();
    await request(app).post('/admin/pause').set('Authorization', 'Bearer wrong-guess').expect(401);
    await request(app).post('/admin/pause').set('Authorization', `Bearer ${TOKEN}`).expect(202);
    await request(app).get('/api/metrics/kafka').expect(200);
    const audit = logger.entries.filter((e) => e.message === 'admin call');
    expect(audit).to.have.length(2);
    expect(audit.map((e) => [e.meta?.route, e.meta?.outcome, e.meta?.status])).to.deep.equal([
      ['/admin/pause', 'unauthorized', 401],
      ['/admin/pause', 'accepted', 202],
    ]);
    expect(String(audit[0].meta?.remote)).to.match(/127\.0\.0\.1/);
    const all = JSON.stringify(logger.entries);
    expect(all).not.to.include(TOKEN);
    expect(all).not.to.include('wrong-guess');
  });

  it('read-only routes need no token', async () => {
    const { app } = build({ token: '' });
    for (const path of ['/api/metrics/kafka', '/api/metrics/kafka/summary', '/api/status', '/', '/metrics']) await request(app).get(path).expect(200);
  });

  it('tokenMatches compares whole tokens of any length', () => {
    expect(tokenMatches(TOKEN, TOKEN)).to.equal(true);
    expect(tokenMatches(`${TOKEN}x`, TOKEN)).to.equal(false);
    expect(tokenMatches(TOKEN.slice(0, -1), TOKEN)).to.equal(false);
    expect(tokenMatches('', '')).to.equal(false);
  });
});

describe('admin app: Spring-style health routes', () => {
  it('liveness UP (200) while readiness is DOWN (503) with its reason; /actuator/health is DOWN with every component', async () => {
    const { app } = build();
    const live = await request(app).get('/actuator/health/liveness').expect(200);
    expect(live.body).to.deep.equal({ status: 'UP', components: { processMemory: { status: 'UP', details: { heapUsedPercent: 12 } } } });
    const ready = await request(app).get('/actuator/health/readiness').expect(503);
    expect(ready.body.components.firehose.details.reason).to.equal('DescribeDeliveryStream failed');
    const all = await request(app).get('/actuator/health').expect(503);
    expect(Object.keys(all.body.components)).to.deep.equal(['processMemory', 'firehose']);
    // the Kubernetes spellings answer the same
    expect((await request(app).get('/healthz/live').expect(200)).body).to.deep.equal(live.body);
    await request(app).get('/healthz/ready').expect(503);
  });

  it('liveness DOWN is 503', async () => {
    const { app } = build({ liveUp: false });
    await request(app).get('/actuator/health/liveness').expect(503);
  });
});

describe('admin app: /api/metrics/kafka', () => {
  it('reports counters, throughput, rate-limiter and pause state, per-partition lag, last dead letters', async () => {
    const { app, stats, advanceWall } = build();
    stats.consumed(10, 500_000);
    stats.delivered(8, 400_000);
    stats.failed(1);
    stats.deadLettered({ topic: 'scans', partition: 2, offset: '17', code: 'INVALID_JSON', reason: 'Unexpected token' });
    advanceWall(1_000);
    const body = (await request(app).get('/api/metrics/kafka').expect(200)).body;
    expect(body).to.include({ consumed: 10, delivered: 8, deadLettered: 1, failed: 1, consumedBytes: 500_000 });
    expect(body.throughput).to.deep.equal({ windowSeconds: 10, messagesInPerSecond: 1, messagesOutPerSecond: 0.8, mbInPerSecond: 0.05, mbOutPerSecond: 0.04 });
    expect(body.rateLimiter).to.deep.equal({ mode: 'fixed' });
    expect(body.pause.paused).to.equal(true);
    expect(body.lag).to.deep.equal({ total: 20, partitions: [{ topic: 'scans', partition: 0, high: '120', committed: '100', lag: 20 }] });
    expect(body.lastDeadLetters[0]).to.include({ topic: 'scans', partition: 2, offset: '17', code: 'INVALID_JSON' });
    const summary = (await request(app).get('/api/metrics/kafka/summary').expect(200)).body;
    expect(summary).to.deep.equal({ consumed: 10, delivered: 8, deadLettered: 1, failed: 1, messagesPerSecond: 0.8, lag: 20, paused: true });
  });

  it('reset clears the JSON counters only; the Prometheus counters stay monotonic', async () => {
    const { app, stats, metrics } = build();
    createEvents(metrics, silentLogger).messagesConsumed('scans', 0, 7, 700);
    stats.consumed(7, 700);
    await request(app).post('/api/metrics/kafka/reset').set('Authorization', `Bearer ${TOKEN}`).expect(202);
    const body = (await request(app).get('/api/metrics/kafka').expect(200)).body;
    expect(body.consumed).to.equal(0);
    expect(body.lastDeadLetters).to.deep.equal([]);
    const text = (await request(app).get('/metrics').expect(200)).text;
    expect(text).to.match(/^wsqc_messages_consumed_total\{topic="scans"\} 7$/m);
  });

  it('/metrics samples on-demand gauges before each scrape', async () => {
    const { app, scrapes } = build();
    await request(app).get('/metrics').expect(200);
    await request(app).get('/metrics').expect(200);
    expect(scrapes()).to.equal(2);
  });
});

describe('admin app: status page', () => {
  it('GET / is one self-contained HTML page that polls api/status; GET /api/status has what it shows', async () => {
    const { app } = build();
    const page = await request(app).get('/').expect(200).expect('Content-Type', /html/);
    expect(page.text).to.include("fetch('api/status'");
    expect(page.text).not.to.match(/<script[^>]+src=|<link[^>]+href=|https?:\/\//);
    expect(page.text).not.to.include('innerHTML');
    const status = (await request(app).get('/api/status').expect(200)).body;
    expect(status.version).to.equal('1.2.3');
    expect(status.kafka.lag.total).to.equal(20);
    expect(status.circuits[0]).to.include({ name: 'firehose', state: 'open' });
    expect(status.health.status).to.equal('DOWN');
  });
});
