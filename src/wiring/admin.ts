/**
 * The admin API (src/http/) connected to the service's parts: health and its
 * probes, the metrics registry, the operations counters, the rate limiter's
 * state and the MANUAL pause (`POST /admin/pause` holds it, `POST /admin/resume`
 * lifts only it: one reason among the others).
 */
import type { Registry } from 'prom-client';
import type { Clock } from '../clock';
import { redactedConfig, type AppConfig } from '../config';
import type { PauseControl } from '../flow/pause-control';
import type { RateControl } from '../flow/rate-control';
import type { HealthState } from '../health/state';
import { createAdminApp, startAdminServer, type AdminServer } from '../http';
import type { Logger } from '../logging/types';
import type { Operations } from './operations';

export interface AdminDeps {
  config: AppConfig;
  version: string;
  health: HealthState;
  registry: Registry;
  clock: Clock;
  pause: PauseControl;
  rate: Pick<RateControl, 'state'>;
  operations: Pick<Operations, 'probes' | 'providers' | 'beforeScrape'>;
  logger: Logger;
}

export async function startAdmin(deps: AdminDeps): Promise<AdminServer> {
  const { config, pause, operations, logger } = deps;
  const app = createAdminApp({
    health: deps.health,
    registry: deps.registry,
    clock: deps.clock,
    info: { version: deps.version, configSummary: () => redactedConfig(config) },
    actions: {
      pause: async () => void pause.hold('MANUAL'),
      resume: async () => void pause.release('MANUAL'),
      isPaused: () => pause.paused,
    },
    rateLimiterState: () => deps.rate.state(),
    probes: operations.probes,
    ops: operations.providers,
    adminToken: config.http.adminToken,
    logger: logger.child({ component: 'admin' }),
    beforeScrape: () => operations.beforeScrape(),
  });
  const admin = await startAdminServer(app, { host: config.http.host, port: config.http.port });
  logger.info('admin API listening', { host: config.http.host, port: admin.port });
  return admin;
}
