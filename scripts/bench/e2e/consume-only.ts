/**
 * Ceiling (2), consume-only: a child process that reads the pre-loaded topic
 * with kafkajs over mTLS, with the consumer's own fetch settings, and
 * discards every message; it exits when every partition has been read to its
 * end and prints one JSON line with its own CPU and wall time from process
 * start. Usage (from the benchmark): node consume-only.js <topic> <group>
 */
import { consumerConfig } from '../../../src/kafka/clients';
import { sslKafka, withAdmin } from '../../../test/integration/support/harness';

async function main(topic: string, group: string): Promise<void> {
  const ends = new Map<number, bigint>();
  await withAdmin(async (admin) => {
    for (const p of await admin.fetchTopicOffsets(topic)) ends.set(p.partition, BigInt(p.high));
  });
  const consumer = sslKafka().consumer(
    consumerConfig({
      groupId: group,
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 3_000,
      rebalanceTimeoutMs: 20_000,
      minBytes: 1,
      maxWaitTimeMs: 100,
      maxBytesPerPartition: 10_485_760,
      maxBytes: 52_428_800,
    }),
  );
  let bytes = 0;
  let messages = 0;
  const done = new Set<number>();
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  for (const [p, end] of ends) if (end === 0n) done.add(p);
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: 3,
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        bytes += m.value?.length ?? 0;
        messages++;
      }
      const last = batch.messages.at(-1);
      if (last && BigInt(last.offset) + 1n >= (ends.get(batch.partition) ?? 0n)) done.add(batch.partition);
      if (done.size === ends.size) finish();
    },
  });
  await finished;
  const cpu = process.cpuUsage();
  const uptimeSec = process.uptime();
  await consumer.disconnect();
  process.stdout.write(`${JSON.stringify({ bytes, messages, uptimeSec, cpuSec: (cpu.user + cpu.system) / 1e6, maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`);
}

main(process.argv[2], process.argv[3]).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`consume-only: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
