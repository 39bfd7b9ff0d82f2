import { expect } from 'chai';
import http from 'node:http';
import { Registry } from 'prom-client';
import request from 'supertest';
import type { Clock } from '../../src/clock';
import { HealthProbes } from '../../src/health/probes';
import { HealthState } from '../../src/health/state';
import { stateIndicators } from '../../src/health/state-indicators';
import { createAdminApp, startAdminServer } from '../../src/http/app';
import type { AdminActions } from '../../src/http/app';
import { createMetrics } from '../../src/metrics/catalog';
import { createEvents } from '../../src/metrics/events';
import { silentLogger } from '../../src/logging/types';

const RAW_SECRET = 'hunter2-keystore-password';

function manualClock(start = 0): Clock & { advance(ms: number): void } {
  let t = start;
  return { now: () => t, sleep: () => Promise.resolve(), advance: (ms) => void (t += ms) };
}

const TOKEN = 'test-admin-token-0123456789';
const auth = { Authorization: `Bearer ${TOKEN}` };

function build(actions?: AdminActions) {
  const clock = manualClock(10_000);
  const health = new HealthState(clock, { stallTimeoutMs: 1_000 });
  const registry = new Registry();
  const metrics = createMetrics(registry, { defaultMetrics: false, version: '0.1.0' });
  const configSummary = () => ({
    kafka: { brokers: ['kafka:9093'], ssl: { keystorePassword: '[REDACTED]' } },
    firehose: { streamName: 'wifi-scans' },
  });
  const probes = new HealthProbes({ clock, groups: stateIndicators(health, clock) });
  const app = createAdminApp({ health, registry, clock, info: { version: '0.1.0', configSummary }, actions, probes, adminToken: TOKEN });
  return { app, clock, health, registry, metrics };
}

describe('admin app: probes', () => {
  it('GET /healthz/ready is 503 before the group is joined, 200 after', async () => {
    const { app, health } = build();
    const before = await request(app).get('/healthz/ready').expect(503).expect('Content-Type', /json/);
    expect(before.body.status).to.equal('DOWN');
    expect(before.body.components.lifecycle.status).to.equal('DOWN');
    expect(before.body.components.lifecycle.details.kafkaConnected).to.equal('not connected to Kafka');
    health.consumerConnected();
    health.joinedGroup();
    const after = await request(app).get('/healthz/ready').expect(200);
    expect(after.body.status).to.equal('UP');
  });

  it('GET /healthz/ready is 503 while shutting down', async () => {
    const { app, health } = build();
    health.joinedGroup();
    health.beginShutdown();
    await request(app).get('/healthz/ready').expect(503);
  });

  it('GET /healthz/live is 200, then 503 on a stall and on a fatal error', async () => {
    const { app, health, clock } = build();
    const ok = await request(app).get('/healthz/live').expect(200);
    expect(ok.body).to.have.nested.property('components.lifecycle.status', 'UP');
    health.setInflightUnits(1);
    clock.advance(1_001);
    const stalled = await request(app).get('/healthz/live').expect(503);
    expect(stalled.body.components.lifecycle.details.reason).to.match(/^stalled: 1 unit\(s\) pending/);
    health.setInflightUnits(0);
    await request(app).get('/healthz/live').expect(200);
    health.fatal(new Error('gone'));
    await request(app).get('/healthz/live').expect(503);
  });

  it('sets Cache-Control: no-store and hides x-powered-by', async () => {
    const { app } = build();
    const res = await request(app).get('/healthz/live');
    expect(res.headers['cache-control']).to.equal('no-store');
    expect(res.headers).not.to.have.property('x-powered-by');
  });
});

describe('admin app: metrics', () => {
  it('GET /metrics serves the registry in Prometheus text format', async () => {
    const { app, metrics, registry } = build();
    createEvents(metrics, silentLogger).messagesConsumed('wifi-scans', 0, 3, 1000);
    const res = await request(app).get('/metrics').expect(200);
    expect(res.headers['content-type']).to.equal(registry.contentType);
    expect(res.text).to.contain('# TYPE wsqc_messages_consumed_total counter');
    expect(res.text).to.contain('wsqc_messages_consumed_total{topic="wifi-scans"} 3');
    expect(res.text).to.contain('wsqc_build_info{version="0.1.0"} 1');
  });

  it('a failing registry gives 500 JSON without a stack', async () => {
    const { app, registry } = build();
    registry.metrics = () => Promise.reject(new Error(`secret ${RAW_SECRET} in an error`));
    const res = await request(app).get('/metrics').expect(500).expect('Content-Type', /json/);
    expect(res.body).to.deep.equal({ error: 'internal_error' });
    expect(res.text).not.to.contain(RAW_SECRET);
    expect(res.text).not.to.contain('at ');
  });
});

describe('admin app: admin routes', () => {
  it('GET /admin/status reports version, uptime, health and paused state', async () => {
    const { app, clock, health } = build({ isPaused: () => true });
    health.joinedGroup();
    clock.advance(2_500);
    const res = await request(app).get('/admin/status').expect(200);
    expect(res.body.version).to.equal('0.1.0');
    expect(res.body.uptimeSeconds).to.equal(2.5);
    expect(res.body.paused).to.equal(true);
    expect(res.body.health.ready.ok).to.equal(true);
    expect(res.body.health.live.ok).to.equal(true);
    expect(res.body.health.indicators.groupJoined).to.equal(true);
  });

  it('GET /admin/status says paused: null when the state is unknown', async () => {
    const { app } = build();
    const res = await request(app).get('/admin/status').expect(200);
    expect(res.body.paused).to.equal(null);
  });

  it('GET /admin/config returns the redacted summary and never a raw secret', async () => {
    const { app } = build();
    const res = await request(app).get('/admin/config').expect(200).expect('Content-Type', /json/);
    expect(res.body.kafka.ssl.keystorePassword).to.equal('[REDACTED]');
    expect(res.text).not.to.contain(RAW_SECRET);
  });

  it('POST /admin/pause and /admin/resume call the actions and answer 202', async () => {
    const calls: string[] = [];
    const { app } = build({
      pause: async () => void calls.push('pause'),
      resume: async () => void calls.push('resume'),
    });
    const paused = await request(app).post('/admin/pause').set(auth).expect(202);
    expect(paused.body).to.deep.equal({ accepted: true, action: 'pause' });
    await request(app).post('/admin/resume').set(auth).expect(202);
    expect(calls).to.deep.equal(['pause', 'resume']);
  });

  it('POST /admin/pause is 404 when no action is provided', async () => {
    const { app } = build();
    await request(app).post('/admin/pause').set(auth).expect(404).expect('Content-Type', /json/);
    await request(app).post('/admin/resume').set(auth).expect(404);
  });

  it('a failing action gives 500 JSON without the error text', async () => {
    const { app } = build({ pause: () => Promise.reject(new Error(`cannot pause: ${RAW_SECRET}`)) });
    const res = await request(app).post('/admin/pause').set(auth).expect(500);
    expect(res.body).to.deep.equal({ error: 'internal_error' });
    expect(res.text).not.to.contain(RAW_SECRET);
  });

  it('a failing config summary gives 500 JSON', async () => {
    const clock = manualClock();
    const health = new HealthState(clock);
    const app = createAdminApp({
      health,
      probes: new HealthProbes({ clock, groups: stateIndicators(health, clock) }),
      registry: new Registry(),
      clock,
      info: {
        version: 'x',
        configSummary: () => {
          throw new Error('boom');
        },
      },
    });
    const res = await request(app).get('/admin/config').expect(500);
    expect(res.body).to.deep.equal({ error: 'internal_error' });
  });
});

describe('admin app: unknown routes', () => {
  const cases: Array<[string, string]> = [
    ['get', '/nope'],
    ['get', '/admin'],
    ['post', '/metrics'],
    ['delete', '/healthz/live'],
    ['get', '/admin/pause'],
  ];
  for (const [method, path] of cases) {
    it(`${method.toUpperCase()} ${path} is 404 JSON`, async () => {
      const { app } = build();
      const agent = request(app) as unknown as Record<string, (p: string) => request.Test>;
      const res = await agent[method](path)
        .expect(404)
        .expect('Content-Type', /json/);
      expect(res.body.error).to.equal('not_found');
    });
  }
});

describe('startAdminServer', () => {
  it('listens on the given host, reports the port and closes', async () => {
    const { app } = build();
    const server = await startAdminServer(app, { host: '127.0.0.1', port: 0 });
    try {
      expect(server.port).to.be.greaterThan(0);
      const status = await new Promise<number>((resolve, reject) => {
        http.get({ host: '127.0.0.1', port: server.port, path: '/healthz/live' }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on('error', reject);
      });
      expect(status).to.equal(200);
    } finally {
      await server.close();
    }
  });

  it('rejects when the port is taken', async () => {
    const { app } = build();
    const first = await startAdminServer(app, { host: '127.0.0.1', port: 0 });
    try {
      let error: unknown;
      await startAdminServer(app, { host: '127.0.0.1', port: first.port }).catch((err: unknown) => {
        error = err;
      });
      expect((error as NodeJS.ErrnoException | undefined)?.code).to.equal('EADDRINUSE');
    } finally {
      await first.close();
    }
  });
});
