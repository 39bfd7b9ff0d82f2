/**
 * Scenario 5: the delivery stream is deleted mid-run, then re-created. The
 * Firehose circuit opens (ResourceNotFoundException): fetching pauses with
 * DOWNSTREAM_ERROR, readiness goes down while liveness stays up, nothing is
 * dead-lettered or committed past; the half-open probe (DescribeDeliveryStream)
 * sees the stream ACTIVE again and everything resumes on its own: zero lost,
 * exit code 0 on SIGTERM at the end.
 * With firehose.exitOnPermanentError the same fault stops the process with
 * exit 2 instead, committing nothing past the undelivered work; a restart after
 * the stream is back delivers the rest.
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

const committedSum = async (group: string, topic: string): Promise<number> =>
  (await offsetsOf(group, topic)).reduce((n, o) => n + Math.max(0, Number(o.committed)), 0);

describe('integration: the Firehose circuit (scenario 5)', function () {
  this.timeout(300_000);

  it('stream deleted mid-run, then re-created: circuit opens, readiness down, resumes on its own; 0 lost; exit 0', async () => {
    const s = await newScenario('circuit', 2);
    // health.remoteCacheMs 1 s: the firehose readiness indicator re-describes the stream soon after it is back.
    const consumer = startConsumer({ scenario: s, format: 'ndjson', extra: { batch: { maxMessages: 20 }, http: { enabled: true, host: '127.0.0.1', port: 0 }, health: { remoteCacheMs: 1_000 } } });
    try {
      const listening = await consumer.waitForLog(/"admin API listening"/, 60_000);
      const base = `http://127.0.0.1:${(JSON.parse(listening) as { port: number }).port}`;
      const ids = await produceScans(s.topic, 100, { partitions: 2, seed: 51, idPrefix: 'ca' });
      await consumer.waitForLog(/"consuming"/, 60_000);
      await waitFor(() => readScenario(s, 'ndjson'), (r) => r.messages.length >= 100, 60_000, 300);
      await waitFor(() => committedSum(s.group, s.topic), (n) => n === 100, 30_000, 300);

      await deleteDeliveryStream(EMULATOR, s.stream);
      const more = await produceScans(s.topic, 40, { partitions: 2, seed: 52, idPrefix: 'cb' });
      await consumer.waitForLog(/"circuit open"/, 60_000);
      const ready = await waitFor(() => fetch(`${base}/healthz/ready`), (r) => r.status === 503, 10_000, 200);
      const readyBody = (await ready.json()) as { components: Record<string, { status: string; details?: Record<string, unknown> }> };
      const live = await fetch(`${base}/healthz/live`);
      // Several probe intervals (1 s here) with the stream gone: the circuit stays open, nothing moves.
      await new Promise((r) => setTimeout(r, 4_000));
      const committedWhileOpen = await committedSum(s.group, s.topic);
      expect(ready.status, 'readiness down while the circuit is open').to.equal(503);
      expect(String(readyBody.components.lifecycle?.details?.circuits)).to.match(/firehose (open|half-open): .*ResourceNotFound/);
      expect(live.status, 'liveness up: a restart would not bring the stream back').to.equal(200);
      expect(committedWhileOpen, 'committed past undelivered work').to.equal(100);
      expect(consumer.logs.some((l) => l.includes('"consumer paused"') && l.includes('"downstream_error"'))).to.equal(true);

      await createDeliveryStream(EMULATOR, s.stream, BUCKET, s.prefix);
      const all = [...ids, ...more];
      const read = await waitFor(() => readScenario(s, 'ndjson'), (r) => checkSets(all, idsOf(r.messages)).lost.length === 0, 60_000, 500);
      await waitFor(() => committedSum(s.group, s.topic), (n) => n === 140, 30_000, 300);
      const readyAgain = await waitFor(() => fetch(`${base}/healthz/ready`), (r) => r.status === 200, 15_000, 200);
      expect(readyAgain.status, 'readiness back once the circuit closed').to.equal(200);
      const check = checkSets(all, idsOf(read.messages));
      const resumed = consumer.logs.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { message?: string; reason?: string; seconds?: number }).filter((l) => l.reason === 'downstream_error' && l.seconds !== undefined);
      const transitions = consumer.logs.filter((l) => /"circuit (open|half-open|closed)"/.test(l) && l.includes('"firehose"')).length;
      console.log(
        `      [stream deleted + re-created] circuit transitions ${transitions}; downstream_error pause ${resumed.map((r) => `${r.seconds?.toFixed(1)} s`).join(', ')}; ` +
          `readiness ${ready.status} while open, ${readyAgain.status} after; live ${live.status}; committed ${committedWhileOpen}/140 while open; ` +
          `lost ${check.lost.length}, duplicated ${check.duplicated.length}, unexpected ${check.unexpected.length}`,
      );
      expectDelivered(check, { allowDuplicates: true });
      expect(consumer.logs.some((l) => l.includes('"dead-lettered"') || l.includes('"message dead-lettered"')), 'nothing dead-lettered').to.equal(false);
      await stopCleanly(consumer); // exit code 0
    } finally {
      killIfRunning(consumer);
      await cleanupScenario(s);
    }
  });

  it('exitOnPermanentError: stream deleted mid-run → exit 2 with the cause, no commit past undelivered work; restart delivers the rest', async () => {
    const s = await newScenario('fatal', 2);
    const first = startConsumer({ scenario: s, format: 'ndjson', extra: { batch: { maxMessages: 20 }, firehose: { exitOnPermanentError: true } } });
    try {
      const ids = await produceScans(s.topic, 100, { partitions: 2, seed: 53, idPrefix: 'fa' });
      await first.waitForLog(/"consuming"/, 60_000);
      await waitFor(() => readScenario(s, 'ndjson'), (r) => r.messages.length >= 100, 60_000, 300);
      await deleteDeliveryStream(EMULATOR, s.stream);
      const more = await produceScans(s.topic, 40, { partitions: 2, seed: 54, idPrefix: 'fb' });
      const exit = await first.exit;
      const out = first.logs.join('\n');
      expect(exit.code, out.slice(-2000)).to.equal(2);
      expect(out).to.match(/FATAL: delivery cannot continue/);
      expect(out).to.match(/ResourceNotFound/);
      const committed = await committedSum(s.group, s.topic);
      expect(committed, 'committed past undelivered work').to.be.at.most(100);

      await createDeliveryStream(EMULATOR, s.stream, BUCKET, s.prefix);
      const second = startConsumer({ scenario: s, format: 'ndjson' });
      try {
        const all = [...ids, ...more];
        const read = await waitFor(() => readScenario(s, 'ndjson'), (r) => checkSets(all, idsOf(r.messages)).lost.length === 0, 60_000, 500);
        const check = checkSets(all, idsOf(read.messages));
        console.log(`      [stream deleted, exitOnPermanentError] exit 2; committed ${committed}/140 at the stop; after restart lost ${check.lost.length}, duplicated ${check.duplicated.length}, unexpected ${check.unexpected.length}`);
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
