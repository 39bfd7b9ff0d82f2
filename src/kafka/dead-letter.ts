/**
 * The dead-letter sink (DESIGN invariant 2: no silent drop).
 *
 * A message that can never be delivered is produced to the dead-letter topic
 * with its coordinates and reason. The write is acknowledged by all in-sync
 * replicas (acks = -1) *before* the unit counts as acked, so the source offset is
 * never committed past a message that is neither in Firehose nor in the DLQ.
 * If the DLQ cannot be written, we keep trying (with backoff, heartbeating via
 * the batch loop) and the partition stops advancing; every failure is logged.
 */
import type { Producer } from 'kafkajs';
import type { Clock, Random } from '../clock';
import { AbortedError } from '../errors';
import { fullJitterDelay } from '../flow/backoff';
import type { Logger } from '../logging/types';

export interface DeadLetter {
  topic: string;
  partition: number;
  offset: string;
  timestamp: string;
  key: Buffer | null;
  /** The original message bytes, unchanged. */
  value: Buffer | null;
  /** Error class: OVERSIZED, INVALID_JSON, WORKER_CRASH, ENCODE_FAILED. */
  code: string;
  reason: string;
  attempts: number;
}

export interface DeadLetterSink {
  send(letters: DeadLetter[], signal: AbortSignal): Promise<void>;
}

/** Header names on a dead-lettered message; downstream tools rely on them. */
export const DLQ_HEADERS = {
  topic: 'wsqc.source.topic',
  partition: 'wsqc.source.partition',
  offset: 'wsqc.source.offset',
  timestamp: 'wsqc.source.timestamp',
  errorClass: 'wsqc.error.class',
  reason: 'wsqc.error.reason',
  attempts: 'wsqc.attempts',
} as const;

export function dlqTopicFor(sourceTopic: string, configured: string): string {
  return configured !== '' ? configured : `${sourceTopic}.dlq`;
}

export function toDlqMessage(letter: DeadLetter): { key: Buffer | null; value: Buffer | null; headers: Record<string, string> } {
  return {
    key: letter.key,
    value: letter.value,
    headers: {
      [DLQ_HEADERS.topic]: letter.topic,
      [DLQ_HEADERS.partition]: String(letter.partition),
      [DLQ_HEADERS.offset]: letter.offset,
      [DLQ_HEADERS.timestamp]: letter.timestamp,
      [DLQ_HEADERS.errorClass]: letter.code,
      [DLQ_HEADERS.reason]: letter.reason,
      [DLQ_HEADERS.attempts]: String(letter.attempts),
    },
  };
}

export interface KafkaDeadLetterSinkOptions {
  producer: Pick<Producer, 'send'>;
  /** '' = "<source topic>.dlq" */
  topic: string;
  clock: Clock;
  random: Random;
  logger: Logger;
  backoff: { baseMs: number; maxMs: number };
  onDeadLettered?: (letter: DeadLetter, dlqTopic: string) => void;
}

export class KafkaDeadLetterSink implements DeadLetterSink {
  constructor(private readonly opts: KafkaDeadLetterSinkOptions) {}

  async send(letters: DeadLetter[], signal: AbortSignal): Promise<void> {
    if (letters.length === 0) return;
    const byTopic = new Map<string, DeadLetter[]>();
    for (const l of letters) {
      const t = dlqTopicFor(l.topic, this.opts.topic);
      byTopic.set(t, [...(byTopic.get(t) ?? []), l]);
    }
    for (const [topic, group] of byTopic) {
      await this.sendWithRetry(topic, group, signal);
      for (const l of group) this.opts.onDeadLettered?.(l, topic);
    }
  }

  private async sendWithRetry(topic: string, letters: DeadLetter[], signal: AbortSignal): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) throw new AbortedError('dead-letter write abandoned');
      try {
        await this.opts.producer.send({ topic, acks: -1, messages: letters.map(toDlqMessage) });
        return;
      } catch (err) {
        if (signal.aborted) throw new AbortedError('dead-letter write abandoned');
        const delay = fullJitterDelay(attempt, this.opts.backoff.baseMs, this.opts.backoff.maxMs, this.opts.random);
        this.opts.logger.error('dead-letter topic write failed; partition is not advancing past these messages', {
          dlqTopic: topic,
          sourceTopic: letters[0].topic,
          partition: letters[0].partition,
          offsets: letters.map((l) => l.offset),
          error: (err as Error).message,
          attempt: attempt + 1,
          retryInMs: Math.round(delay),
        });
        await this.opts.clock.sleep(delay, signal).catch(() => {
          throw new AbortedError('dead-letter write abandoned');
        });
      }
    }
  }
}
