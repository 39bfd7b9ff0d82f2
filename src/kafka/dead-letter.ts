/**
 * The dead-letter sink (DESIGN invariant 2: no silent drop).
 *
 * A message that can never be delivered is produced to the dead-letter topic
 * with its coordinates and reason. The write is acknowledged by all in-sync
 * replicas (acks = -1) *before* the unit counts as acked, so the source offset is
 * never committed past a message that is neither in Firehose nor in the DLQ.
 * If the DLQ cannot be written, we keep trying (with backoff, heartbeating via
 * the batch loop) and the partition stops advancing; every failure is logged.
 *
 * Letters go out in size-capped chunks (issue 6, F2): kafkajs packs a send's
 * messages for one partition into one record batch, and the broker refuses a
 * batch above the DLQ topic's max.message.bytes with MESSAGE_TOO_LARGE, which
 * no retry can fix. The cap is min(kafka.dlq.maxBatchBytes, the topic's
 * max.message.bytes read from the broker). A single letter above the topic's
 * limit is a DeadLetterTooLargeError naming the sizes; the partition holds
 * there (nothing is dropped) and the limit is re-read on each retry, so raising
 * max.message.bytes un-sticks it without a restart.
 */
import type { IHeaders, Producer } from 'kafkajs';
import type { Clock, Random } from '../clock';
import { AbortedError, AppError } from '../errors';
import { fullJitterDelay } from '../flow/backoff';
import type { Logger } from '../logging/types';
import { isMessageTooLarge, planChunks, recordBytes, RECORD_BATCH_OVERHEAD, type Chunk } from './record-batch-size';

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
  /** The original message's headers, kept so a replay can restore them. */
  headers?: IHeaders;
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

export interface DlqMessage {
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
}

/** The original headers first, then ours (ours win on a name clash: tools rely on them). */
export function toDlqMessage(letter: DeadLetter): DlqMessage {
  return {
    key: letter.key,
    value: letter.value,
    headers: {
      ...(letter.headers ?? {}),
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

/** One dead letter is larger, as a Kafka record batch, than the dead-letter topic accepts. */
export class DeadLetterTooLargeError extends AppError {
  constructor(
    readonly letter: Pick<DeadLetter, 'topic' | 'partition' | 'offset'>,
    readonly dlqTopic: string,
    readonly batchBytes: number,
    readonly valueBytes: number,
    readonly limitBytes: number | undefined,
  ) {
    super(
      'DLQ_LETTER_TOO_LARGE',
      `dead letter for ${letter.topic}[${letter.partition}]@${letter.offset} is ${batchBytes} bytes as a record batch (value ${valueBytes} bytes) but ` +
        `dead-letter topic '${dlqTopic}' accepts ${limitBytes === undefined ? 'less (the broker answered MESSAGE_TOO_LARGE)' : `at most ${limitBytes} bytes (max.message.bytes)`}; ` +
        `raise max.message.bytes on '${dlqTopic}' to at least ${batchBytes}. The partition holds at this offset; nothing is dropped`,
      { retriable: true },
    );
  }
}

/** The DLQ topic's max.message.bytes as the broker reports it; undefined = unknown. `refresh` re-reads it. */
export type TopicLimitReader = (topic: string, refresh: boolean) => Promise<number | undefined>;

export interface KafkaDeadLetterSinkOptions {
  producer: Pick<Producer, 'send'>;
  /** '' = "<source topic>.dlq" */
  topic: string;
  clock: Clock;
  random: Random;
  logger: Logger;
  backoff: { baseMs: number; maxMs: number };
  /** Bytes per produce batch (kafka.dlq.maxBatchBytes); chunks are cut under min(this, the topic limit). */
  maxBatchBytes: number;
  topicLimit?: TopicLimitReader;
  onDeadLettered?: (letter: DeadLetter, dlqTopic: string) => void;
  /** One produce request acknowledged: how many letters, how many bytes as a batch. */
  onChunkSent?: (dlqTopic: string, letters: number, batchBytes: number) => void;
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
      await this.sendTopic(topic, group, signal);
      for (const l of group) this.opts.onDeadLettered?.(l, topic);
    }
  }

  /** Every letter of one DLQ topic, chunk after chunk, in offset order. */
  private async sendTopic(topic: string, letters: DeadLetter[], signal: AbortSignal): Promise<void> {
    const messages = letters.map(toDlqMessage);
    const sizes = messages.map(recordBytes);
    let limit = await this.limit(topic, false);
    const pending: Chunk[] = planChunks(sizes, Math.min(this.opts.maxBatchBytes, limit ?? Infinity));
    let sent = 0;
    for (let attempt = 0; pending.length > 0; ) {
      if (signal.aborted) throw new AbortedError('dead-letter write abandoned');
      const chunk = pending[0];
      try {
        if (limit !== undefined && chunk.batchBytes > limit) throw this.tooLarge(letters[chunk.start], topic, chunk, messages, limit);
        await this.opts.producer.send({ topic, acks: -1, messages: messages.slice(chunk.start, chunk.end) });
        pending.shift();
        sent += 1;
        attempt = 0;
        this.opts.onChunkSent?.(topic, chunk.end - chunk.start, chunk.batchBytes);
        continue;
      } catch (err) {
        if (signal.aborted) throw new AbortedError('dead-letter write abandoned');
        let failure = err;
        if (isMessageTooLarge(err)) {
          if (chunk.end - chunk.start > 1) {
            // Our estimate or the limit we read was off: halve the chunk and go on, without waiting.
            const mid = chunk.start + Math.ceil((chunk.end - chunk.start) / 2);
            pending.splice(0, 1, span(sizes, chunk.start, mid), span(sizes, mid, chunk.end));
            this.opts.logger.warn('dead-letter batch refused as too large; sending it in halves', { dlqTopic: topic, letters: chunk.end - chunk.start, batchBytes: chunk.batchBytes });
            continue;
          }
          failure = this.tooLarge(letters[chunk.start], topic, chunk, messages, limit);
        }
        await this.waitBeforeRetry(topic, letters.slice(chunk.start, chunk.end), failure, attempt++, signal);
        // The operator may have raised max.message.bytes meanwhile.
        if (failure instanceof DeadLetterTooLargeError) limit = await this.limit(topic, true);
      }
    }
    if (sent > 1) this.opts.logger.info('dead letters sent in size-capped chunks', { dlqTopic: topic, letters: letters.length, chunks: sent, capBytes: Math.min(this.opts.maxBatchBytes, limit ?? Infinity) });
  }

  private async limit(topic: string, refresh: boolean): Promise<number | undefined> {
    return this.opts.topicLimit ? this.opts.topicLimit(topic, refresh) : undefined;
  }

  private tooLarge(l: DeadLetter, topic: string, chunk: Chunk, messages: DlqMessage[], limit: number | undefined): DeadLetterTooLargeError {
    return new DeadLetterTooLargeError(l, topic, chunk.batchBytes, messages[chunk.start].value?.length ?? 0, limit);
  }

  private async waitBeforeRetry(topic: string, letters: DeadLetter[], err: unknown, attempt: number, signal: AbortSignal): Promise<void> {
    const delay = fullJitterDelay(attempt, this.opts.backoff.baseMs, this.opts.backoff.maxMs, this.opts.random);
    this.opts.logger.error('dead-letter topic write failed; partition is not advancing past these messages', {
      dlqTopic: topic,
      sourceTopic: letters[0].topic,
      partition: letters[0].partition,
      offsets: letters.map((l) => l.offset),
      ...(err instanceof AppError ? { code: err.code } : {}),
      error: (err as Error).message,
      attempt: attempt + 1,
      retryInMs: Math.round(delay),
    });
    await this.opts.clock.sleep(delay, signal).catch(() => {
      throw new AbortedError('dead-letter write abandoned');
    });
  }
}

function span(sizes: readonly number[], start: number, end: number): Chunk {
  let batchBytes = RECORD_BATCH_OVERHEAD;
  for (let i = start; i < end; i++) batchBytes += sizes[i];
  return { start, end, batchBytes };
}
