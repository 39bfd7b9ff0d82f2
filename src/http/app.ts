/**
 * The admin HTTP app, built by a factory and tested in-process with supertest
 * (STYLE: "The HTTP app is built by a factory"). It serves Kubernetes probes,
 * Prometheus exposition and a small operator surface:
 *
 *   GET  /healthz/live    200 | 503  liveness report (rule: src/health/state.ts)
 *   GET  /healthz/ready   200 | 503  readiness report
 *   GET  /metrics         200        Prometheus text exposition of the given registry
 *   GET  /admin/status    200        version, uptime, health, paused state
 *   GET  /admin/config    200        the configuration summary, already redacted by the caller
 *   POST /admin/pause     202 | 404  pause fetching (404 when no action is wired)
 *   POST /admin/resume    202 | 404  resume fetching
 *
 * The admin routes carry no authentication: the port is meant for the kubelet,
 * Prometheus and `kubectl port-forward`, and must not be exposed by a Service or
 * Ingress. Responses never carry a stack trace or a secret (DESIGN invariant 8).
 */
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import type { Registry } from 'prom-client';
import type { Clock } from '../clock';
import type { HealthReport, HealthState } from '../health/state';

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
}

function sendReport(res: Response, report: HealthReport): void {
  res.status(report.ok ? 200 : 503).json(report);
}

/** An HTTP status carried by an error (body-parser, malformed URI, ...), if it is a client error. */
function clientStatus(err: unknown): number | undefined {
  const status = (err as { status?: unknown; statusCode?: unknown } | null)?.status ??
    (err as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

export function createAdminApp(options: AdminAppOptions): express.Application {
  const { health, registry, clock, info, actions = {} } = options;
  const startedAt = clock.now();
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  // Probe and admin answers describe "now"; nothing in between may cache them.
  app.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  app.get('/healthz/live', (_req, res) => sendReport(res, health.liveness(clock.now())));
  app.get('/healthz/ready', (_req, res) => sendReport(res, health.readiness(clock.now())));

  app.get('/metrics', async (_req, res) => {
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
    app.post(`/admin/${action}`, async (_req, res) => {
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
