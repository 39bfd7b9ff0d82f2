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
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import v8 from 'node:v8';
import type { Clock } from '../clock';
import type { AppConfig } from '../config';
import { readStoreCertificates } from '../kafka/tls';
import { activityIndicator, ActivityWatch } from '../health/activity';
import { certificateIndicator, certInfo } from '../health/certificates';
import { consumerGroupIndicator } from '../health/consumer-group';
import { eventLoopIndicator } from '../health/event-loop';
import { firehoseIndicator, type CircuitView } from '../health/firehose';
import { notCreatedYet, type Indicator } from '../health/indicator';
import { memoryIndicator } from '../health/memory';
import { HealthProbes } from '../health/probes';
import type { HealthState } from '../health/state';
import { stateIndicators } from '../health/state-indicators';
import { topicAccessIndicator, type TopicMetadataPort } from '../health/topic-access';
import { workerPoolIndicator } from '../health/worker-pool';
import type { OpsProviders, PauseView } from '../http/ops-routes';
import type { Logger } from '../logging/types';
import type { Metrics } from '../metrics/catalog';
import { errorMeta } from '../metrics/events';
import { KafkaStats } from '../metrics/kafka-stats';
import { LagSampler, type LagPort } from '../metrics/lag-sampler';
import { isTimeoutCode } from '../firehose/classify';
import { dlqTopicsOf } from '../kafka/dead-letters';
import type { DeadLetter } from '../kafka/dead-letter';
import type { Events } from '../metrics/events';
import { createOpsEvents, type OpsEvents } from '../metrics/ops-events';
import type { PoolStats } from '../pool/pool';

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

export function createOperations(deps: OperationsDeps): Operations {
  return new Operations(deps);
}

export class Operations {
  readonly probes: HealthProbes;
  readonly providers: OpsProviders;
  private readonly ops: OpsEvents;
  private readonly stats: KafkaStats;
  private readonly lag: LagSampler;
  private readonly activity: ActivityWatch;
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 20 });
  private readonly wallNow: () => number;
  private attached: Attached = {};
  private assignment: Assignment | null = null;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(private readonly deps: OperationsDeps) {
    const { config, clock, health, metrics, logger } = deps;
    this.wallNow = deps.wallNow ?? Date.now;
    this.ops = createOpsEvents(metrics, logger);
    this.stats = new KafkaStats(this.wallNow);
    this.lag = new LagSampler(
      { fetchTopicOffsets: (t) => need(this.attached.admin).fetchTopicOffsets(t), fetchOffsets: (o) => need(this.attached.admin).fetchOffsets(o) },
      config.kafka.groupId,
      metrics.consumerLag,
    );
    this.activity = new ActivityWatch({ activityTimeoutMs: config.health.activityTimeoutMs, stuckAfterMs: config.health.stuckAfterMs }, clock.now());
    const pausedFor = (): string[] => (this.attached.pause?.().reasons ?? []).map((r) => r.reason);
    const groups = healthGroups({ config, clock, health, logger, wallNow: this.wallNow, ops: this.ops, activity: this.activity, loopDelay: this.loopDelay, attached: () => this.attached, assignment: () => this.assignment, pausedFor });
    this.probes = new HealthProbes({ clock, groups, timeoutMs: config.health.timeoutMs, gauges: this.ops.healthGauges });
    this.providers = {
      kafkaStats: () => this.stats.snapshot(),
      resetKafkaStats: () => this.stats.reset(),
      lag: () => this.lag.partitions,
      pause: () => this.attached.pause?.() ?? { paused: false, reasons: [] },
      rateLimiterState: () => this.attached.rateLimiterState?.() ?? null,
      circuits: () => this.attached.circuits?.() ?? [],
    };
  }

  beforeScrape(): void {
    const s = this.attached.poolStats?.();
    if (s) this.ops.poolSampled(s);
  }

  /** The clients the checks use, handed over once the service has created them. */
  attach(more: Attached): void {
    this.attached = { ...this.attached, ...more };
  }

  start(): void {
    this.loopDelay.enable();
    const h = this.deps.config.health;
    this.every(h.refreshMs, () => this.probes.refresh());
    this.every(h.lagSampleMs, () => this.sampleLag());
  }

  stop(): void {
    this.timers.splice(0).forEach(clearInterval);
    this.loopDelay.disable();
  }

  // ── what happens, reported by the service ─────────────────────────────
  onPoll(): void {
    this.activity.polled(this.deps.clock.now());
  }

  onBatchProcessed(durationMs: number): void {
    this.ops.pollProcessed(durationMs / 1000);
  }

  onAssignment(next: Assignment): void {
    this.assignment = next;
    void this.sampleLag();
  }

  onConsumed(messages: number, bytes: number): void {
    this.stats.consumed(messages, bytes);
  }

  onUnitAcked(timestampsMs: Iterable<number>, delivered: number, rawBytes: number): void {
    this.ops.acknowledged(timestampsMs, this.wallNow());
    this.stats.delivered(delivered, rawBytes);
  }

  onUnitFailed(messages: number): void {
    this.stats.failed(messages);
  }

  onUnitAbandoned(messages: number): void {
    this.ops.duplicatesResent('rebalance', messages);
  }

  onCommitted(): void {
    this.activity.committed(this.deps.clock.now());
  }

  onDeadLettered(letter: { topic: string; partition: number; offset: string; code: string; reason: string }): void {
    this.stats.deadLettered(letter);
  }

  onFirehoseRequestFailed(code: string, records: number): void {
    if (isTimeoutCode(code)) this.ops.duplicatesResent('timeout', records);
  }

  private every(ms: number, fn: () => Promise<void>): void {
    const t = setInterval(() => void fn(), ms);
    t.unref();
    this.timers.push(t);
  }

  private async sampleLag(): Promise<void> {
    if (!this.attached.admin || this.assignment === null) return;
    try {
      await this.lag.sample(this.assignment);
      this.activity.lagSampled(this.lag.total, this.deps.clock.now());
    } catch (err) {
      this.deps.logger.debug('consumer lag sample failed', errorMeta(err));
    }
  }
}


interface HealthGroupDeps {
  config: AppConfig;
  clock: Clock;
  health: HealthState;
  logger: Logger;
  wallNow: () => number;
  ops: OpsEvents;
  activity: ActivityWatch;
  loopDelay: IntervalHistogram;
  attached(): Attached;
  assignment(): Assignment | null;
  pausedFor(): string[];
}

/** The indicators of the two health groups (README "Operations"), each reading the clients once attached. */
function healthGroups(deps: HealthGroupDeps): { readiness: Indicator[]; liveness: Indicator[] } {
  const { config, clock, health, logger, wallNow, ops, activity, loopDelay, attached, assignment, pausedFor } = deps;
  const h = config.health;
  const lifecycle = stateIndicators(health, clock);
  const topicCheck = topicAccessIndicator(
    { fetchTopicMetadata: (o) => need(attached().admin).fetchTopicMetadata(o) },
    [...new Set([...config.kafka.topics, ...dlqTopicsOf(config)])],
    h.remoteCacheMs,
  );
  const streamCheck = firehoseIndicator(
    {
      streamName: config.firehose.streamName,
      describe: (name, signal) => need(attached().describeStream)(name, signal),
      circuit: () => attached().circuits?.().find((c) => c.name === 'firehose'),
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
    consumerGroupIndicator({ groupId: config.kafka.groupId, state: () => health.snapshot(), assignment }),
    whenAttached(topicCheck, () => attached().admin !== undefined, 'Kafka admin client'),
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
    whenAttached(streamCheck, () => attached().describeStream !== undefined, 'Firehose client'),
    ...lifecycle.readiness,
  ];
  const liveness: Indicator[] = [
    memoryIndicator({ thresholdPercent: h.memoryThresholdPercent, windowMs: h.memoryWindowMs }, () => v8.getHeapStatistics(), () => clock.now()),
    activityIndicator(activity, () => clock.now(), () => ({ pausedFor: pausedFor(), stateChecks: health.liveness(clock.now()).checks })),
    eventLoopIndicator(loopDelay, h.eventLoopMaxDelayMs),
    workerPoolIndicator(() => attached().poolStats?.()),
  ];
  return { readiness, liveness };
}


/** A dead letter written: one event (log line and counter) and one entry in /api/metrics/kafka's last 20. */
export function reportDeadLetter(l: DeadLetter, events: Pick<Events, 'deadLettered'>, operations: Pick<Operations, 'onDeadLettered'>): void {
  events.deadLettered(l.topic, l.partition, l.offset, l.code, l.reason);
  operations.onDeadLettered(l);
}

function need<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('not attached yet');
  return value;
}
