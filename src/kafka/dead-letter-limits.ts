/**
 * Reads a dead-letter topic's `max.message.bytes` from the broker (the topic's
 * own override, or the broker's `message.max.bytes` it inherits — DescribeConfigs
 * reports the effective value). The sink cuts its chunks under it (issue 6, F2).
 *
 * One short-lived admin connection per read: the value is read once per topic
 * at start-up and again only while a letter is too large for it (so an operator
 * raising the limit un-sticks the partition), which is rare enough not to keep
 * a connection open. A read that fails leaves the limit unknown; the sink then
 * relies on the configured cap and on the broker's MESSAGE_TOO_LARGE answer.
 */
import { ConfigResourceTypes, type Admin } from 'kafkajs';
import type { Logger } from '../logging/types';
import type { TopicLimitReader } from './dead-letter';

export type LimitAdmin = Pick<Admin, 'connect' | 'disconnect' | 'describeConfigs'>;

export async function describeMaxMessageBytes(admin: LimitAdmin, topic: string): Promise<number | undefined> {
  await admin.connect();
  try {
    const res = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }],
    });
    const entry = res.resources[0]?.configEntries.find((e) => e.configName === 'max.message.bytes');
    const n = Number(entry?.configValue);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** A cached TopicLimitReader over fresh admin clients; read failures are logged and give `undefined`. */
export function topicLimitReader(newAdmin: () => LimitAdmin, logger: Logger): TopicLimitReader {
  const cache = new Map<string, number | undefined>();
  return async (topic, refresh) => {
    if (!refresh && cache.has(topic)) return cache.get(topic);
    try {
      const limit = await describeMaxMessageBytes(newAdmin(), topic);
      if (cache.get(topic) !== limit || !cache.has(topic)) logger.info('dead-letter topic batch limit', { dlqTopic: topic, maxMessageBytes: limit ?? 'unknown' });
      cache.set(topic, limit);
      return limit;
    } catch (err) {
      logger.warn('could not read max.message.bytes of the dead-letter topic; using kafka.dlq.maxBatchBytes alone', { dlqTopic: topic, error: (err as Error).message });
      if (!cache.has(topic)) cache.set(topic, undefined);
      return cache.get(topic);
    }
  };
}
