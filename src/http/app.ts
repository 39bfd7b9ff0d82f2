/**
 * The admin HTTP app, built by a factory and tested in-process with supertest
 * (STYLE: "The HTTP app is built by a factory"). It serves Kubernetes probes,
 * Prometheus exposition, the original service's endpoints and an operator surface:
 *
 *   GET  /healthz/live, /actuator/health/liveness     200 | 503  liveness group (./health-routes.ts)
 *   GET  /healthz/ready, /actuator/health/readiness   200 | 503  readiness group
 *   GET  /actuator/health                             200 | 503  every indicator
 *   GET  /metrics                   200   Prometheus text exposition of the given registry
 *   GET  /api/metrics/kafka(/summary)     JSON counters, throughput, lag, pause (./ops-routes.ts)
 *   POST /api/metrics/kafka/reset   202   token required: resets the JSON counters only
 *   GET  /api/status                200   what the status page shows
 *   GET  /                          200   the live status page (./status-page.ts)
 *   GET  /admin/status              200   version, uptime, health, paused state
 *   GET  /admin/config              200   the configuration summary, already redacted by the caller
 *   POST /admin/pause, /admin/resume 202  token required (./auth.ts); 404 when no action is wired
 *
 * Mutating routes need the bearer token (http.adminToken); with none configured
 * they answer 403. Read-only routes are open: the port is meant for the
 * kubelet, Prometheus and `kubectl port-forward`, and must not be exposed by a
 * Service or Ingress. Responses never carry a stack trace or a secret (DESIGN invariant 8).
 */
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import type { Registry } from 'prom-client';
import type { Clock } from '../clock';
import type { HealthProbes } from '../health/probes';
import type { HealthState } from '../health/state';
import { silentLogger, type Logger } from '../logging/types';
import { requireAdminToken } from './auth';
import { healthRoutes } from './health-routes';
import { opsRoutes, type OpsProviders } from './ops-routes';
import { STATUS_PAGE_HTML } from './status-page';

export interface AdminInfo {
  version: string;
  /** Returns the effective configuration with every secret already replaced by '[REDACTED]'. */
  configSummary: () => object;
}

export interface AdminActions {
  pause?(): Promise<void>;
  resume?(): Promise<void>;
  /** Whether fetching is paused (by an operator or by backpressure); shown by /admin/status. */
  isPaused?(): boolean;
}

export interface AdminAppOptions {
  health: HealthState;
  registry: Registry;
  clock: Clock;
  info: AdminInfo;
  actions?: AdminActions;
  /** Read-only rate limiter snapshot (mode, buckets, AIMD rate, pause backoff); shown by /admin/status. */
  rateLimiterState?(): object;
  /** The indicators behind the probes (src/wiring/operations.ts builds them; health's own rules alone: src/health/state-indicators.ts). */
  probes: HealthProbes;
  /** Read-only sources for /api/metrics/kafka and the status page. */
  ops?: OpsProviders;
  /** Bearer token of the mutating routes; "" (default) disables them. */
  adminToken?: string;
  /** Audit lines of the mutating routes go here. */
  logger?: Logger;
  /** Called before each /metrics scrape, to sample gauges that are read on demand (pool, ...). */
  beforeScrape?(): void;
}

/** An HTTP status carried by an error (body-parser, malformed URI, ...), if it is a client error. */
function clientStatus(err: unknown): number | undefined {
  const status = (err as { status?: unknown; statusCode?: unknown } | null)?.status ??
    (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

export function createAdminApp(options: AdminAppOptions): express.Application {
  const { health, registry, clock, info, actions = {}, ops = {} } = options;
  const { probes } = options;
  const guard = requireAdminToken(options.adminToken ?? '', options.logger ?? silentLogger);
  const startedAt = clock.now();
  const about = (): Record<string, unknown> => ({ version: info.version, uptimeSeconds: Math.max(0, (clock.now() - startedAt) / 1000) });
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  // Probe and admin answers describe "now"; nothing in between may cache them.
  app.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  app.use(healthRoutes(probes));
  app.use(opsRoutes(ops, probes, guard, about));
  app.get('/', (_req, res) => void res.type('html').send(STATUS_PAGE_HTML));

  app.get('/metrics', async (_req, res) => {
    options.beforeScrape?.();
    const body = await registry.metrics();
    res.set('Content-Type', registry.contentType).send(body);
  });

  app.get('/admin/status', (_req, res) => {
    const now = clock.now();
    res.json({
      version: info.version,
      uptimeSeconds: Math.max(0, (now - startedAt) / 1000),
      paused: actions.isPaused ? actions.isPaused() : null,
      rateLimiter: options.rateLimiterState ? options.rateLimiterState() : null,
      health: {
        live: health.liveness(now),
        ready: health.readiness(now),
        indicators: health.snapshot(),
      },
    });
  });

  app.get('/admin/config', (_req, res) => {
    res.json(info.configSummary());
  });

  for (const action of ['pause', 'resume'] as const) {
    app.post(`/admin/${action}`, guard, async (_req, res) => {
      const run = actions[action];
      if (!run) {
        res.status(404).json({ error: 'not_found', message: `${action} is not available` });
        return;
      }
      await run.call(actions);
      res.status(202).json({ accepted: true, action });
    });
  }

  app.use((req: Request, res: Response) => {
    res.status(404).json({ error: 'not_found', message: `no route for ${req.method} ${req.path}` });
  });

  // Four parameters make this Express's error handler. The error itself is not
  // echoed: its message could name internals; the caller's logs have it.
  app.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const status = clientStatus(err);
    if (status !== undefined) {
      res.status(status).json({ error: 'bad_request' });
      return;
    }
    res.status(500).json({ error: 'internal_error' });
  });

  return app;
}

export { startAdminServer } from './server';
export type { AdminServer } from './server';
