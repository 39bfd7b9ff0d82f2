/**
 * The dead-letter sink the configuration asks for, and the one rule that names
 * the dead-letter topics (`kafka.dlq.topic`, or "<source topic>.dlq").
 *
 * With `kafka.dlq.enabled` false there is nowhere to put a message that can
 * never be delivered, and this service never drops one (DESIGN invariant 2):
 * the refusing sink fails its unit with DLQ_DISABLED, which stops consumption
 * without committing past it.
 */
import { Partitioners } from 'kafkajs';
import type { Clock, Random } from '../clock';
import type { AppConfig } from '../config';
import { AppError } from '../errors';
import type { Logger } from '../logging/types';
import { dlqTopicFor, KafkaDeadLetterSink, type DeadLetter, type DeadLetterSink } from './dead-letter';
import { topicLimitReader } from './dead-letter-limits';
import type { KafkaPort } from '../ports';

/** The dead-letter topics of the configured source topics (none with the DLQ off). */
export function dlqTopicsOf(config: AppConfig): string[] {
  if (!config.kafka.dlq.enabled) return [];
  return [...new Set(config.kafka.topics.map((t) => dlqTopicFor(t, config.kafka.dlq.topic)))];
}

/** kafka.dlq.enabled false: a message that can never be delivered stops consumption rather than being dropped. */
export class RefusingDeadLetterSink implements DeadLetterSink {
  async send(letters: DeadLetter[]): Promise<void> {
    const l = letters[0];
    if (!l) return;
    throw new AppError(
      'DLQ_DISABLED',
      `message ${l.topic}[${l.partition}]@${l.offset} can never be delivered (${l.code}: ${l.reason}) and kafka.dlq.enabled is false; stopping rather than dropping it`,
    );
  }
}

export interface DeadLetters {
  readonly sink: DeadLetterSink;
  close(): Promise<void>;
}

export async function deadLettersFromConfig(
  config: AppConfig,
  kafka: Pick<KafkaPort, 'producer' | 'admin'>,
  deps: { clock: Clock; random: Random; logger: Logger; onDeadLettered(letter: DeadLetter): void },
): Promise<DeadLetters> {
  if (!config.kafka.dlq.enabled) return { sink: new RefusingDeadLetterSink(), close: async () => undefined };
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const topicLimit = topicLimitReader(() => kafka.admin(), deps.logger);
  for (const t of dlqTopicsOf(config)) await topicLimit(t, false); // logged once at start-up (F2)
  const sink = new KafkaDeadLetterSink({
    producer,
    topic: config.kafka.dlq.topic,
    clock: deps.clock,
    random: deps.random,
    logger: deps.logger,
    backoff: config.firehose.backoff,
    maxBatchBytes: config.kafka.dlq.maxBatchBytes,
    topicLimit,
    onDeadLettered: (l) => deps.onDeadLettered(l),
  });
  return { sink, close: () => producer.disconnect().catch(() => undefined) };
}
