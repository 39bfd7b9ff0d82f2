/**
 * Readiness: `kafkaConsumerGroup` — this pod is a working member of the group.
 * UP when connected, joined and either owning partitions or idle because the
 * group has more members than partitions (the assignors give a member nothing
 * only then, so an idle member is healthy, not broken). DOWN while not
 * connected, between generations (rebalancing), shutting down, or after the
 * consumer crashed for good. Pure: reads the HealthState snapshot and the last
 * assignment.
 */
import { down, up, type Indicator, type IndicatorResult } from './indicator';
import type { HealthSnapshot } from './state';

export interface ConsumerGroupSource {
  groupId: string;
  state(): HealthSnapshot;
  /** topic → partitions of the last GROUP_JOIN; null before the first join. */
  assignment(): Readonly<Record<string, readonly number[]>> | null;
}

export function consumerGroupIndicator(source: ConsumerGroupSource, cacheMs = 1_000): Indicator {
  return { name: 'kafkaConsumerGroup', cacheMs, check: () => evaluateConsumerGroup(source) };
}

export function evaluateConsumerGroup(source: ConsumerGroupSource): IndicatorResult {
  const s = source.state();
  const assigned = source.assignment();
  const partitions = assigned === null ? 0 : Object.values(assigned).reduce((n, list) => n + list.length, 0);
  const details = { groupId: source.groupId, connected: s.kafkaConnected, joined: s.groupJoined, assignedPartitions: partitions, assignment: assigned ?? {} };
  if (s.fatalError) return down({ ...details, reason: `consumer stopped: ${s.fatalError.code}: ${s.fatalError.message}` });
  if (s.shuttingDown) return down({ ...details, reason: 'shutting down' });
  if (!s.kafkaConnected) return down({ ...details, reason: 'not connected to Kafka' });
  if (!s.groupJoined) return down({ ...details, reason: assigned === null ? 'joining the consumer group' : 'rebalancing: between group generations' });
  if (partitions === 0) return up({ ...details, reason: 'member with no partitions: the group has more members than partitions' });
  return up({ ...details, reason: `member of the group with ${partitions} partition(s)` });
}
