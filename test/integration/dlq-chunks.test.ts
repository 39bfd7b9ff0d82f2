/**
 * Scenario 7 (issue 6, F2): twenty invalid 100 KB messages sharing one key are
 * dead-lettered together. Sent as one produce request they would make a ~2 MB
 * record batch, which the broker refuses for the DLQ topic's default
 * max.message.bytes (1,048,588) with MESSAGE_TOO_LARGE — and the partition
 * stalled. Now: every one reaches the DLQ in size-capped chunks, the valid
 * messages around them are delivered, and every offset is committed.
 */
import { expect } from 'chai';
import { DLQ_HEADERS } from '../../src/kafka/dead-letter';
import { generateScan } from '../../src/generator/wifi-scan';
import {
  checkSets,
  cleanupScenario,
  expectDelivered,
  idsOf,
  killIfRunning,
  newScenario,
  offsetsOf,
  readDlq,
  readScenario,
  sslKafka,
  startConsumer,
  stopCleanly,
  waitFor,
  withAdmin,
} from './support/harness';

const BAD = 20;
const GOOD = 30;

/** 100 KB that is not JSON (the string never closes) and still names its id. */
function invalid(id: string): Buffer {
  return Buffer.from(`{"id":"${id}","pad":"${'x'.repeat(100_000)}`);
}

describe('integration: dead letters above the DLQ batch limit (scenario 7, F2)', function () {
  this.timeout(240_000);

  it('twenty invalid 100 KB messages with one key: all in the DLQ, no stall, the valid ones delivered', async () => {
    const s = await newScenario('dlqchunks', 2);
    const limit = await withAdmin(async (admin) => {
      const res = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: s.dlq, configNames: ['max.message.bytes'] }] });
      return Number(res.resources[0].configEntries[0].configValue);
    });
    expect(limit, 'the DLQ keeps the broker default limit').to.be.below(BAD * 100_000);
    const producer = sslKafka().producer();
    const good: string[] = [];
    const bad: string[] = [];
    await producer.connect();
    try {
      // Interleaved on partition 0 (valid ones also on 1); ≤ 8 per request keeps each produce batch under 1 MB.
      const pending: Array<{ partition: number; key: string; value: Buffer }> = [];
      for (let i = 0; i < GOOD; i++) {
        const id = `ok-${i}`;
        good.push(id);
        pending.push({ partition: i % 2, key: id, value: generateScan({ seed: i, targetBytes: 30_000, id }) });
        if (i < BAD) {
          bad.push(`bad-${i}`);
          pending.push({ partition: 0, key: 'one-device', value: invalid(`bad-${i}`) });
        }
      }
      for (let i = 0; i < pending.length; i += 8) await producer.send({ topic: s.topic, acks: -1, messages: pending.slice(i, i + 8) });
    } finally {
      await producer.disconnect();
    }

    const started = Date.now();
    const consumer = startConsumer({ scenario: s, format: 'base64-gzip-lines' });
    try {
      await consumer.waitForLog(/"consuming"/, 60_000);
      const dlq = await readDlq(s.dlq, BAD, 60_000);
      const read = await waitFor(() => readScenario(s, 'base64-gzip-lines'), (r) => r.messages.length >= GOOD, 60_000, 500);
      const offsets = await waitFor(() => offsetsOf(s.group, s.topic), (os) => os.every((o) => o.committed === o.end), 30_000);
      const seconds = (Date.now() - started) / 1000;
      const dlqIds = dlq.map((d) => /^\{"id":"([^"]+)"/.exec(d.value?.toString('utf8', 0, 40) ?? '')?.[1] ?? '?');
      const deadCheck = checkSets(bad, dlqIds);
      const check = checkSets(good, idsOf(read.messages));
      const chunkLines = consumer.logs.filter((l) => l.includes('dead letters sent in size-capped chunks')).map((l) => JSON.parse(l) as { chunks: number; letters: number; capBytes: number });
      console.log(
        `      [dlq-chunks] DLQ limit ${limit} B; dead-lettered ${dlq.length}/${BAD} (lost ${deadCheck.lost.length}, duplicated ${deadCheck.duplicated.length}) ` +
          `in ${chunkLines.map((c) => `${c.letters} letters / ${c.chunks} chunks (cap ${c.capBytes})`).join(', ') || 'no chunked send'}; ` +
          `delivered ${read.messages.length}/${GOOD} (lost ${check.lost.length}, duplicated ${check.duplicated.length}, unexpected ${check.unexpected.length}); ${seconds.toFixed(1)} s`,
      );
      expectDelivered(check);
      expectDelivered(deadCheck);
      expect(dlq.every((d) => d.headers[DLQ_HEADERS.errorClass] === 'INVALID_JSON')).to.equal(true);
      expect(consumer.logs.some((l) => l.includes('MESSAGE_TOO_LARGE') || l.includes('DLQ_LETTER_TOO_LARGE'))).to.equal(false);
      expect(chunkLines.reduce((n, c) => n + c.chunks, 0)).to.be.at.least(3); // ≥ 2 MB in ≤ 1 MB chunks
      expect(offsets.every((o) => o.committed === o.end), 'no partition stalled').to.equal(true);
      await stopCleanly(consumer);
    } finally {
      killIfRunning(consumer);
      await cleanupScenario(s);
    }
  });
});
