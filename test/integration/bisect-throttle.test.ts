/**
 * Scenario 6: Firehose rejects a whole request as invalid (400
 * InvalidArgumentException) whenever it carries one particular record; the
 * dispatcher bisects until that record is alone, it is dead-lettered
 * (FIREHOSE_REJECTED), and every other id is delivered.
 * Scenario 2: 10 % of the entries are throttled (ServiceUnavailableException)
 * for a window — 20 s here, two minutes with WSQC_LONG=1: only they are resent
 * (the proxy counts each entry's receipts), nothing is dead-lettered, 0 lost.
 */
import { expect } from 'chai';
import { resendCheck, startFaultProxy } from '../support/fault-proxy';
import { checkSets, cleanupScenario, EMULATOR, expectDelivered, idsOf, killIfRunning, newScenario, offsetsOf, produceScans, readDlq, readScenario, startConsumer, stopCleanly, waitFor } from './support/harness';

describe('integration: bisection and throttling (scenarios 6 and 2)', function () {
  this.timeout(400_000);

  it('a request rejected as invalid: bisection isolates the record, it is dead-lettered, the rest delivered', async () => {
    const s = await newScenario('bisect', 2);
    const bad = 'bi-37';
    const proxy = await startFaultProxy({ target: EMULATOR, faults: { rejectInvalid: { marker: `"id":"${bad}"` } } });
    const consumer = startConsumer({ scenario: s, format: 'ndjson', firehoseEndpoint: proxy.url, extra: { batch: { maxMessages: 50 } } });
    try {
      const ids = await produceScans(s.topic, 200, { partitions: 2, seed: 61, idPrefix: 'bi' });
      await consumer.waitForLog(/"consuming"/, 60_000);
      const expected = ids.filter((id) => id !== bad);
      const read = await waitFor(() => readScenario(s, 'ndjson'), (r) => r.messages.length >= expected.length, 90_000, 500);
      const letters = await readDlq(s.dlq, 1, 30_000);
      await waitFor(() => offsetsOf(s.group, s.topic), (os) => os.every((o) => o.committed === o.end), 60_000);
      const check = checkSets(expected, idsOf(read.messages));
      const st = proxy.stats();
      const bisections = consumer.logs.filter((l) => l.includes('BISECT_InvalidArgumentException')).length;
      const letterIds = letters.map((l) => (JSON.parse(l.value!.toString('utf8')) as { id: string }).id);
      console.log(
        `      [request rejected as invalid] rejected requests ${st.faults.rejectInvalid}, bisection steps ${bisections}; dead letters ${letterIds.join(',')} (${letters[0]?.headers['wsqc.error.class'] ?? '?'}); ` +
          `lost ${check.lost.length}, duplicated ${check.duplicated.length}, unexpected ${check.unexpected.length}`,
      );
      expect(letterIds).to.deep.equal([bad]);
      expect(st.faults.rejectInvalid).to.be.greaterThan(1);
      expectDelivered(check);
      await stopCleanly(consumer);
    } finally {
      killIfRunning(consumer);
      await proxy.close();
      await cleanupScenario(s);
    }
  });

  it('10 % of entries throttled for a window: only they are resent; 0 lost; nothing dead-lettered', async () => {
    const windowMs = process.env.WSQC_LONG === '1' ? 120_000 : 20_000;
    const s = await newScenario('throttle', 3);
    const proxy = await startFaultProxy({ target: EMULATOR, faults: { seed: 11, partialFailure: { share: 0.1, durationMs: windowMs } } });
    const consumer = startConsumer({ scenario: s, format: 'base64-gzip-lines', firehoseEndpoint: proxy.url, extra: { batch: { maxMessages: 30 } } });
    try {
      await consumer.waitForLog(/"consuming"/, 60_000);
      proxy.setFaults({ seed: 11, partialFailure: { share: 0.1, durationMs: windowMs } }); // the window starts now
      const started = Date.now();
      const ids: string[] = [];
      // Traffic across the whole window: a burst every 2 s.
      for (let burst = 0; Date.now() - started < windowMs; burst++) {
        ids.push(...(await produceScans(s.topic, 30, { partitions: 3, seed: 200 + burst, idPrefix: `th${burst}` })));
        await new Promise((r) => setTimeout(r, 2_000));
      }
      const read = await waitFor(() => readScenario(s, 'base64-gzip-lines'), (r) => r.messages.length >= ids.length, 120_000, 500);
      await waitFor(() => offsetsOf(s.group, s.topic), (os) => os.every((o) => o.committed === o.end), 60_000);
      const check = checkSets(ids, idsOf(read.messages));
      const st = proxy.stats();
      const { mismatches, entriesFailed: throttledEntries } = resendCheck(st);
      const pauses = consumer.logs.filter((l) => l.includes('"consumer paused"') && l.includes('"buffer_full"')).length;
      const pauseSeconds = consumer.logs
        .filter((l) => l.startsWith('{') && l.includes('"buffer_full"') && l.includes('"seconds"'))
        .map((l) => (JSON.parse(l) as { seconds: number }).seconds);
      const dead = consumer.logs.filter((l) => l.includes('"message dead-lettered"')).length;
      console.log(
        `      [10% throttled for ${windowMs / 1000} s] ${ids.length} messages, entries ${st.entriesReceived.size}, throttled entries ${throttledEntries} (${st.entries.failed} throttlings); ` +
          `resend mismatches ${mismatches}; buffer_full pauses ${pauses} (${pauseSeconds.map((x) => x.toFixed(1)).join(', ')} s); dead-lettered ${dead}; ` +
          `lost ${check.lost.length}, duplicated ${check.duplicated.length}, unexpected ${check.unexpected.length}`,
      );
      expect(throttledEntries).to.be.greaterThan(0);
      expect(mismatches, 'entries resent other than once per throttling').to.equal(0);
      expect(dead, 'nothing dead-lettered').to.equal(0);
      expectDelivered(check);
      await stopCleanly(consumer);
    } finally {
      killIfRunning(consumer);
      await proxy.close();
      await cleanupScenario(s);
    }
  });
});
