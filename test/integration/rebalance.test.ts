/**
 * Scenario 4: a second consumer joins the group mid-run. Partitions move;
 * work of revoked partitions is abandoned uncommitted and redelivered to the
 * new owner: duplicates are allowed, loss is not.
 */
import { expect } from 'chai';
import { checkSets, cleanupScenario, idsOf, newScenario, offsetsOf, produceScans, readScenario, startConsumer, waitFor, expectDelivered } from './support/harness';

describe('integration: rebalance mid-run (scenario 4)', function () {
  this.timeout(600_000);

  it('a second consumer joins mid-run: zero lost, both consumers delivered, offsets reach the log end', async () => {
    const s = await newScenario('rebalance', 6);
    const extra = { firehose: { rate: { recordsPerSecond: 150, bytesPerSecond: 0, requestsPerSecond: 0 } }, batch: { maxMessages: 25 } };
    const a = startConsumer({ scenario: s, format: 'ndjson', extra });
    let b: ReturnType<typeof startConsumer> | undefined;
    try {
      const ids = await produceScans(s.topic, 1200, { partitions: 6, seed: 31, idPrefix: 'rb' });
      await a.waitForLog(/"consuming"/, 60_000);
      await waitFor(() => readScenario(s, 'ndjson'), (r) => r.messages.length >= 200, 120_000, 250);
      b = startConsumer({ scenario: s, format: 'ndjson', extra });
      await b.waitForLog(/"consuming"/, 60_000);
      const read = await waitFor(
        () => readScenario(s, 'ndjson'),
        (r) => checkSets(ids, idsOf(r.messages)).lost.length === 0,
        300_000,
        1000,
      );
      const check = checkSets(ids, idsOf(read.messages));
      const offsets = await waitFor(() => offsetsOf(s.group, s.topic), (os) => os.every((o) => o.committed === o.end), 60_000);
      const rebalanced = a.logs.some((l) => /rebalanc/i.test(l));
      console.log(
        `      [rebalance] lost ${check.lost.length}, duplicated ${check.duplicated.length}, unexpected ${check.unexpected.length}; ` +
          `first consumer saw a rebalance: ${rebalanced}`,
      );
      expect(rebalanced, 'the first consumer went through a rebalance').to.equal(true);
      expect(b!.logs.some((l) => l.includes('"consumer group joined"')), 'the second consumer joined').to.equal(true);
      expectDelivered(check, { allowDuplicates: true });
      expect(offsets.every((o) => o.committed === o.end)).to.equal(true);
      a.signal('SIGTERM');
      b.signal('SIGTERM');
      expect((await a.exit).code).to.equal(0);
      expect((await b.exit).code).to.equal(0);
    } finally {
      for (const c of [a, b]) if (c && c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
      await cleanupScenario(s);
    }
  });
});
