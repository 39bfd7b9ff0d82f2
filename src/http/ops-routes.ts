/**
 * The original service's metrics endpoints and the status page's JSON:
 *
 *   GET  /api/metrics/kafka          consumed, delivered, dead-lettered, failed, throughput,
 *                                    rate-limiter state, pause state, per-partition lag
 *   GET  /api/metrics/kafka/summary  the short form
 *   POST /api/metrics/kafka/reset    resets this endpoint's counters only (token required;
 *                                    the Prometheus counters stay monotonic)
 *   GET  /api/status                 everything the status page (GET /) shows
 *
 * Every source is an optional provider, so the app works (and is tested) with
 * whatever the service has wired; a missing one shows as null.
 */
import { Router, type RequestHandler } from 'express';
import type { CircuitView } from '../health/firehose';
import type { HealthProbes } from '../health/probes';
import type { KafkaStatsSnapshot } from '../metrics/kafka-stats';
import type { PartitionLag } from '../metrics/lag-sampler';

/** The pause control's snapshot (src/flow pause control, issue 6). */
export interface PauseView {
  paused: boolean;
  /** `sinceMs`: clock time the reason was first held; `heldMs`: how long it has held. */
  reasons: ReadonlyArray<{ reason: string; sinceMs: number; heldMs?: number }>;
}

export interface OpsProviders {
  kafkaStats?(): KafkaStatsSnapshot;
  resetKafkaStats?(): void;
  lag?(): readonly PartitionLag[];
  pause?(): PauseView;
  rateLimiterState?(): unknown;
  circuits?(): readonly CircuitView[];
}

export function kafkaMetricsBody(ops: OpsProviders): Record<string, unknown> {
  const stats = ops.kafkaStats?.() ?? null;
  const lag = ops.lag?.() ?? null;
  return {
    since: stats?.since ?? null,
    consumed: stats?.totals.consumed ?? null,
    consumedBytes: stats?.totals.consumedBytes ?? null,
    delivered: stats?.totals.delivered ?? null,
    deliveredBytes: stats?.totals.deliveredBytes ?? null,
    deadLettered: stats?.totals.deadLettered ?? null,
    failed: stats?.totals.failed ?? null,
    throughput: stats?.throughput ?? null,
    rateLimiter: ops.rateLimiterState?.() ?? null,
    pause: ops.pause?.() ?? null,
    lag: lag === null ? null : { total: lag.reduce((n, p) => n + p.lag, 0), partitions: lag },
    lastDeadLetters: stats?.lastDeadLetters ?? [],
  };
}

export function summaryBody(ops: OpsProviders): Record<string, unknown> {
  const stats = ops.kafkaStats?.();
  const lag = ops.lag?.();
  return {
    consumed: stats?.totals.consumed ?? null,
    delivered: stats?.totals.delivered ?? null,
    deadLettered: stats?.totals.deadLettered ?? null,
    failed: stats?.totals.failed ?? null,
    messagesPerSecond: stats?.throughput.messagesOutPerSecond ?? null,
    lag: lag ? lag.reduce((n, p) => n + p.lag, 0) : null,
    paused: ops.pause?.().paused ?? null,
  };
}

export function opsRoutes(ops: OpsProviders, probes: HealthProbes, guard: RequestHandler, about: () => Record<string, unknown>): Router {
  const router = Router();
  router.get('/api/metrics/kafka', (_req, res) => void res.json(kafkaMetricsBody(ops)));
  router.get('/api/metrics/kafka/summary', (_req, res) => void res.json(summaryBody(ops)));
  router.post('/api/metrics/kafka/reset', guard, (_req, res) => {
    if (!ops.resetKafkaStats) {
      res.status(404).json({ error: 'not_found', message: 'reset is not available' });
      return;
    }
    ops.resetKafkaStats();
    res.status(202).json({ accepted: true, action: 'reset' });
  });
  router.get('/api/status', async (_req, res) => {
    const health = await probes.all();
    res.json({ ...about(), kafka: kafkaMetricsBody(ops), circuits: ops.circuits?.() ?? [], health });
  });
  return router;
}
