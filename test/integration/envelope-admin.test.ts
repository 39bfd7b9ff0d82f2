/**
 * The optional envelope and aggregation, end to end, and the admin API of a
 * running consumer (health probes and metrics against the real stack).
 */
import { expect } from 'chai';
import { generateScan, sizeMix } from '../../src/generator/wifi-scan';
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
  expectDelivered,
  stopCleanly,
  killIfRunning,
} from './support/harness';

describe('integration: envelope, aggregation and the admin API', function () {
  this.timeout(300_000);

  it('envelope: every record carries its topic, partition and offset; values are byte-identical', async () => {
    const s = await newScenario('envelope', 3);
    const consumer = startConsumer({ scenario: s, format: 'gzip-ndjson', envelope: true });
    try {
      const ids = await produceScans(s.topic, 300, { partitions: 3, seed: 61, idPrefix: 'ev' });
      await consumer.waitForLog(/"consuming"/, 60_000);
      const read = await waitFor(() => readScenario(s, 'gzip-ndjson', true), (r) => r.messages.length >= ids.length, 120_000, 500);
      const check = checkSets(ids, idsOf(read.messages));
      const envelopes = read.envelopes ?? [];
      const coordinates = new Set(envelopes.map((e) => `${e.partition}@${e.offset}`));
      expectDelivered(check);
      expect(envelopes).to.have.length(ids.length);
      expect(envelopes.every((e) => e.topic === s.topic)).to.equal(true);
      expect(coordinates.size, 'unique (partition, offset)').to.equal(ids.length);
      const sizes = sizeMix(300, 61);
      const mismatched = read.messages.filter((m) => {
        const id = (JSON.parse(m.toString()) as { id: string }).id;
        const i = Number(id.split('-').pop());
        return !generateScan({ seed: 61 * 100_003 + i, targetBytes: sizes[i], id }).equals(m);
      });
      expect(mismatched, 'values not byte-identical').to.have.length(0);
      // the key travels too: produceScans keys each message by its id
      envelopes.forEach((e, i) => expect(e.key).to.equal((JSON.parse(read.messages[i].toString()) as { id: string }).id));
      await stopCleanly(consumer);
    } finally {
      killIfRunning(consumer);
      await cleanupScenario(s);
    }
  });

  it('aggregation: several messages per Firehose record, fewer records, same messages', async () => {
    const s = await newScenario('aggregate', 2);
    const consumer = startConsumer({ scenario: s, format: 'base64-gzip-lines', extra: { pipeline: { aggregate: true }, log: { level: 'debug' } } });
    try {
      const ids = await produceScans(s.topic, 300, { partitions: 2, seed: 62, idPrefix: 'ag' });
      await consumer.waitForLog(/"consuming"/, 60_000);
      const read = await waitFor(() => readScenario(s, 'base64-gzip-lines'), (r) => r.messages.length >= ids.length, 120_000, 500);
      const check = checkSets(ids, idsOf(read.messages));
      const requests = consumer.logs.filter((l) => l.includes('"firehose request"')).map((l) => JSON.parse(l) as { records: number });
      const records = requests.reduce((n, r) => n + r.records, 0);
      console.log(`      [aggregate] ${ids.length} messages in ${records} Firehose records over ${requests.length} requests`);
      expectDelivered(check);
      expect(records).to.be.greaterThan(0).and.lessThan(ids.length / 5);
      await stopCleanly(consumer);
    } finally {
      killIfRunning(consumer);
      await cleanupScenario(s);
    }
  });

  it('admin API: live and ready once consuming, metrics count the deliveries, config redacted', async () => {
    const s = await newScenario('admin', 2);
    const consumer = startConsumer({ scenario: s, format: 'ndjson', extra: { http: { enabled: true, host: '127.0.0.1', port: 0 } } });
    try {
      const ids = await produceScans(s.topic, 60, { partitions: 2, seed: 63, idPrefix: 'ad' });
      const listening = await consumer.waitForLog(/"admin API listening"/, 60_000);
      const port = (JSON.parse(listening) as { port: number }).port;
      const base = `http://127.0.0.1:${port}`;
      await consumer.waitForLog(/"consuming"/, 60_000);
      await waitFor(() => offsetsOf(s.group, s.topic), (os) => os.every((o) => o.committed === o.end), 60_000);
      const live = await fetch(`${base}/healthz/live`);
      const ready = await waitFor(() => fetch(`${base}/healthz/ready`), (r) => r.status === 200, 20_000, 250);
      const metrics = await (await fetch(`${base}/metrics`)).text();
      const config = (await (await fetch(`${base}/admin/config`)).json()) as { firehose: { secretAccessKey: string } };
      const consumed = /^wsqc_messages_consumed_total\{[^}]*\} (\d+)/m.exec(metrics);
      expect(live.status).to.equal(200);
      expect(ready.status).to.equal(200);
      expect(Number(consumed?.[1])).to.equal(ids.length);
      expect(metrics).to.match(/^wsqc_firehose_requests_total\{outcome="ok"\} [1-9]/m);
      expect(config.firehose.secretAccessKey).to.equal('[REDACTED]');
      await stopCleanly(consumer);
    } finally {
      killIfRunning(consumer);
      await cleanupScenario(s);
    }
  });
});
