/**
 * The operations side of the service (issue 7), assembled in one place so the
 * composition root stays readable: health indicators and their probes, the
 * JSON counters of /api/metrics/kafka, consumer lag sampling, and the
 * operations metrics. The service reports what happens through the `on*`
 * hooks and hands over its clients once they exist (`attach`); everything
 * here observes and reports, nothing decides.
 *
 * Timers: one health refresh (health.refreshMs) and one lag sample
 * (health.lagSampleMs); both unref'd, both stopped by stop().
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import v8 from 'node:v8';
import type { Clock } from './clock';
import type { AppConfig } from './config';
import { readStoreCertificates } from './kafka/tls';
import { activityIndicator, ActivityWatch } from './health/activity';
import { certificateIndicator, certInfo } from './health/certificates';
import { consumerGroupIndicator } from './health/consumer-group';
import { eventLoopIndicator } from './health/event-loop';
import { firehoseIndicator, type CircuitView } from './health/firehose';
import { notCreatedYet, type Indicator } from './health/indicator';
import { memoryIndicator } from './health/memory';
import { HealthProbes } from './health/probes';
import type { HealthState } from './health/state';
import { stateIndicators } from './health/state-indicators';
import { topicAccessIndicator, type TopicMetadataPort } from './health/topic-access';
import { workerPoolIndicator } from './health/worker-pool';
import type { OpsProviders, PauseView } from './http/ops-routes';
import type { Logger } from './logging/types';
import type { Metrics } from './metrics/catalog';
import { errorMeta } from './metrics/events';
import { KafkaStats } from './metrics/kafka-stats';
import { LagSampler, type LagPort } from './metrics/lag-sampler';
import { createOpsEvents, TIMEOUT_CODES } from './metrics/ops-events';
import type { PoolStats } from './pipeline/pool';

export type Assignment = Readonly<Record<string, readonly number[]>>;

export interface OperationsDeps {
  config: AppConfig;
  clock: Clock;
  /** Wall-clock epoch ms (Kafka timestamps, certificate dates). */
  wallNow?: () => number;
  health: HealthState;
  metrics: Metrics;
  logger: Logger;
}

/** The clients the checks use, handed over once the service has created them. */
export interface Attached {
  admin?: TopicMetadataPort & LagPort;
  describeStream?(streamName: string, signal: AbortSignal): Promise<{ status: string }>;
  poolStats?(): PoolStats;
  pause?(): PauseView;
  circuits?(): readonly CircuitView[];
  rateLimiterState?(): unknown;
}

export function createOperations(deps: OperationsDeps) {
  const { config, clock, health, metrics, logger } = deps;
  const wallNow = deps.wallNow ?? Date.now;
  const ops = createOpsEvents(metrics, logger);
  const stats = new KafkaStats(wallNow);
  const lag = new LagSampler(
    { fetchTopicOffsets: (t) => need(attached.admin).fetchTopicOffsets(t), fetchOffsets: (o) => need(attached.admin).fetchOffsets(o) },
    config.kafka.groupId,
    metrics.consumerLag,
  );
  const activity = new ActivityWatch({ activityTimeoutMs: config.health.activityTimeoutMs, stuckAfterMs: config.health.stuckAfterMs }, clock.now());
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  let attached: Attached = {};
  let assignment: Assignment | null = null;
  const timers: NodeJS.Timeout[] = [];

  const dlqTopics = config.kafka.dlq.enabled ? config.kafka.topics.map((t) => config.kafka.dlq.topic || `${t}.dlq`) : [];
  const pausedFor = (): string[] => (attached.pause?.().reasons ?? []).map((r) => r.reason);
  const lifecycle = stateIndicators(health, clock);
  const h = config.health;

  const topicCheck = topicAccessIndicator(
    { fetchTopicMetadata: (o) => need(attached.admin).fetchTopicMetadata(o) },
    [...new Set([...config.kafka.topics, ...dlqTopics])],
    h.remoteCacheMs,
  );
  const streamCheck = firehoseIndicator(
    {
      streamName: config.firehose.streamName,
      describe: (name, signal) => need(attached.describeStream)(name, signal),
      circuit: () => attached.circuits?.().find((c) => c.name === 'firehose'),
      lastRequestOk: () => health.snapshot().firehoseOk,
      pausedFor,
    },
    clock,
    h.remoteCacheMs,
  );
  // Before the service has created the client a check needs, the check answers DOWN without
  // caching that answer (notCreatedYet): cached for remoteCacheMs, it held readiness down up to
  // 30 s after the client existed (issue 13, defect 6).
  const whenAttached = (i: Indicator, ready: () => boolean, what: string): Indicator => ({
    name: i.name,
    cacheMs: i.cacheMs,
    check: (signal) => (ready() ? i.check(signal) : notCreatedYet(what)),
  });

  const readiness: Indicator[] = [
    consumerGroupIndicator({ groupId: config.kafka.groupId, state: () => health.snapshot(), assignment: () => assignment }),
    whenAttached(topicCheck, () => attached.admin !== undefined, 'Kafka admin client'),
    ...(config.kafka.tls.enabled
      ? [
          certificateIndicator({
            read: () => {
              const s = readStoreCertificates(config.kafka.tls);
              return [...s.keystore.certs.map((c) => certInfo('keystore', c)), ...s.truststore.certs.map((c) => certInfo('truststore', c))];
            },
            wallNow,
            now: () => clock.now(),
            rereadMs: h.certificateRereadMs,
            logger,
            expiryDays: (store, subject, days) => ops.certificateExpiry(store, subject, days),
          }),
        ]
      : []),
    whenAttached(streamCheck, () => attached.describeStream !== undefined, 'Firehose client'),
    ...lifecycle.readiness,
  ];
  const liveness: Indicator[] = [
    memoryIndicator({ thresholdPercent: h.memoryThresholdPercent, windowMs: h.memoryWindowMs }, () => v8.getHeapStatistics(), () => clock.now()),
    activityIndicator(activity, () => clock.now(), () => ({ pausedFor: pausedFor(), stateChecks: health.liveness(clock.now()).checks })),
    eventLoopIndicator(loopDelay, h.eventLoopMaxDelayMs),
    workerPoolIndicator(() => attached.poolStats?.()),
  ];
  const probes = new HealthProbes({ clock, groups: { liveness, readiness }, timeoutMs: h.timeoutMs, gauges: ops.healthGauges });

  async function sampleLag(): Promise<void> {
    if (!attached.admin || assignment === null) return;
    try {
      await lag.sample(assignment);
      activity.lagSampled(lag.total, clock.now());
    } catch (err) {
      logger.debug('consumer lag sample failed', errorMeta(err));
    }
  }

  const providers: OpsProviders = {
    kafkaStats: () => stats.snapshot(),
    resetKafkaStats: () => stats.reset(),
    lag: () => lag.partitions,
    pause: () => attached.pause?.() ?? { paused: false, reasons: [] },
    rateLimiterState: () => attached.rateLimiterState?.() ?? null,
    circuits: () => attached.circuits?.() ?? [],
  };

  return {
    probes,
    providers,
    beforeScrape(): void {
      const s = attached.poolStats?.();
      if (s) ops.poolSampled(s);
    },
    attach(more: Attached): void {
      attached = { ...attached, ...more };
    },
    start(): void {
      loopDelay.enable();
      const every = (ms: number, fn: () => Promise<void>): void => {
        const t = setInterval(() => void fn(), ms);
        t.unref();
        timers.push(t);
      };
      every(h.refreshMs, () => probes.refresh());
      every(h.lagSampleMs, sampleLag);
    },
    stop(): void {
      timers.splice(0).forEach(clearInterval);
      loopDelay.disable();
    },
    // ── what happens, reported by the service ─────────────────────────────
    onPoll(): void {
      activity.polled(clock.now());
    },
    onBatchProcessed(durationMs: number): void {
      ops.pollProcessed(durationMs / 1000);
    },
    onAssignment(next: Assignment): void {
      assignment = next;
      void sampleLag();
    },
    onConsumed(messages: number, bytes: number): void {
      stats.consumed(messages, bytes);
    },
    onUnitAcked(timestampsMs: Iterable<number>, delivered: number, rawBytes: number): void {
      ops.acknowledged(timestampsMs, wallNow());
      stats.delivered(delivered, rawBytes);
    },
    onUnitFailed(messages: number): void {
      stats.failed(messages);
    },
    onUnitAbandoned(messages: number): void {
      ops.duplicatesResent('rebalance', messages);
    },
    onCommitted(): void {
      activity.committed(clock.now());
    },
    onDeadLettered(letter: { topic: string; partition: number; offset: string; code: string; reason: string }): void {
      stats.deadLettered(letter);
    },
    onFirehoseRequestFailed(code: string, records: number): void {
      if (TIMEOUT_CODES.has(code)) ops.duplicatesResent('timeout', records);
    },
  };
}

export type Operations = ReturnType<typeof createOperations>;

function need<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('not attached yet');
  return value;
}
