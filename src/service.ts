/**
 * The composition root: builds every part from the frozen configuration and
 * wires them together. Nothing here decides behaviour; it only connects the
 * supervisor, the pool, the dispatcher, the dead-letter sink, health, metrics
 * and the admin API.
 *
 * Lifecycle: start() (validate TLS material, preflight Kafka and Firehose, start
 * the pool, the admin API and the consumer); stop() (graceful drain, then close
 * the pool, the producer and the admin API); terminate() (abandon now);
 * `done` resolves when consumption has ended.
 */
import os from 'node:os';
import { Partitioners } from 'kafkajs';
import { Registry } from 'prom-client';
import { createCircuits } from './circuits';
import { systemClock, type Clock, type Random } from './clock';
import { redactedConfig, type AppConfig } from './config';
import { AbortedError, AppError } from './errors';
import { createFirehosePort } from './firehose/client';
import { Coalescer, oneSecondOf } from './firehose/coalescer';
import { FirehoseDispatcher } from './firehose/dispatcher';
import { checkStream } from './firehose/stream-check';
import { OutageFlag } from './flow/outage';
import { PauseControl, pauseReasonLabel } from './flow/pause-control';
import { BackpressureGate } from './flow/pause-state';
import { RateControl } from './flow/rate-control';
import { Prober } from './flow/prober';
import { Semaphore } from './flow/semaphore';
import { HealthState } from './health/state';
import { createAdminApp, startAdminServer, type AdminServer } from './http';
import { consumerConfig } from './kafka/clients';
import { KafkaDeadLetterSink, dlqTopicFor, type DeadLetterSink } from './kafka/dead-letter';
import { topicLimitReader } from './kafka/dead-letter-limits';
import { preflight } from './kafka/preflight';
import { Supervisor, type EndReason } from './kafka/supervisor';
import { kafkaFromConfig } from './kafka/kafka-from-config';
import { UnitRunner } from './kafka/unit-runner';
import type { Logger } from './logging/types';
import { createEvents, createMetrics } from './metrics';
import { DeliverySummary } from './metrics/delivery-summary';
import { coalesceObserver } from './metrics/coalesce-observer';
import { dispatchObserver } from './metrics/dispatch-observer';
import { rateEvents, sampleRateGauges, withThrottleSignal } from './metrics/rate-events';
import { createOperations } from './operations';
import { createInlineEncoder } from './pipeline/inline-encoder';
import { createEncodePool, poolThreads, type EncodePool } from './pipeline/pool';
import { withLogContext, unitCorrelationId } from './logging/context';
import type { EncodeOptions } from './pipeline/wire';

export interface ServiceOptions {
  logger: Logger;
  version: string;
  clock?: Clock;
  random?: Random;
  registry?: Registry;
}

export interface Service {
  start(): Promise<void>;
  stop(): Promise<void>;
  terminate(): Promise<void>;
  readonly done: Promise<EndReason>;
  readonly adminPort: number | undefined;
  readonly health: HealthState;
}

export function encodeOptionsOf(config: AppConfig): EncodeOptions {
  return {
    format: config.pipeline.format,
    gzipLevel: config.pipeline.gzipLevel,
    envelope: config.pipeline.envelope,
    aggregate: config.pipeline.aggregate,
    validateJson: config.pipeline.validateJson,
    maxJsonDepth: config.pipeline.maxJsonDepth,
    limits: {
      maxRecordsPerBatch: config.firehose.maxRecordsPerBatch,
      maxBytesPerBatch: config.firehose.maxBytesPerBatch,
      maxRecordBytes: config.firehose.maxRecordBytes,
    },
  };
}

export function createService(config: AppConfig, options: ServiceOptions): Service {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const logger = options.logger;
  const registry = options.registry ?? new Registry();
  const metrics = createMetrics(registry, { version: options.version });
  const events = createEvents(metrics, logger);
  const health = new HealthState(clock);
  const summary = new DeliverySummary(clock, logger);
  // Every reason to pause fetching; one log line and one metric per hold and release.
  const pause = new PauseControl(clock);
  pause.onChange((c) => {
    const holding = c.holding.map(pauseReasonLabel);
    if (c.kind === 'hold') events.pauseHeld(pauseReasonLabel(c.reason), holding);
    else events.pauseReleased(pauseReasonLabel(c.reason), c.heldMs / 1000, c.resumed, holding);
  });
  const operations = createOperations({ config, clock, health, metrics, logger });
  let supervisor: Supervisor | undefined;
  let pool: EncodePool | undefined;
  let admin: AdminServer | undefined;
  let producerDisconnect: (() => Promise<void>) | undefined;
  let adminDisconnect: (() => Promise<void>) | undefined;
  let closeFirehose: (() => void) | undefined;
  let endResolve!: (r: EndReason) => void;
  const done = new Promise<EndReason>((r) => (endResolve = r));
  const startup = new AbortController();
  // Rate limiting (src/flow/rate-control.ts). A unit's waits end when its partition's lane closes (revoked, stop).
  const rate = new RateControl({ rate: config.firehose.rate, rateLimit: config.rateLimit }, clock, pause, rateEvents(metrics, events, logger));
  const rateSampler = setInterval(() => sampleRateGauges(metrics, rate.state()), 1_000);
  rateSampler.unref();
  // The circuits and their wiring to health, metrics and the pause (src/circuits.ts).
  const circuits = createCircuits(config, { clock, health, events, pause });
  const { firehose: firehoseCircuit, kafka: kafkaCircuit, worker, coordinator } = circuits;
  let probes: Prober[] = [];
  let inflightUnits = 0;

  async function start(): Promise<void> {
    if (config.http.enabled) {
      const app = createAdminApp({
        health,
        registry,
        clock,
        info: { version: options.version, configSummary: () => redactedConfig(config) },
        actions: {
          // MANUAL is one reason among the others: resume lifts only the operator's pause.
          pause: async () => void pause.hold('MANUAL'),
          resume: async () => void pause.release('MANUAL'),
          isPaused: () => pause.paused,
        },
        rateLimiterState: () => rate.state(),
        probes: operations.probes,
        ops: operations.providers,
        adminToken: config.http.adminToken,
        logger: logger.child({ component: 'admin' }),
        beforeScrape: () => operations.beforeScrape(),
      });
      admin = await startAdminServer(app, { host: config.http.host, port: config.http.port });
      logger.info('admin API listening', { host: config.http.host, port: admin.port });
    }
    const kafka = kafkaFromConfig(config, logger);
    const dlqTopics = config.kafka.dlq.enabled ? config.kafka.topics.map((t) => dlqTopicFor(t, config.kafka.dlq.topic)) : [];
    await preflight({
      admin: kafka.admin(),
      brokers: config.kafka.brokers,
      topics: config.kafka.topics,
      dlqTopics: [...new Set(dlqTopics)],
      clock,
      random,
      logger,
      giveUpAfterMs: config.kafka.connection.startupRetryForeverMs,
      signal: startup.signal,
    });

    const port = createFirehosePort({
      region: config.firehose.region,
      endpoint: config.firehose.endpoint,
      accessKeyId: config.firehose.accessKeyId,
      secretAccessKey: config.firehose.secretAccessKey,
      requestTimeoutMs: config.firehose.requestTimeoutMs,
      maxSockets: config.firehose.maxConcurrentRequests * 2,
    });
    closeFirehose = () => port.close();
    await checkStream(port.checkStream.bind(port), config.firehose.streamName, clock, random, logger, startup.signal);
    // Attached once the start-up check passed: a probe during its retries would cache that DOWN for 30 s.
    operations.attach({ describeStream: port.checkStream.bind(port) });

    let deadLetters: DeadLetterSink;
    if (config.kafka.dlq.enabled) {
      const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: false, createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      producerDisconnect = () => producer.disconnect();
      const topicLimit = topicLimitReader(() => kafka.admin(), logger);
      for (const t of new Set(dlqTopics)) await topicLimit(t, false); // logged once at start-up (F2)
      deadLetters = new KafkaDeadLetterSink({
        producer,
        topic: config.kafka.dlq.topic,
        clock,
        random,
        logger,
        backoff: config.firehose.backoff,
        maxBatchBytes: config.kafka.dlq.maxBatchBytes,
        topicLimit,
        onDeadLettered: (l) => {
          events.deadLettered(l.topic, l.partition, l.offset, l.code, l.reason);
          operations.onDeadLettered(l);
        },
      });
    } else {
      deadLetters = {
        send: async (letters) => {
          throw new AppError(
            'DLQ_DISABLED',
            `message ${letters[0].topic}[${letters[0].partition}]@${letters[0].offset} can never be delivered (${letters[0].code}: ${letters[0].reason}) and kafka.dlq.enabled is false; stopping rather than dropping it`,
          );
        },
      };
    }

    const outage = new OutageFlag(clock, { quietMs: config.firehose.retry.throttleQuietMs });
    outage.onChange(() => {
      pause.set('BUFFER_FULL', outage.bufferFull);
      pause.set('NETWORK', outage.network);
    });
    const threads = poolThreads(config.pool, os.availableParallelism());
    pool =
      config.pool.engine === 'inline'
        ? createInlineEncoder({ maxThreads: threads.maxThreads, maxQueue: config.pool.maxQueue })
        : createEncodePool({ ...config.pool, ...threads, logger, onThreadStarted: () => events.workerThreadStarted() });
    const dispatcher = new FirehoseDispatcher({
      port,
      streamName: config.firehose.streamName,
      clock,
      random,
      backoff: config.firehose.backoff,
      schedule: {
        fastRetries: config.firehose.retry.fastRetries,
        stepsMs: config.firehose.retry.scheduleMs,
        jitter: config.firehose.retry.jitterPercent / 100,
      },
      rateLimiter: rate.quota,
      requestTimeoutMs: config.firehose.requestTimeoutMs,
      observer: withThrottleSignal(dispatchObserver(events, health, outage, operations), () => rate.throttled()),
      circuit: firehoseCircuit,
      exitOnPermanentError: config.firehose.exitOnPermanentError,
      onThrottle: (scope) => {
        outage.throttled();
        events.bufferFull(scope);
      },
    });
    const streamActive = async (signal: AbortSignal): Promise<void> => {
      const { status } = await port.checkStream(config.firehose.streamName, signal);
      if (status !== 'ACTIVE') throw new AppError('FIREHOSE_STREAM_NOT_ACTIVE', `delivery stream '${config.firehose.streamName}' is ${status}`);
    };
    probes = [
      // Half-open probe: DescribeDeliveryStream while the circuit is open; ACTIVE closes it.
      new Prober({
        name: 'firehose-circuit',
        clock,
        logger,
        intervalMs: config.firehose.probe.circuitIntervalMs,
        due: () => firehoseCircuit.state === 'open',
        beforeProbe: () => firehoseCircuit.halfOpen(),
        probe: streamActive,
        onSuccess: () => firehoseCircuit.close(),
        // The reason names the error (e.g. ResourceNotFoundException), not only its text.
        onFailure: (err) => firehoseCircuit.open(`probe: ${errorLabel(err)}`),
      }),
      // F1: BUFFER_FULL / NETWORK hold with nothing in flight (a rebalance aborted
      // it), so no request would ever clear them. DescribeDeliveryStream answering
      // does not prove PutRecordBatch works (it answers through a data-plane
      // outage), so its answer only lets one batch of one partition through: the
      // pause lifts when that real request is answered (src/kafka/trial-fetch.ts).
      new Prober({
        name: 'firehose-idle',
        clock,
        logger,
        intervalMs: config.firehose.probe.idleIntervalMs,
        due: () => outage.active && inflightUnits === 0 && firehoseCircuit.state === 'closed',
        probe: streamActive,
        onSuccess: () => {
          if (supervisor?.probeFetch() === 'idle') outage.nothingToSend();
        },
        onFailure: () => undefined,
      }),
    ];
    probes.forEach((p) => p.start());
    // Issue 8: the coalescer merges the units' records into full requests and owns
    // the request cap; off, each planned sub-batch is a request under a semaphore.
    const fh = config.firehose;
    const delivery = fh.coalesce.enabled
      ? { dispatcher: new Coalescer({ sink: dispatcher, clock, maxRecords: fh.maxRecordsPerBatch, maxBytes: fh.maxBytesPerBatch, lingerMs: fh.coalesce.lingerMs, maxConcurrent: fh.maxConcurrentRequests, cap: oneSecondOf(rate.quota, fh.maxConcurrentRequests), observer: coalesceObserver(metrics) }) }
      : { dispatcher, requestSlots: new Semaphore(fh.maxConcurrentRequests) };
    const runner = new UnitRunner({
      pool,
      ...delivery,
      deadLetters,
      encodeOptions: encodeOptionsOf(config),
      // One unit encoding per thread and one waiting for each: the workers never idle and at most that many copies exist.
      encodeSlots: new Semaphore(threads.maxThreads * 2),
      logger,
      sleep: (ms, signal) => clock.sleep(ms, signal),
      now: () => clock.now(),
      onWorkerFailure: (err) => events.workerFailure(err),
      workerCircuit: worker,
      exitOnBrokenWorker: config.pool.exitOnBrokenWorker,
      onEncoded: (result, _topic, seconds) => {
        events.sizeClasses(result.sizeClasses);
        events.workerTask(config.pipeline.format, seconds, result.rawBytes, result.encodedBytes);
      },
    });
    const gate = new BackpressureGate(config.flow.maxInFlightBytes, { resumeBelowBytes: Math.floor(config.flow.maxInFlightBytes * 0.75) });
    const consumer = kafka.consumer(consumerConfig({ groupId: config.kafka.groupId, ...config.kafka.consumer }));
    consumer.on(consumer.events.CONNECT, () => health.consumerConnected());
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      health.joinedGroup();
      coordinator.joined();
      kafkaCircuit.close();
      events.rebalance(e.payload.memberAssignment);
      operations.onAssignment(e.payload.memberAssignment);
    });
    consumer.on(consumer.events.HEARTBEAT, () => {
      operations.onPoll();
      coordinator.succeeded();
    });
    consumer.on(consumer.events.END_BATCH_PROCESS, (e) => operations.onBatchProcessed(e.payload.duration));
    consumer.on(consumer.events.DISCONNECT, () => {
      health.consumerDisconnected();
      coordinator.leftGroup();
    });
    consumer.on(consumer.events.CRASH, (e) => {
      health.consumerCrashed(e.payload.error, e.payload.restart);
      coordinator.leftGroup(); // kafkajs restarts (a new join re-arms the watch) or the consumer is gone
      logger.error('kafka consumer crashed', { error: e.payload.error.message, restart: e.payload.restart });
      kafkaCircuit.open(`${e.payload.error.name}: ${e.payload.error.message}${e.payload.restart ? ' (kafkajs restarts)' : ''}`);
      // kafkajs restarts the consumer itself on retriable errors; otherwise it is gone for good.
      if (!e.payload.restart) supervisor?.fail(e.payload.error);
    });
    consumer.on(consumer.events.FETCH, () => {
      health.progress();
      operations.onPoll();
    });
    supervisor = new Supervisor(
      {
        topics: config.kafka.topics,
        fromBeginning: config.kafka.fromBeginning,
        partitionsConsumedConcurrently: config.kafka.consumer.partitionsConsumedConcurrently,
        maxMessages: config.batch.maxMessages,
        maxUnitBytes: config.batch.maxBytes,
        drainTimeoutMs: config.shutdown.drainTimeoutMs,
        // Finish in-flight units after a rebalance starts, well inside the rebalance timeout.
        rebalanceDrainMs: Math.min(config.shutdown.drainTimeoutMs, Math.floor(config.kafka.consumer.rebalanceTimeoutMs / 2)),
      },
      {
        consumer,
        runUnit: async (unit, signal) => {
          health.setInflightUnits(++inflightUnits);
          const bytes = unit.messages.reduce((n, m) => n + (m.value?.length ?? 0), 0);
          events.unitStarted(unit.topic, unit.partition, unit.messages.length, bytes);
          events.inflight(inflightUnits, gate.inFlightBytes);
          try {
            // Every log line of the unit's work carries its correlation id (topic:partition:first-last).
            return await withLogContext({ correlationId: unitCorrelationId(unit) }, () => runner.run(unit, signal));
          } catch (err) {
            if (err instanceof AbortedError) operations.onUnitAbandoned(unit.messages.length);
            else operations.onUnitFailed(unit.messages.length);
            if (err instanceof AbortedError || signal.aborted) events.unitAbandoned(unit.topic, unit.partition, unit.messages.length, (err as Error).message);
            else events.unitFailed(unit.topic, unit.partition, err);
            throw err;
          } finally {
            health.setInflightUnits(--inflightUnits);
            events.inflight(inflightUnits, gate.inFlightBytes);
          }
        },
        gate,
        pause,
        admit: rate.sizeClass ? (unit, signal, remainder) => rate.admit(unit.messages.map((m) => m.value?.length ?? 0), signal, remainder) : undefined,
        backlog: rate.backlog,
        clock,
        logger,
        events: {
          batchReceived: (topic, partition, count, bytes) => {
            events.messagesConsumed(topic, partition, count, bytes);
            operations.onConsumed(count, bytes);
          },
          unitAcked: (unit, report, seconds) => {
            health.progress();
            summary.add(report);
            operations.onUnitAcked(unit.messages.map((m) => Number(m.timestamp)), report.delivered, report.rawBytes);
            events.unitAcked(unit.topic, unit.partition, unit.messages.length, seconds);
          },
          kafkaRequestFailed: (what, err) => coordinator.failed(what, err),
          committed: (topic, partition, offset, highWatermark) => {
            coordinator.succeeded();
            events.offsetsCommitted(topic, partition, offset);
            operations.onCommitted();
            events.commitLag(topic, partition, Number(BigInt(highWatermark) - BigInt(offset)));
          },
          paused: (reason) => logger.info('consumer paused', { reason }),
          rebalancing: () => {
            health.rebalancing();
            coordinator.leftGroup(); // no heartbeats while joining
          },
          fatal: (err) => {
            health.fatal(err);
            events.fatal(err);
          },
        },
      },
    );
    void supervisor.done.then(async (end) => {
      await closeRest();
      endResolve(end);
    });
    const opsAdmin = kafka.admin();
    await opsAdmin.connect();
    adminDisconnect = () => opsAdmin.disconnect();
    operations.attach({
      admin: opsAdmin,
      poolStats: () => (pool as EncodePool).stats(),
      rateLimiterState: () => rate.state(),
      circuits: () => circuits.snapshots(),
      pause: () => {
        const now = clock.now();
        const snap = pause.snapshot();
        return { paused: snap.paused, reasons: snap.reasons.map((r) => ({ ...r, heldMs: Math.max(0, now - r.sinceMs) })) };
      },
    });
    operations.start();
    await supervisor.start();
    summary.start();
    logger.info('consuming', {
      topics: config.kafka.topics,
      groupId: config.kafka.groupId,
      stream: config.firehose.streamName,
      format: config.pipeline.format,
    });
  }

  let closed = false;
  async function closeRest(): Promise<void> {
    if (closed) return;
    closed = true;
    summary.stop();
    clearInterval(rateSampler);
    rate.stop();
    operations.stop();
    await adminDisconnect?.().catch(() => undefined);
    await Promise.all(probes.map((p) => p.stop()));
    circuits.stop();
    await pool?.close().catch((err: unknown) => logger.warn('pool close failed', { error: (err as Error).message }));
    await producerDisconnect?.().catch(() => undefined);
    closeFirehose?.();
    await admin?.close().catch(() => undefined);
  }

  async function stop(): Promise<void> {
    health.beginShutdown();
    startup.abort();
    if (supervisor) await supervisor.stop();
    else {
      await closeRest();
      endResolve({ reason: 'stopped' });
    }
    await done;
  }

  async function terminate(): Promise<void> {
    health.beginShutdown();
    startup.abort();
    if (supervisor) await supervisor.terminate();
    await pool?.close({ force: true }).catch(() => undefined);
    await closeRest();
    endResolve({ reason: 'stopped' });
  }

  return {
    start,
    stop,
    terminate,
    done,
    health,
    get adminPort() {
      return admin?.port;
    },
  };
}

/** `CODE: message` of an AppError, `Name: message` of an SDK error (its name is the AWS error code). */
function errorLabel(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; message?: unknown };
  const tag = typeof e.code === 'string' ? e.code : typeof e.name === 'string' ? e.name : 'Error';
  return `${tag}: ${typeof e.message === 'string' ? e.message : String(err)}`;
}
