/**
 * A non-retriable Firehose error (the delivery stream is deleted mid-run) stops
 * consumption loudly: the process exits 2, says why, and commits nothing past
 * the work that was not delivered. After the stream is back, a restart
 * delivers the rest: zero lost.
 */
import { expect } from 'chai';
import { createDeliveryStream, deleteDeliveryStream } from '../support/firehose-admin';
import {
  BUCKET,
  EMULATOR,
  checkSets,
  cleanupScenario,
  idsOf,
  newScenario,
  offsetsOf,
  produceScans,
  readScenario,
  startConsumer,
  waitFor,
  expectDelivered,
  stopCleanly,
  killIfRunning,
} from './support/harness';

describe('integration: non-retriable Firehose error', function () {
  this.timeout(300_000);

  it('stream deleted mid-run: exit 2 with the cause, no commit past undelivered work; restart delivers the rest', async () => {
    const s = await newScenario('fatal', 2);
    const first = startConsumer({ scenario: s, format: 'ndjson', extra: { batch: { maxMessages: 20 } } });
    try {
      const ids = await produceScans(s.topic, 100, { partitions: 2, seed: 51, idPrefix: 'fa' });
      await first.waitForLog(/"consuming"/, 60_000);
      await waitFor(() => readScenario(s, 'ndjson'), (r) => r.messages.length >= 100, 60_000, 300);
      await deleteDeliveryStream(EMULATOR, s.stream);
      const more = await produceScans(s.topic, 40, { partitions: 2, seed: 52, idPrefix: 'fb' });
      const exit = await first.exit;
      const out = first.logs.join('\n');
      expect(exit.code, out.slice(-2000)).to.equal(2);
      expect(out).to.match(/FATAL: delivery cannot continue/);
      expect(out).to.match(/ResourceNotFound/);
      const offsets = await offsetsOf(s.group, s.topic);
      const committed = offsets.reduce((n, o) => n + Number(o.committed), 0);
      expect(committed, 'committed past undelivered work').to.be.at.most(100);

      await createDeliveryStream(EMULATOR, s.stream, BUCKET, s.prefix);
      const second = startConsumer({ scenario: s, format: 'ndjson' });
      try {
        const all = [...ids, ...more];
        const read = await waitFor(() => readScenario(s, 'ndjson'), (r) => checkSets(all, idsOf(r.messages)).lost.length === 0, 60_000, 500);
        const check = checkSets(all, idsOf(read.messages));
        console.log(`      [stream deleted] exit 2; committed ${committed}/140 at the stop; after restart lost ${check.lost.length}, duplicated ${check.duplicated.length}, unexpected ${check.unexpected.length}`);
        expectDelivered(check, { allowDuplicates: true });
        await stopCleanly(second);
      } finally {
        killIfRunning(second);
      }
    } finally {
      killIfRunning(first);
      await cleanupScenario(s);
    }
  });
});
