/**
 * The broker restarts in the middle of a run (stop, then start, by its
 * scripts): the consumer rides it out — kafkajs reconnects, uncommitted work is
 * redelivered — and nothing is lost. While the coordinator is gone the kafka
 * circuit opens (heartbeats and commits fail for longer than
 * kafka.consumer.coordinatorLostAfterMs) and it closes once they succeed again.
 */
import { expect } from 'chai';
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
    // The silence bound just above the test heartbeat interval (3 s), so the outage (3 s + the broker's start) opens the circuit.
    const extra = {
      firehose: { rate: { recordsPerSecond: 100, bytesPerSecond: 0, requestsPerSecond: 0 } },
      batch: { maxMessages: 20 },
      kafka: { consumer: { coordinatorLostAfterMs: 4000 } },
    };
    const consumer = startConsumer({ scenario: s, format: 'ndjson', extra });
    try {
      const ids = await produceScans(s.topic, 600, { partitions: 3, seed: 71, idPrefix: 'br' });
      await consumer.waitForLog(/"consuming"/, 60_000);
      await waitFor(() => readScenario(s, 'ndjson'), (r) => r.messages.length >= 150, 60_000, 250);
      const stoppedAt = Date.now();
      kafka('stop');
      await new Promise((r) => setTimeout(r, 3000));
      kafka('start');
      const startedAt = Date.now();
      const read = await waitFor(() => readScenario(s, 'ndjson'), (r) => checkSets(ids, idsOf(r.messages)).lost.length === 0, 180_000, 1000);
      const check = checkSets(ids, idsOf(read.messages));
      const offsets = await waitFor(() => offsetsOf(s.group, s.topic), (os) => os.every((o) => o.committed === o.end), 120_000, 1000);
      // The consumer's "circuit open" / "circuit closed" lines for the kafka circuit (src/metrics/events.ts circuitChanged).
      const kafkaCircuit = consumer.logs
        .filter((l) => l.startsWith('{') && l.includes('"circuit":"kafka"'))
        .map((l) => JSON.parse(l) as { message?: string; reason?: string; timestamp: string });
      const opened = kafkaCircuit.find((l) => l.message === 'circuit open' && Date.parse(l.timestamp) >= stoppedAt);
      const closed = kafkaCircuit.find((l) => l.message === 'circuit closed' && opened !== undefined && l.timestamp >= opened.timestamp);
      const at = (l: { timestamp: string } | undefined): string => (l ? `${((Date.parse(l.timestamp) - stoppedAt) / 1000).toFixed(1)} s` : 'never');
      console.log(
        `      [broker restart] broker stopped at 0 s, started again at ${((startedAt - stoppedAt) / 1000).toFixed(1)} s; kafka circuit open at ${at(opened)} (${opened?.reason}), closed at ${at(closed)}; ` +
          `lost ${check.lost.length}, duplicated ${check.duplicated.length}, unexpected ${check.unexpected.length}; ` +
          `offsets at log end: ${offsets.every((o) => o.committed === o.end)}; consumer still running: ${consumer.proc.exitCode === null}`,
      );
      expect(opened, 'the kafka circuit opens while the coordinator is gone').to.not.equal(undefined);
      expect(closed, 'and closes once heartbeats or commits succeed again').to.not.equal(undefined);
      expectDelivered(check, { allowDuplicates: true });
      await stopCleanly(consumer);
    } finally {
      killIfRunning(consumer);
      await cleanupScenario(s);
    }
  });
});
