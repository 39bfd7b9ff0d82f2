/**
 * Scenario 5: poison messages — one oversized (larger than 1,000 KiB after
 * encoding), invalid JSON ones, one of them last on its partition. Each lands in
 * the dead-letter topic with its headers, the partition does not stall, and
 * sink + dead letters equal everything produced.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { DLQ_HEADERS } from '../../src/kafka/dead-letter';
import { generateScan } from '../../src/generator/wifi-scan';
import {
  checkSets,
  cleanupScenario,
  idsOf,
  newScenario,
  offsetsOf,
  readDlq,
  readScenario,
  sslKafka,
  startConsumer,
  waitFor,
  withAdmin,
  expectDelivered,
  stopCleanly,
  killIfRunning,
} from './support/harness';

describe('integration: poison messages (scenario 5)', function () {
  this.timeout(300_000);

  it('dead-letters oversized and invalid messages with their coordinates; everything else is delivered; no partition stalls', async () => {
    const s = await newScenario('poison', 2);
    // Allow a 2 MB message on the topic and on its dead-letter topic (the broker
    // default is ~1 MB; a DLQ must accept whatever its source topic accepts).
    await withAdmin((admin) =>
      admin.alterConfigs({
        validateOnly: false,
        resources: [s.topic, s.dlq].map((name) => ({ type: 2, name, configEntries: [{ name: 'max.message.bytes', value: '4194304' }] })),
      }),
    );
    const producer = sslKafka().producer();
    await producer.connect();
    const good: string[] = [];
    const send = async (partition: number, value: Buffer, key: string) => {
      await producer.send({ topic: s.topic, acks: -1, messages: [{ partition, key, value }] });
    };
    try {
      for (let i = 0; i < 40; i++) {
        const id = `ok-${i}`;
        good.push(id);
        await send(i % 2, generateScan({ seed: i, targetBytes: 30_000, id }), id);
        if (i === 10) {
          // incompressible: base64 of random bytes, gzip cannot shrink it under the limit
          const huge = Buffer.from(JSON.stringify({ id: 'huge', blob: randomBytes(1_500_000).toString('base64') }));
          await send(0, huge, 'huge');
        }
        if (i === 20) await send(1, Buffer.from('{"id":"broken", "aps": [1, 2'), 'broken');
      }
      await send(0, Buffer.from('not json at all'), 'last-on-p0'); // last on its partition
    } finally {
      await producer.disconnect();
    }

    const consumer = startConsumer({ scenario: s, format: 'base64-gzip-lines' });
    try {
      await consumer.waitForLog(/"consuming"/, 60_000);
      const read = await waitFor(() => readScenario(s, 'base64-gzip-lines'), (r) => r.messages.length >= good.length, 120_000, 500);
      const dlq = await readDlq(s.dlq, 3);
      const offsets = await waitFor(() => offsetsOf(s.group, s.topic), (os) => os.every((o) => o.committed === o.end), 60_000);
      const check = checkSets(good, idsOf(read.messages));
      const byKey = new Map(dlq.map((d) => [d.headers[DLQ_HEADERS.offset] + '@' + d.headers[DLQ_HEADERS.partition], d]));
      console.log(
        `      [poison] delivered ${read.messages.length}, dead-lettered ${dlq.length} (${dlq.map((d) => d.headers[DLQ_HEADERS.errorClass]).join(', ')}); ` +
          `lost ${check.lost.length}, duplicated ${check.duplicated.length}, unexpected ${check.unexpected.length}`,
      );
      expectDelivered(check);
      expect(dlq).to.have.length(3);
      expect(dlq.map((d) => d.headers[DLQ_HEADERS.errorClass]).sort()).to.deep.equal(['INVALID_JSON', 'INVALID_JSON', 'OVERSIZED']);
      for (const d of dlq) {
        expect(d.headers[DLQ_HEADERS.topic]).to.equal(s.topic);
        expect(d.headers[DLQ_HEADERS.reason]).to.be.a('string').and.not.equal('');
        expect(d.headers[DLQ_HEADERS.attempts]).to.match(/^\d+$/);
        expect(Number(d.headers[DLQ_HEADERS.timestamp])).to.be.greaterThan(0);
      }
      const oversized = dlq.find((d) => d.headers[DLQ_HEADERS.errorClass] === 'OVERSIZED')!;
      expect(JSON.parse(oversized.value!.toString()).id).to.equal('huge'); // original bytes, unchanged
      expect(byKey.size).to.equal(3);
      // sink + dead letters = everything produced (40 + 3)
      expect(read.messages.length + dlq.length).to.equal(43);
      // the poison message last on partition 0 did not stall it
      expect(offsets.every((o) => o.committed === o.end)).to.equal(true);
      await stopCleanly(consumer);
    } finally {
      killIfRunning(consumer);
      await cleanupScenario(s);
    }
  });
});
