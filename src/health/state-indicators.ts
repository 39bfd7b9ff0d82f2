/**
 * HealthState's own rules (src/health/state.ts) as indicators: the default
 * groups of an admin app that was given no other indicators, and the
 * `lifecycle` component of the full set (fatal error, shutting down, the
 * pending-work stall rule).
 */
import type { Clock } from '../clock';
import { down, up, type Indicator } from './indicator';
import type { GroupName } from './probes';
import type { HealthReport, HealthState } from './state';

function fromReport(report: HealthReport) {
  const details: Record<string, unknown> = {};
  for (const [name, c] of Object.entries(report.checks)) details[name] = c.detail;
  const failed = Object.values(report.checks).filter((c) => !c.ok).map((c) => c.detail);
  return report.ok ? up(details) : down({ ...details, reason: failed.join('; ') });
}

export function stateIndicators(health: HealthState, clock: Clock): Record<GroupName, Indicator[]> {
  return {
    liveness: [{ name: 'lifecycle', cacheMs: 0, check: () => fromReport(health.liveness(clock.now())) }],
    readiness: [{ name: 'lifecycle', cacheMs: 0, check: () => fromReport(health.readiness(clock.now())) }],
  };
}
