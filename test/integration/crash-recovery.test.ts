/**
 * Scenarios 2 and 3: the consumer is killed (SIGKILL) or stopped (SIGTERM) in
 * the middle of a run and restarted. kill -9: zero lost, duplicates counted and
 * reported (at-least-once). SIGTERM: exit 0 within the drain deadline, then
 * zero lost and zero duplicated, because in-flight units are drained and
 * committed and no new unit is started.
 */
import { expect } from 'chai';
import {
  checkSets,
  cleanupScenario,
  idsOf,
  newScenario,
  offsetsOf,
  produceScans,
  readScenario,
  startConsumer,
  waitFor,
  type ConsumerProcess,
  type Scenario,
  killIfRunning,
} from './support/harness';

const COUNT = 1200;
const PARTITIONS = 6;
// Slow delivery down so that "mid-run" is a wide window.
const SLOW = { firehose: { rate: { recordsPerSecond: 150, bytesPerSecond: 0, requestsPerSecond: 0 } }, batch: { maxMessages: 25 } };

async function midRun(s: Scenario, ids: string[], sig: NodeJS.Signals) {
  const first = startConsumer({ scenario: s, format: 'gzip-ndjson', extra: SLOW });
  await first.waitForLog(/"consuming"/, 60_000);
  await waitFor(() => readScenario(s, 'gzip-ndjson'), (r) => r.messages.length >= 200, 120_000, 250);
  const signalledAt = Date.now();
  first.signal(sig);
  const exit = await first.exit;
  const exitMs = Date.now() - signalledAt;
  const before = await readScenario(s, 'gzip-ndjson');
  const second: ConsumerProcess = startConsumer({ scenario: s, format: 'gzip-ndjson', extra: { batch: { maxMessages: 150 } } });
  try {
    const after = await waitFor(
      () => readScenario(s, 'gzip-ndjson'),
      (r) => checkSets(ids, idsOf(r.messages)).lost.length === 0,
      240_000,
      1000,
    );
    const offsets = await waitFor(() => offsetsOf(s.group, s.topic), (os) => os.every((o) => o.committed === o.end), 60_000);
    second.signal('SIGTERM');
    const secondExit = await second.exit;
    return { exit, exitMs, beforeCount: before.messages.length, check: checkSets(ids, idsOf(after.messages)), offsets, secondExit };
  } finally {
    killIfRunning(second);
  }
}

describe('integration: crash and stop mid-run (scenarios 2, 3)', function () {
  this.timeout(600_000);

  it('kill -9 mid-run, restart: zero lost; duplicates counted and reported', async () => {
    const s = await newScenario('kill9', PARTITIONS);
    try {
      const ids = await produceScans(s.topic, COUNT, { partitions: PARTITIONS, seed: 21, idPrefix: 'k9' });
      const r = await midRun(s, ids, 'SIGKILL');
      console.log(
        `      [kill -9] killed after ${r.beforeCount} delivered; after restart: lost ${r.check.lost.length}, ` +
          `duplicated ${r.check.duplicated.length}, unexpected ${r.check.unexpected.length}`,
      );
      expect(r.exit.signal).to.equal('SIGKILL');
      expect(r.check.lost, 'lost').to.deep.equal([]);
      expect(r.check.unexpected, 'unexpected').to.deep.equal([]);
      expect(r.offsets.every((o) => o.committed === o.end)).to.equal(true);
      expect(r.secondExit.code).to.equal(0);
    } finally {
      await cleanupScenario(s);
    }
  });

  it('SIGTERM mid-run: exits 0 within the drain deadline; restart: zero lost, zero duplicated', async () => {
    const s = await newScenario('sigterm', PARTITIONS);
    try {
      const ids = await produceScans(s.topic, COUNT, { partitions: PARTITIONS, seed: 22, idPrefix: 'st' });
      const r = await midRun(s, ids, 'SIGTERM');
      console.log(
        `      [SIGTERM] exit ${r.exit.code} in ${r.exitMs} ms after ${r.beforeCount} delivered; after restart: ` +
          `lost ${r.check.lost.length}, duplicated ${r.check.duplicated.length}, unexpected ${r.check.unexpected.length}`,
      );
      expect(r.exit.code).to.equal(0);
      expect(r.exitMs, "exit within the 10 s drain deadline").to.be.lessThan(10_000);
      expect(r.check.lost, 'lost').to.deep.equal([]);
      expect(r.check.duplicated, 'duplicated').to.deep.equal([]);
      expect(r.check.unexpected, 'unexpected').to.deep.equal([]);
      expect(r.secondExit.code).to.equal(0);
    } finally {
      await cleanupScenario(s);
    }
  });
});
