/**
 * npm run offsets -- --group <id> --topic <t> (--show | --to-earliest | --to-latest | --to-timestamp <time>) [--dry-run] [--config FILE]
 *
 * Shows a consumer group's committed offsets with log start, log end and lag,
 * or resets them. A reset is refused (exit 1) while the group has live
 * members: the broker would reject the commit of a non-member anyway
 * (UNKNOWN_MEMBER_ID) or the live members would overwrite it.
 */
import { parseOffsetsArgs, OFFSETS_USAGE } from './tools/offsets-args';
import { formatOffsetTable, formatResetPlan, offsetRows, resetPlan, type PartitionState } from './tools/offsets-plan';
import { groupBusyError, groupMembers, requireTopics, runToolCommand, withToolAdmin } from './tools/tool-kafka';

runToolCommand('offsets', OFFSETS_USAGE, parseOffsetsArgs, (o, kafka, say) =>
  withToolAdmin(kafka, async (admin) => {
    await requireTopics(admin, [{ topic: o.topic, role: 'topic' }]);
    const ends = await admin.fetchTopicOffsets(o.topic);
    const [committed] = await admin.fetchOffsets({ groupId: o.group, topics: [o.topic] });
    const states: PartitionState[] = ends.map((e) => ({
      partition: e.partition,
      low: e.low,
      high: e.high,
      committed: committed?.partitions.find((p) => p.partition === e.partition)?.offset ?? '-1',
    }));
    const g = await groupMembers(admin, o.group);
    if (o.action.kind === 'show') {
      say(formatOffsetTable(o.group, o.topic, offsetRows(states), g.state, g.members.length));
      return 0;
    }
    if (g.members.length > 0) throw groupBusyError(o.group, g, 'offsets can only be reset while the group is empty');
    const times = o.action.kind === 'timestamp' ? new Map((await admin.fetchTopicOffsetsByTimestamp(o.topic, o.action.ms)).map((p) => [p.partition, p.offset])) : undefined;
    const plan = resetPlan(states, o.action, times);
    say(formatResetPlan(o.group, o.topic, plan, o.dryRun));
    if (o.dryRun) return 0;
    await admin.setOffsets({ groupId: o.group, topic: o.topic, partitions: plan.map((p) => ({ partition: p.partition, offset: p.to })) });
    const [after] = await admin.fetchOffsets({ groupId: o.group, topics: [o.topic] });
    const rows = offsetRows(states.map((s) => ({ ...s, committed: after?.partitions.find((p) => p.partition === s.partition)?.offset ?? '-1' })));
    say(formatOffsetTable(o.group, o.topic, rows, g.state, 0));
    return 0;
  }),
);
