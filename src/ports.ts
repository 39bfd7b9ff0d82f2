/**
 * The service's ports: what crosses a process or thread boundary (the Kafka
 * cluster, Firehose, the encode threads), built from the configuration.
 * `createService` takes them from here unless a caller passes its own
 * (test/unit/service.test.ts builds the whole service from fakes).
 */
import type { Kafka } from 'kafkajs';
import type { AppConfig } from './config';
import { createFirehosePort, type ClosableFirehosePort } from './firehose/client';
import { kafkaFromConfig } from './kafka/kafka-from-config';
import type { Logger } from './logging/types';
import { poolFromConfig, type ConfiguredPool } from './pool';

export type KafkaPort = Pick<Kafka, 'admin' | 'consumer' | 'producer'>;

export interface ServicePorts {
  kafka(config: AppConfig, logger: Logger): KafkaPort;
  firehose(config: AppConfig): ClosableFirehosePort;
  pool(config: AppConfig, logger: Logger, onThreadStarted: () => void): ConfiguredPool;
}

export const defaultPorts: ServicePorts = {
  kafka: (config, logger) => kafkaFromConfig(config, logger),
  firehose: (config) =>
    createFirehosePort({
      region: config.firehose.region,
      endpoint: config.firehose.endpoint,
      accessKeyId: config.firehose.accessKeyId,
      secretAccessKey: config.firehose.secretAccessKey,
      requestTimeoutMs: config.firehose.requestTimeoutMs,
      maxConcurrentRequests: config.firehose.maxConcurrentRequests,
    }),
  pool: poolFromConfig,
};
