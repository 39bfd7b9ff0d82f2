/**
 * Readiness: `kafkaTopicAccessibility` — every source and dead-letter topic
 * exists, describing it is permitted, and every partition has a leader. Checked
 * through the Kafka admin client (Metadata request) whenever the cached result
 * is older than `cacheMs` (30 s by default; the service also refreshes it on a
 * timer), not only at start-up: a topic deleted or an ACL revoked later shows here.
 */
import { down, errorDetails, up, type Indicator, type IndicatorResult } from './indicator';

/** The one kafkajs Admin call used (admin.fetchTopicMetadata). */
export interface TopicMetadataPort {
  fetchTopicMetadata(options: { topics: string[] }): Promise<{
    topics: Array<{ name: string; partitions: Array<{ partitionId: number; leader: number }> }>;
  }>;
}

export function topicAccessIndicator(port: TopicMetadataPort, topics: readonly string[], cacheMs = 30_000): Indicator {
  return {
    name: 'kafkaTopicAccessibility',
    cacheMs,
    check: async () => {
      try {
        return evaluateTopics(topics, await port.fetchTopicMetadata({ topics: [...topics] }));
      } catch (err) {
        // UNKNOWN_TOPIC_OR_PARTITION, TOPIC_AUTHORIZATION_FAILED, a broker that cannot be reached, ...
        return down({ topics: [...topics], reason: 'cannot describe the topics', ...errorDetails(err) });
      }
    },
  };
}

export function evaluateTopics(
  wanted: readonly string[],
  metadata: Awaited<ReturnType<TopicMetadataPort['fetchTopicMetadata']>>,
): IndicatorResult {
  const byName = new Map(metadata.topics.map((t) => [t.name, t]));
  const problems: string[] = [];
  const topics: Record<string, { partitions: number; leaderless: number[] }> = {};
  for (const name of wanted) {
    const t = byName.get(name);
    if (!t) {
      problems.push(`${name}: missing`);
      continue;
    }
    const leaderless = t.partitions.filter((p) => p.leader < 0).map((p) => p.partitionId).sort((a, b) => a - b);
    topics[name] = { partitions: t.partitions.length, leaderless };
    if (t.partitions.length === 0) problems.push(`${name}: no partitions`);
    if (leaderless.length > 0) problems.push(`${name}: partition(s) ${leaderless.join(', ')} without a leader`);
  }
  return problems.length === 0
    ? up({ topics, reason: 'all topics exist and every partition has a leader' })
    : down({ topics, reason: problems.join('; ') });
}
