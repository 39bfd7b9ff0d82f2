/**
 * The broker restarts in the middle of a run (stop, then start, by its
 * scripts): the consumer rides it out — kafkajs reconnects, uncommitted work is
 * redelivered — and nothing is lost.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import {
  ROOT,
  checkSets,
  cleanupScenario,
  expectDelivered,
  idsOf,
  killIfRunning,
  newScenario,
  offsetsOf,
  produceScans,
  readScenario,
  startConsumer,
  stopCleanly,
  waitFor,
} from './support/harness';

function kafka(cmd: 'start' | 'stop'): void {
  const r = spawnSync('bash', [path.join(ROOT, 'scripts/kafka/kafka.sh'), cmd], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`kafka.sh ${cmd} failed: ${r.stdout}${r.stderr}`);
}

describe('integration: broker restart mid-run', function () {
  this.timeout(300_000);

  it('the consumer reconnects after the broker restarts; zero lost', async () => {
    const s = await newScenario('broker-restart', 3);
    const extra = { firehose: { rate: { recordsPerSecond: 100, bytesPerSecond: 0, requestsPerSecond: 0 } }, batch: { maxMessages: 20 } };
    const consumer = startConsumer({ scenario: s, format: 'ndjson', extra });
    try {
      const ids = await produceScans(s.topic, 600, { partitions: 3, seed: 71, idPrefix: 'br' });
      await consumer.waitForLog(/"consuming"/, 60_000);
      await waitFor(() => readScenario(s, 'ndjson'), (r) => r.messages.length >= 150, 60_000, 250);
      kafka('stop');
      await new Promise((r) => setTimeout(r, 3000));
      kafka('start');
      const read = await waitFor(() => readScenario(s, 'ndjson'), (r) => checkSets(ids, idsOf(r.messages)).lost.length === 0, 180_000, 1000);
      const check = checkSets(ids, idsOf(read.messages));
      const offsets = await waitFor(() => offsetsOf(s.group, s.topic), (os) => os.every((o) => o.committed === o.end), 120_000, 1000);
      console.log(
        `      [broker restart] lost ${check.lost.length}, duplicated ${check.duplicated.length}, unexpected ${check.unexpected.length}; ` +
          `offsets at log end: ${offsets.every((o) => o.committed === o.end)}; consumer still running: ${consumer.proc.exitCode === null}`,
      );
      expectDelivered(check, { allowDuplicates: true });
      await stopCleanly(consumer);
    } finally {
      killIfRunning(consumer);
      await cleanupScenario(s);
    }
  });
});
