/**
 * The production bundle (dist/bundle/, scripts/build-bundle.ts) — what `npm
 * start`, the image and deploy/ run — against the real broker and emulator,
 * whatever WSQC_IT_BUILD says for the other files:
 *  - it delivers through its own worker file: every scan once, byte-identical
 *    (the worker's Piscina.move results arrive intact), offsets at the log end,
 *    worker threads started, a clean SIGTERM;
 *  - the admin API serves the status page, /metrics and readiness;
 *  - bad input still gets its named error (wrong keystore password), and
 *    --print-config redacts, exactly as the tsc build does.
 * Every other integration file runs against the bundle with WSQC_IT_BUILD=bundle.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { generateScan, sizeMix } from '../../src/generator/wifi-scan';
import {
  ROOT,
  checkSets,
  cleanupScenario,
  consumerEntry,
  expectDelivered,
  idsOf,
  killIfRunning,
  newScenario,
  offsetsOf,
  produceScans,
  readScenario,
  startConsumer,
  stopCleanly,
  waitFor,
  type ConsumerProcess,
  type Scenario,
} from './support/harness';

const COUNT = 240;
const PARTITIONS = 3;
const SEED = 23;
const sha = (b: Buffer): string => createHash('sha1').update(b).digest('hex');

describe('integration: the production bundle', function () {
  this.timeout(300_000);
  let s: Scenario;
  before(async () => {
    s = await newScenario('bundle', PARTITIONS);
  });
  after(async () => cleanupScenario(s));

  it(`delivers ${COUNT} scans once each, byte-identical, through its own worker file; serves the admin API; stops cleanly`, async () => {
    let consumer: ConsumerProcess | undefined;
    try {
      const sizes = sizeMix(COUNT, SEED);
      const ids = await produceScans(s.topic, COUNT, { partitions: PARTITIONS, seed: SEED, sizes, idPrefix: 'bundle' });
      consumer = startConsumer({ scenario: s, build: 'bundle', extra: { http: { enabled: true, host: '127.0.0.1', port: 0 } } });
      const listening = await consumer.waitForLog(/"admin API listening"/, 60_000);
      const base = `http://127.0.0.1:${(JSON.parse(listening) as { port: number }).port}`;
      await consumer.waitForLog(/"consuming"/, 60_000);
      const read = await waitFor(() => readScenario(s, 'base64-gzip-lines'), (r) => r.messages.length >= COUNT, 120_000, 1000);
      const check = checkSets(ids, idsOf(read.messages));
      const expected = new Map(ids.map((id, i) => [id, sha(generateScan({ seed: SEED * 100_003 + i, targetBytes: sizes[i], id }))]));
      const mismatched = read.messages.filter((m) => expected.get((JSON.parse(m.toString()) as { id: string }).id) !== sha(m)).length;
      const offsets = await waitFor(() => offsetsOf(s.group, s.topic), (os) => os.every((o) => o.committed === o.end), 30_000);

      const page = await fetch(`${base}/`);
      const html = await page.text();
      const metrics = await (await fetch(`${base}/metrics`)).text();
      const ready = await waitFor(() => fetch(`${base}/healthz/ready`), (r) => r.status === 200, 30_000);
      const threads = /^wsqc_worker_threads_started_total (\d+)/m.exec(metrics);

      expectDelivered(check);
      expect(mismatched, 'byte mismatches').to.equal(0);
      expect(offsets.map((o) => o.committed)).to.deep.equal(offsets.map((o) => o.end));
      expect(page.status).to.equal(200);
      expect(html).to.match(/<html/i).and.include('api/status');
      expect(Number(threads?.[1] ?? 0), 'worker threads started').to.be.greaterThan(0);
      expect(ready.status).to.equal(200);
      expect(consumer.logs.join('\n')).to.not.match(/"level":"error"/);
      await stopCleanly(consumer);
    } finally {
      killIfRunning(consumer);
    }
  });

  it('names a wrong keystore password (TLS_BAD_PASSWORD, exit 1) and redacts --print-config', async () => {
    const secret = 'Bundle-Wr0ng-Passw0rd';
    const bad = startConsumer({ scenario: s, build: 'bundle', env: { KAFKA_KEYSTORE_PASSWORD: secret } });
    const exit = await bad.exit;
    const out = bad.logs.join('\n');
    expect(exit.code, out).to.equal(1);
    expect(out).to.match(/TLS_BAD_PASSWORD/).and.include('kafka.keystore.p12').and.not.include(secret);

    const r = spawnSync(process.execPath, [consumerEntry(ROOT, 'bundle'), '--print-config'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, NODE_ENV: 'local', KAFKA_KEYSTORE_PASSWORD: secret },
    });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.not.include(secret);
    expect((JSON.parse(r.stdout) as { kafka: { tls: { keystorePassword: string } } }).kafka.tls.keystorePassword).to.equal('[REDACTED]');
  });
});
