/**
 * Liveness: `workerPool` — the Piscina encode pool is alive: it has at least
 * one thread (minThreads >= 1, Piscina replaces a thread that dies). Details
 * carry threads, queue depth, tasks in flight and utilisation. Before the pool
 * is created (start-up) the indicator is UP: there is nothing to restart yet;
 * that answer is not cached, so the first check after the pool exists is real.
 */
import { down, up, type Indicator } from './indicator';
import type { PoolStats } from '../pipeline/pool';

export function workerPoolIndicator(stats: () => PoolStats | undefined, cacheMs = 1_000): Indicator {
  return {
    name: 'workerPool',
    cacheMs,
    check: () => {
      const s = stats();
      if (s === undefined) return { ...up({ reason: 'pool not started yet' }), cacheable: false };
      const details = { threads: s.threads, queueSize: s.queueSize, inFlight: s.inFlight, completed: s.completed, utilization: Math.round(s.utilization * 1000) / 1000 };
      return s.threads > 0 ? up(details) : down({ ...details, reason: 'no worker thread is running' });
    },
  };
}
