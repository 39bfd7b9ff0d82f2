/**
 * kafkajs client, consumer, producer and admin creation. TLS options come from
 * src/kafka/tls.ts (validated material); kafkajs's own log lines are routed to
 * our structured logger.
 */
import { Kafka, logLevel, type ConsumerConfig, type KafkaConfig, type LogEntry } from 'kafkajs';
import type { ConnectionOptions } from 'node:tls';
import type { Logger } from '../logging/types';

export interface KafkaClientOptions {
  clientId: string;
  brokers: readonly string[];
  /** null = plaintext (tooling only; production always uses TLS). */
  ssl: ConnectionOptions | null;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  retry: { initialRetryTimeMs: number; maxRetryTimeMs: number; retries: number };
}

export interface ConsumerTuning {
  groupId: string;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  minBytes: number;
  maxWaitTimeMs: number;
  maxBytesPerPartition: number;
  maxBytes: number;
}

export function createKafka(opts: KafkaClientOptions, logger: Logger): Kafka {
  const config: KafkaConfig = {
    clientId: opts.clientId,
    brokers: [...opts.brokers],
    ssl: opts.ssl ?? undefined,
    connectionTimeout: opts.connectionTimeoutMs,
    requestTimeout: opts.requestTimeoutMs,
    retry: {
      initialRetryTime: opts.retry.initialRetryTimeMs,
      maxRetryTime: opts.retry.maxRetryTimeMs,
      retries: opts.retry.retries,
    },
    logLevel: logLevel.INFO,
    logCreator: () => (entry: LogEntry) => routeKafkaLog(logger, entry),
  };
  return new Kafka(config);
}

export function consumerConfig(t: ConsumerTuning): ConsumerConfig {
  return {
    groupId: t.groupId,
    sessionTimeout: t.sessionTimeoutMs,
    heartbeatInterval: t.heartbeatIntervalMs,
    rebalanceTimeout: t.rebalanceTimeoutMs,
    minBytes: t.minBytes,
    maxWaitTimeInMs: t.maxWaitTimeMs,
    maxBytesPerPartition: t.maxBytesPerPartition,
    maxBytes: t.maxBytes,
    // Offsets are committed explicitly by the supervisor (DESIGN invariant 1).
    allowAutoTopicCreation: false,
  };
}

function routeKafkaLog(logger: Logger, entry: LogEntry): void {
  const { message, ...rest } = entry.log;
  const meta = { component: 'kafkajs', namespace: entry.namespace, ...sanitize(rest) };
  const text = String(message);
  switch (entry.level) {
    case logLevel.ERROR:
      logger.error(text, meta);
      break;
    case logLevel.WARN:
      logger.warn(text, meta);
      break;
    case logLevel.INFO:
      logger.info(text, meta);
      break;
    default:
      logger.debug(text, meta);
  }
}

/** kafkajs log extras may carry buffers or huge structures; keep scalars only. */
function sanitize(extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(extra)) {
    if (k === 'timestamp' || k === 'logger') continue;
    if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) out[k] = v;
  }
  return out;
}
