/**
 * Probe routes. Both spellings answer from the same indicators (src/health/probes.ts):
 *
 *   GET /healthz/live  = /actuator/health/liveness    200 UP | 503 DOWN
 *   GET /healthz/ready = /actuator/health/readiness   200 UP | 503 DOWN
 *   GET /actuator/health                              every indicator, both groups
 *
 * Body (Spring Boot Actuator's shape, so the original's probes and scripts
 * keep working): `{ "status": "UP", "components": { "<indicator>": { "status", "details" } } }`.
 */
import { Router, type Response } from 'express';
import type { HealthBody, HealthProbes } from '../health/probes';

function send(res: Response, body: HealthBody): void {
  res.status(body.status === 'UP' ? 200 : 503).json(body);
}

export function healthRoutes(probes: HealthProbes): Router {
  const router = Router();
  for (const [path, group] of [
    ['/healthz/live', 'liveness'],
    ['/actuator/health/liveness', 'liveness'],
    ['/healthz/ready', 'readiness'],
    ['/actuator/health/readiness', 'readiness'],
  ] as const) {
    router.get(path, async (_req, res) => send(res, await probes.group(group)));
  }
  router.get('/actuator/health', async (_req, res) => send(res, await probes.all()));
  return router;
}
