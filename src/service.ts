/**
 * The composition root: builds every part from the frozen configuration and
 * connects them; it decides nothing (issue 15). Decisions live in their rooms
 * (src/flow/, src/kafka/, src/firehose/, src/pool/), adapters between rooms in
 * src/wiring/. start(): admin API, preflight, pool, probes, consumer; stop():
 * graceful drain, then close; terminate(): abandon now. `ports` replace the
 * network and the threads in tests (test/unit/service.test.ts).
 */
import { Registry } from 'prom-client';
import { systemClock, type Clock, type Random } from './clock';
import type { AppConfig } from './config';
import { deliveryFromConfig } from './firehose/delivery';
import { checkStream } from './firehose/stream-check';
import { PauseControl } from './flow/pause-control';
import { BackpressureGate } from './flow/pause-state';
import { RateControl } from './flow/rate-control';
import { HealthState } from './health/state';
import { consumerConfig } from './kafka/clients';
import { deadLettersFromConfig, dlqTopicsOf } from './kafka/dead-letters';
import { preflight } from './kafka/preflight';
import { Supervisor, supervisorOptionsOf, type EndReason } from './kafka/supervisor';
import { unitRunnerFromConfig } from './kafka/units-from-config';
import type { Logger } from './logging/types';
import { createEvents, createMetrics } from './metrics';
import { DeliverySummary } from './metrics/delivery-summary';
import { defaultPorts, type ServicePorts } from './ports';
import { Closers, createCircuits, createOperations, firehoseProbers, instrumentedUnits, reportDeadLetter, startAdmin, supervisorEvents, wireConsumerEvents, wireDelivery, wireOutage, wirePauseEvents, wireRateControl, wireRateGauges } from './wiring';

export interface ServiceOptions {
  logger: Logger;
  version: string;
  clock?: Clock;
  random?: Random;
  registry?: Registry;
  ports?: Partial<ServicePorts>;
}

export interface Service {
  start(): Promise<void>;
  stop(): Promise<void>;
  terminate(): Promise<void>;
  readonly done: Promise<EndReason>;
  readonly adminPort: number | undefined;
  readonly health: HealthState;
}

/** The parts that exist from construction on, and what stop() must stop and close. */
function core(config: AppConfig, options: ServiceOptions) {
  const { logger } = options;
  const clock = options.clock ?? systemClock;
  const registry = options.registry ?? new Registry();
  const metrics = createMetrics(registry, { version: options.version });
  const events = createEvents(metrics, logger);
  const health = new HealthState(clock);
  const pause = wirePauseEvents(new PauseControl(clock), events);
  const summary = new DeliverySummary(clock, logger);
  const operations = createOperations({ config, clock, health, metrics, logger });
  const rate = new RateControl({ rate: config.firehose.rate, rateLimit: config.rateLimit }, clock, pause, wireRateControl(metrics, events, logger));
  const circuits = createCircuits(config, { clock, health, events, pause });
  const closers = new Closers(() => summary.stop(), () => rate.stop(), () => operations.stop(), () => circuits.stop(), wireRateGauges(rate, metrics));
  const ports: ServicePorts = { ...defaultPorts, ...options.ports };
  return { config, logger, clock, random: options.random ?? Math.random, ports, registry, metrics, events, health, pause, summary, operations, rate, circuits, closers, startup: new AbortController() };
}

type Core = ReturnType<typeof core>;

/** Everything start() builds, in order: preflight, Firehose, dead letters, pool, delivery, units, probes, consumer. */
async function startParts(c: Core, supervisorOf: () => Supervisor | undefined): Promise<{ supervisor: Supervisor; forcePool(): Promise<unknown> }> {
  const { config, logger, clock, random, events, health, pause, operations, rate, circuits, startup } = c;
  const kafka = c.ports.kafka(config, logger);
  await preflight({ admin: kafka.admin(), brokers: config.kafka.brokers, topics: config.kafka.topics, dlqTopics: dlqTopicsOf(config), clock, random, logger, giveUpAfterMs: config.kafka.connection.startupRetryForeverMs, signal: startup.signal });
  const firehose = c.ports.firehose(config);
  c.closers.close(() => firehose.close());
  await checkStream((name, signal) => firehose.checkStream(name, signal), config.firehose.streamName, clock, random, logger, startup.signal);
  // Attached once the start-up check passed: a probe during its retries would cache that DOWN for 30 s.
  operations.attach({ describeStream: (name, signal) => firehose.checkStream(name, signal) });
  const deadLetters = await deadLettersFromConfig(config, kafka, { clock, random, logger, onDeadLettered: (l) => reportDeadLetter(l, events, operations) });
  c.closers.close(() => deadLetters.close());
  const outage = wireOutage(config, clock, pause);
  const pool = c.ports.pool(config, logger, () => events.workerThreadStarted());
  c.closers.close(() => pool.close().catch((err: unknown) => logger.warn('pool close failed', { error: (err as Error).message })));
  const delivery = deliveryFromConfig(config, { port: firehose, clock, random, quota: rate.quota, circuit: circuits.firehose, ...wireDelivery({ metrics: c.metrics, events, health, outage, rate, watcher: operations }) });
  const runner = unitRunnerFromConfig(config, { pool, ...delivery, deadLetters: deadLetters.sink, workerCircuit: circuits.worker, clock, logger, onWorkerFailure: (err) => events.workerFailure(err), onEncoded: (r, _t, s) => events.encoded(config.pipeline.format, r, s) });
  const gate = new BackpressureGate(config.flow.maxInFlightBytes);
  const units = instrumentedUnits(runner, { health, events, operations, gate });
  const probers = firehoseProbers(config, { clock, logger, firehose, circuit: circuits.firehose, outage, nothingInFlight: () => units.inFlight === 0, probeFetch: () => supervisorOf()?.probeFetch() });
  c.closers.stop(() => probers.stop());
  const consumer = kafka.consumer(consumerConfig({ groupId: config.kafka.groupId, ...config.kafka.consumer }));
  wireConsumerEvents(consumer, { health, circuits, events, operations, logger, fail: (err) => supervisorOf()?.fail(err) });
  const reports = supervisorEvents({ health, summary: c.summary, operations, events, coordinator: circuits.coordinator, logger });
  const supervisor = new Supervisor(supervisorOptionsOf(config), { consumer, runUnit: units.run, gate, pause, admit: rate.unitAdmission, backlog: rate.backlog, clock, logger, events: reports });
  const opsAdmin = kafka.admin();
  await opsAdmin.connect();
  c.closers.close(() => opsAdmin.disconnect().catch(() => undefined));
  operations.attach({ admin: opsAdmin, poolStats: () => pool.stats(), rateLimiterState: () => rate.state(), circuits: () => circuits.snapshots(), pause: () => pause.view() });
  return { supervisor, forcePool: () => pool.close({ force: true }).catch(() => undefined) };
}

export function createService(config: AppConfig, options: ServiceOptions): Service {
  const c = core(config, options);
  const { logger, health } = c;
  let supervisor: Supervisor | undefined;
  let forcePool: (() => Promise<unknown>) | undefined;
  let adminPort: number | undefined;
  let endResolve!: (r: EndReason) => void;
  const done = new Promise<EndReason>((r) => (endResolve = r));

  async function start(): Promise<void> {
    if (config.http.enabled) {
      const admin = await startAdmin({ config, version: options.version, health, registry: c.registry, clock: c.clock, pause: c.pause, rate: c.rate, operations: c.operations, logger });
      adminPort = admin.port;
      c.closers.closeLast(() => admin.close().catch(() => undefined));
    }
    const parts = await startParts(c, () => supervisor);
    ({ supervisor, forcePool } = parts);
    void parts.supervisor.done.then(async (end) => {
      await c.closers.run();
      endResolve(end);
    });
    c.operations.start();
    await parts.supervisor.start();
    c.summary.start();
    logger.info('consuming', { topics: config.kafka.topics, groupId: config.kafka.groupId, stream: config.firehose.streamName, format: config.pipeline.format });
  }

  async function end(graceful: boolean): Promise<void> {
    health.beginShutdown();
    c.startup.abort();
    if (graceful && supervisor) {
      await supervisor.stop();
      await done;
      return;
    }
    await supervisor?.terminate();
    await forcePool?.();
    await c.closers.run();
    endResolve({ reason: 'stopped' });
  }

  return {
    start,
    stop: () => end(true),
    terminate: () => end(false),
    done,
    health,
    get adminPort() {
      return adminPort;
    },
  };
}
