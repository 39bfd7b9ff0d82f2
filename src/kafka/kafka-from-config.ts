/**
 * A kafkajs client from the service configuration: TLS material validated and
 * loaded (src/kafka/tls.ts), then the client (src/kafka/clients.ts). The
 * service and the operator tools (npm run replay / offsets) build their clients
 * here, so a tool reaches an mTLS cluster with the very same config file.
 */
import type { Kafka } from 'kafkajs';
import type { AppConfig } from '../config';
import type { Logger } from '../logging/types';
import { createKafka } from './clients';
import { loadTlsMaterial } from './tls';

export function kafkaFromConfig(config: AppConfig, logger: Logger, clientId = config.kafka.clientId): Kafka {
  const tls = config.kafka.tls.enabled ? loadTlsMaterial(config.kafka.tls, { logger }) : null;
  if (tls) logger.info('TLS material loaded', { ...tls.summary });
  return createKafka(
    {
      clientId,
      brokers: config.kafka.brokers,
      ssl: tls
        ? { ca: tls.ca, cert: tls.cert, key: tls.key, minVersion: tls.minVersion, rejectUnauthorized: tls.rejectUnauthorized, ...(tls.servername ? { servername: tls.servername } : {}) }
        : null,
      connectionTimeoutMs: config.kafka.connection.connectionTimeoutMs,
      requestTimeoutMs: config.kafka.connection.requestTimeoutMs,
      retry: config.kafka.connection.retry,
    },
    logger.child({ component: 'kafka' }),
  );
}
