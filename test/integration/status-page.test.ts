/**
 * The operator's view of a live consumer (issue 7):
 *  1. the status page (GET /) in headless Chromium shows non-zero delivered
 *     counts, lag per partition and the indicators; a screenshot is saved
 *     under .stack/ and its path printed;
 *  2. /actuator/health during a Firehose outage (fault proxy: every
 *     PutRecordBatch answered 500 InternalFailure): liveness stays UP, readiness goes DOWN with
 *     the reason, and both come back UP after the outage; 0 lost.
 */
import { expect } from 'chai';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { launchChromium } from '../support/browser';
import { startFaultProxy } from '../support/fault-proxy';
import {
  EMULATOR,
  ROOT,
  checkSets,
  cleanupScenario,
  expectDelivered,
  idsOf,
  killIfRunning,
  newScenario,
  offsetsOf,
  produceScans,
  sslKafka,
  readScenario,
  startConsumer,
  stopCleanly,
  waitFor,
  type ConsumerProcess,
} from './support/harness';

interface Health {
  status: string;
  components: Record<string, { status: string; details: Record<string, unknown> }>;
}

async function adminBase(consumer: ConsumerProcess): Promise<string> {
  const listening = await consumer.waitForLog(/"admin API listening"/, 60_000);
  return `http://127.0.0.1:${(JSON.parse(listening) as { port: number }).port}`;
}

async function health(base: string, path = '/actuator/health'): Promise<{ code: number; body: Health }> {
  const res = await fetch(`${base}${path}`);
  return { code: res.status, body: (await res.json()) as Health };
}

const HTTP = { http: { enabled: true, host: '127.0.0.1', port: 0 }, health: { remoteCacheMs: 1_000, refreshMs: 1_000, lagSampleMs: 1_000 } };

describe('integration: status page and health on a live consumer', function () {
  this.timeout(240_000);

  it('the status page in headless Chromium shows what was delivered; screenshot saved', async () => {
    const s = await newScenario('status', 3);
    const consumer = startConsumer({ scenario: s, format: 'ndjson', extra: HTTP });
    const browser = await launchChromium();
    try {
      const base = await adminBase(consumer);
      const ids = await produceScans(s.topic, 90, { partitions: 3, seed: 91, idPrefix: 'sp' });
      const producer = sslKafka().producer();
      await producer.connect();
      await producer.send({ topic: s.topic, acks: -1, messages: [{ key: 'poison', value: '{"id": "sp-poison", truncated', partition: 1 }] });
      await producer.disconnect();
      await consumer.waitForLog(/"consuming"/, 60_000);
      await waitFor(() => offsetsOf(s.group, s.topic), (os) => os.every((o) => o.committed === o.end), 60_000);
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${base}/`);
      // (expressions run in the page; strings keep the DOM types out of this Node project)
      await page.waitForFunction("Number((document.getElementById('delivered')?.textContent ?? '0').replace(/,/g, '')) > 0", undefined, { timeout: 30_000 });
      // the lag sampler runs every second here: wait until the table has the three partitions and the dead letter
      await page.waitForFunction("document.querySelectorAll('#lag tr').length === 4 && document.querySelectorAll('#dlq tr td').length > 1", undefined, { timeout: 30_000 });
      const delivered = Number((await page.textContent('#delivered'))?.replace(/,/g, ''));
      const indicators = await page.$$eval('#indicators tr td:first-child', (tds) => tds.map((td) => td.textContent));
      const ready = await page.textContent('#status');
      const dlq = await page.textContent('#dlq');
      mkdirSync(path.join(ROOT, '.stack'), { recursive: true });
      const shot = path.join(ROOT, '.stack', 'status-page.png');
      await page.screenshot({ path: shot, fullPage: true });
      console.log(`      [status page] delivered ${delivered} shown; screenshot ${shot}`);
      expect(errors, 'page errors').to.deep.equal([]);
      expect(delivered).to.equal(ids.length);
      expect(ready).to.match(/UP/);
      expect(dlq).to.include('INVALID_JSON');
      expect(indicators).to.include.members(['kafkaConsumerGroup', 'kafkaTopicAccessibility', 'sslCertificate', 'firehose', 'processMemory', 'messageConsumptionActivity']);
      await stopCleanly(consumer);
    } finally {
      await browser.close();
      killIfRunning(consumer);
      await cleanupScenario(s);
    }
  });

  it('Firehose outage: liveness stays UP, readiness DOWN with the reason; both UP afterwards, nothing lost', async () => {
    const s = await newScenario('outage-health', 2);
    const proxy = await startFaultProxy({ target: EMULATOR });
    const consumer = startConsumer({ scenario: s, format: 'ndjson', firehoseEndpoint: proxy.url, extra: HTTP });
    try {
      const base = await adminBase(consumer);
      await consumer.waitForLog(/"consuming"/, 60_000);
      await waitFor(() => health(base), (h) => h.code === 200, 30_000, 250);
      // 500 InternalFailure: an outage (NETWORK). A 503 ServiceUnavailableException is throttling (BUFFER_FULL, readiness UP with a warning), issue 6 §3.
      proxy.setFaults({ outage: { status: 500 } });
      const ids = await produceScans(s.topic, 40, { partitions: 2, seed: 92, idPrefix: 'oh' });
      const during = await waitFor(() => health(base), (h) => h.body.components.firehose?.status === 'DOWN', 60_000, 250);
      const live = await health(base, '/actuator/health/liveness');
      const ready = await health(base, '/actuator/health/readiness');
      console.log(
        `      [outage] /actuator/health ${during.code} ${during.body.status}; liveness ${live.code} ${live.body.status}; readiness ${ready.code} ${ready.body.status}: ` +
          `firehose ${String(during.body.components.firehose.details.reason)}; activity: ${String(during.body.components.messageConsumptionActivity.details.reason)}`,
      );
      expect(live.code).to.equal(200);
      expect(live.body.status).to.equal('UP');
      expect(ready.code).to.equal(503);
      expect(ready.body.components.firehose.details.reason).to.match(/PutRecordBatch is failing|DescribeDeliveryStream failed|circuit open/);
      proxy.setFaults({});
      const read = await waitFor(() => readScenario(s, 'ndjson'), (r) => r.messages.length >= ids.length, 90_000, 500);
      const after = await waitFor(() => health(base), (h) => h.code === 200, 30_000, 250);
      console.log(`      [outage over] /actuator/health ${after.code} ${after.body.status}`);
      expect(after.body.status).to.equal('UP');
      expectDelivered(checkSets(ids, idsOf(read.messages)));
      await stopCleanly(consumer);
    } finally {
      killIfRunning(consumer);
      await proxy.close();
      await cleanupScenario(s);
    }
  });
});
