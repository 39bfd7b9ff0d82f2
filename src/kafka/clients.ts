/**
 * kafkajs client, consumer, producer and admin creation. TLS options come from
 * src/kafka/tls.ts (validated material); kafkajs's own log lines are routed to
 * our structured logger (./kafka-log.ts).
 */
import { Kafka, logLevel, type ConsumerConfig, type KafkaConfig } from 'kafkajs';
import type { ConnectionOptions } from 'node:tls';
import type { Logger } from '../logging/types';
import { kafkaLogRouter } from './kafka-log';

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
    logCreator: () => kafkaLogRouter(logger),
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
