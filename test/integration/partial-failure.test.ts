/**
 * Scenario 6: Firehose answers 200 with FailedPutCount > 0 for a share of the
 * entries (fault proxy in front of moto). Only the failed entries are resent:
 * every entry reaches moto exactly once, and is received by the proxy exactly
 * 1 + (times it was failed) times. Also request-level throttling and a short
 * outage are ridden out. Zero lost, zero duplicated.
 */
import { expect } from 'chai';
import { entryHash, resendCheck, startFaultProxy } from '../support/fault-proxy';
import { checkSets, cleanupScenario, EMULATOR, idsOf, newScenario, offsetsOf, produceScans, readScenario, startConsumer, waitFor, expectDelivered, stopCleanly, killIfRunning } from './support/harness';

describe('integration: Firehose partial failures (scenario 6)', function () {
  this.timeout(300_000);

  it('resends exactly the failed entries; zero lost, zero duplicated', async () => {
    const s = await newScenario('partial', 3);
    const proxy = await startFaultProxy({ target: EMULATOR, faults: { seed: 7, partialFailure: { share: 0.3 } } });
    const consumer = startConsumer({ scenario: s, format: 'base64-gzip-lines', firehoseEndpoint: proxy.url, extra: { batch: { maxMessages: 50 } } });
    try {
      const ids = await produceScans(s.topic, 600, { partitions: 3, seed: 41, idPrefix: 'pf' });
      await consumer.waitForLog(/"consuming"/, 60_000);
      const read = await waitFor(() => readScenario(s, 'base64-gzip-lines'), (r) => r.messages.length >= ids.length, 180_000, 500);
      const offsets = await waitFor(() => offsetsOf(s.group, s.topic), (os) => os.every((o) => o.committed === o.end), 60_000);
      const check = checkSets(ids, idsOf(read.messages));
      const st = proxy.stats();
      const { mismatches, failedTotal } = resendCheck(st);
      console.log(
        `      [partial failure 30%] entries ${st.entriesReceived.size}, failed ${failedTotal} times in total, requests ${st.requests}; ` +
          `resend mismatches ${mismatches}; lost ${check.lost.length}, duplicated ${check.duplicated.length}, unexpected ${check.unexpected.length}`,
      );
      expect(failedTotal).to.be.greaterThan(0);
      expect(mismatches, 'entries resent other than exactly once per failure').to.equal(0);
      expectDelivered(check);
      expect(offsets.every((o) => o.committed === o.end)).to.equal(true);
      await stopCleanly(consumer);
    } finally {
      killIfRunning(consumer);
      await proxy.close();
      await cleanupScenario(s);
    }
  });

  it('coalesced requests mix units of several partitions; a partial failure resends only the failed entries, each unit acked once', async () => {
    const s = await newScenario('coalesce', 3);
    const proxy = await startFaultProxy({ target: EMULATOR, faults: { seed: 11, partialFailure: { share: 0.3 } } });
    // Units of ≤ 20 messages (≈ 1.3 MB of ndjson): a full 4 MiB request needs several of them.
    const consumer = startConsumer({ scenario: s, format: 'ndjson', firehoseEndpoint: proxy.url, extra: { batch: { maxMessages: 20 } } });
    try {
      const ids = await produceScans(s.topic, 120, { partitions: 3, seed: 43, idPrefix: 'co' });
      await consumer.waitForLog(/"consuming"/, 60_000);
      const read = await waitFor(() => readScenario(s, 'ndjson'), (r) => r.messages.length >= ids.length, 180_000, 500);
      const offsets = await waitFor(() => offsetsOf(s.group, s.topic), (os) => os.every((o) => o.committed === o.end), 60_000);
      const check = checkSets(ids, idsOf(read.messages));
      // An ndjson entry is the message + "\n"; produceScans puts message i on partition i % 3.
      const partitionOf = new Map(read.messages.map((m) => [entryHash(Buffer.concat([m, Buffer.from('\n')])), Number(idsOf([m])[0]?.split('-')[1]) % 3]));
      const st = proxy.stats();
      const { mismatches, failedTotal } = resendCheck(st);
      const partitionsPerRequest = st.timeline.map((row) => new Set(row.hashes.map((h) => partitionOf.get(h))).size);
      const mixed = partitionsPerRequest.filter((n) => n > 1).length;
      const mixedWithFailures = st.timeline.filter((row, i) => (partitionsPerRequest[i] as number) > 1 && row.acceptedEntries < row.sentEntries).length;
      const unknown = st.timeline.reduce((n, row) => n + row.hashes.filter((h) => !partitionOf.has(h)).length, 0);
      console.log(
        `      [coalesced, partial failure 30%] requests ${st.timeline.length}, mixing partitions ${mixed} (${mixedWithFailures} with failed entries); ` +
          `resend mismatches ${mismatches}; lost ${check.lost.length}, duplicated ${check.duplicated.length}, unexpected ${check.unexpected.length}`,
      );
      expect(unknown, 'every entry the proxy saw is a delivered message').to.equal(0);
      expect(mixedWithFailures, 'requests carrying several partitions that had failed entries').to.be.greaterThan(0);
      expect(failedTotal).to.be.greaterThan(0);
      expect(mismatches, 'entries resent other than exactly once per failure').to.equal(0);
      expectDelivered(check);
      expect(offsets.every((o) => o.committed === o.end)).to.equal(true);
      await stopCleanly(consumer);
    } finally {
      killIfRunning(consumer);
      await proxy.close();
      await cleanupScenario(s);
    }
  });

  it('rides out throttling and a 503 outage without loss or duplicates', async () => {
    const s = await newScenario('outage', 2);
    const proxy = await startFaultProxy({
      target: EMULATOR,
      faults: { seed: 3, throttle: { share: 0.3 }, outage: { status: 503, firstRequests: 5 } },
    });
    const consumer = startConsumer({ scenario: s, format: 'ndjson', firehoseEndpoint: proxy.url, extra: { batch: { maxMessages: 50 } } });
    try {
      const ids = await produceScans(s.topic, 300, { partitions: 2, seed: 42, idPrefix: 'ot' });
      await consumer.waitForLog(/"consuming"/, 60_000);
      const read = await waitFor(() => readScenario(s, 'ndjson'), (r) => r.messages.length >= ids.length, 180_000, 500);
      const check = checkSets(ids, idsOf(read.messages));
      const st = proxy.stats();
      const pausedForOutage = consumer.logs.some((l) => l.includes('"consumer paused"') && /"reason":"(network|buffer_full)"/.test(l));
      // Everything may be delivered while BUFFER_FULL still holds (the 30 % throttle never ends); the idle
      // probe lifts it once every partition was tried without a batch (src/kafka/trial-fetch.ts): up to
      // (partitions + 1) idle probe intervals after the last delivery.
      const resumed = await consumer.waitForLog(/"consumer resumed"/, 15_000).then(
        () => true,
        () => false,
      );
      expect(pausedForOutage, 'consumer paused during the outage').to.equal(true);
      expect(resumed, 'consumer resumed after the outage').to.equal(true);
      console.log(`      [throttle 30% + 5x503] paused for the outage and resumed; requests ${st.requests}; lost ${check.lost.length}, duplicated ${check.duplicated.length}, unexpected ${check.unexpected.length}`);
      expectDelivered(check);
      await stopCleanly(consumer);
    } finally {
      killIfRunning(consumer);
      await proxy.close();
      await cleanupScenario(s);
    }
  });
});
