/**
 * Scenario 1: 3,000 WiFi scans (30/65/100 KB mix) over 6 partitions, through
 * the real mTLS broker, the real worker pool and the moto Firehose/S3 emulator:
 * every message in S3, byte-identical after decoding, for each record format;
 * committed offsets equal the log end; zero lost, duplicated or unexpected.
 */
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import type { RecordFormat } from '../../src/pipeline/wire';
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
  type ConsumerProcess,
  expectDelivered,
} from './support/harness';

const COUNT = Number(process.env.WSQC_IT_MESSAGES ?? 3000);
const PARTITIONS = 6;
const SEED = 11;

const sha = (b: Buffer): string => createHash('sha1').update(b).digest('hex');

describe('integration: end-to-end delivery (scenario 1)', function () {
  this.timeout(600_000);
  const formats: RecordFormat[] = ['base64-gzip-lines', 'gzip-ndjson', 'ndjson'];

  for (const format of formats) {
    it(`${format}: ${COUNT} messages over ${PARTITIONS} partitions arrive once each, byte-identical, and offsets reach the log end`, async () => {
      const s = await newScenario(`e2e-${format}`, PARTITIONS);
      let consumer: ConsumerProcess | undefined;
      try {
        const sizes = sizeMix(COUNT, SEED);
        const t0 = Date.now();
        const ids = await produceScans(s.topic, COUNT, { partitions: PARTITIONS, seed: SEED, sizes, idPrefix: format });
        const produced = Date.now();
        consumer = startConsumer({ scenario: s, format });
        await consumer.waitForLog(/"consuming"/, 60_000);
        const read = await waitFor(
          () => readScenario(s, format),
          (r) => r.messages.length >= COUNT,
          300_000,
          1000,
        );
        const delivered = Date.now();
        const check = checkSets(ids, idsOf(read.messages));
        // byte-identical: every delivered message equals what was produced for its id
        const expectedHash = new Map(ids.map((id, i) => [id, sha(generateScan({ seed: SEED * 100_003 + i, targetBytes: sizes[i], id }))]));
        const mismatched = read.messages.filter((m) => expectedHash.get((JSON.parse(m.toString()) as { id: string }).id) !== sha(m)).length;
        const offsets = await waitFor(
          () => offsetsOf(s.group, s.topic),
          (os) => os.every((o) => o.committed === o.end),
          30_000,
        );
        const rawBytes = sizes.reduce((a, b) => a + b, 0);
        console.log(
          `      [${format}] produced ${COUNT} (${(rawBytes / 1e6).toFixed(1)} MB) in ${((produced - t0) / 1000).toFixed(1)} s; ` +
            `delivered in ${((delivered - produced) / 1000).toFixed(1)} s; objects ${read.objects.length}, stored ${(read.objectBytes / 1e6).toFixed(1)} MB; ` +
            `lost ${check.lost.length}, duplicated ${check.duplicated.length}, unexpected ${check.unexpected.length}, mismatched ${mismatched}`,
        );
        expectDelivered(check);
        expect(read.messages).to.have.length(COUNT);
        expect(mismatched, 'byte mismatches').to.equal(0);
        expect(offsets.map((o) => o.committed)).to.deep.equal(offsets.map((o) => o.end));
        consumer.signal('SIGTERM');
        const exit = await consumer.exit;
        expect(exit.code).to.equal(0);
      } finally {
        if (consumer && consumer.proc.exitCode === null) consumer.signal('SIGKILL');
        await cleanupScenario(s);
      }
    });
  }
});
