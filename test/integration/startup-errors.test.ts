/**
 * Bad input at start-up, against the real broker and emulator: each gets a
 * clear error that names what is wrong, the process exits 1, nothing is
 * consumed (so nothing can be lost), and no secret reaches the output.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { systemClock } from '../../src/clock';
import { preflight } from '../../src/kafka/preflight';
import { silentLogger } from '../../src/logging/types';
import {
  CERTS,
  ROOT,
  PLAIN_BROKER,
  SSL_BROKER,
  cleanupScenario,
  consumerEntry,
  defaultBuild,
  newScenario,
  offsetsOf,
  produceScans,
  startConsumer,
  type Scenario,
} from './support/harness';

const SECRET = 'Sup3r-S3cret-Passw0rd-9f1c';

function makeCerts(...args: string[]): string {
  const out = mkdtempSync(path.join(os.tmpdir(), 'wsqc-certs-'));
  const r = spawnSync('bash', [path.join(ROOT, 'scripts/generate-ssl-certs.sh'), '--out', out, '--ca-from', CERTS, '--force', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`generate-ssl-certs failed: ${r.stderr}`);
  return out;
}

async function failsWith(s: Scenario, extra: Record<string, unknown>, env: Record<string, string> = {}): Promise<string> {
  const c = startConsumer({ scenario: s, extra, env });
  const exit = await c.exit;
  const out = c.logs.join('\n');
  expect(exit.code, out).to.equal(1);
  return out;
}

describe('integration: start-up errors name the cause (issue 2 bad inputs)', function () {
  this.timeout(120_000);
  let s: Scenario;
  before(async () => {
    s = await newScenario('startup', 1);
    await produceScans(s.topic, 5, { partitions: 1, seed: 1, idPrefix: 'st' });
  });
  after(async () => {
    // none of the failed starts may have consumed or committed anything
    const offsets = await offsetsOf(s.group, s.topic);
    expect(offsets.map((o) => o.committed)).to.deep.equal(['-1']);
    await cleanupScenario(s);
  });

  it('wrong keystore password: TLS_BAD_PASSWORD naming the keystore, without the password', async () => {
    const out = await failsWith(s, {}, { KAFKA_KEYSTORE_PASSWORD: SECRET });
    expect(out).to.match(/TLS_BAD_PASSWORD/);
    expect(out).to.include('kafka.keystore.p12');
    expect(out).to.not.include(SECRET);
  });

  it('expired client certificate: TLS_CERT_EXPIRED with the date', async () => {
    const dir = makeCerts('--expired');
    const out = await failsWith(s, { kafka: { tls: { keystorePath: path.join(dir, 'kafka.keystore.p12') } } });
    expect(out).to.match(/TLS_CERT_EXPIRED/);
    expect(out).to.match(/expired/i);
  });

  it('not-yet-valid client certificate: TLS_CERT_NOT_YET_VALID', async () => {
    const dir = makeCerts('--not-yet-valid');
    const out = await failsWith(s, { kafka: { tls: { keystorePath: path.join(dir, 'kafka.keystore.p12') } } });
    expect(out).to.match(/TLS_CERT_NOT_YET_VALID/);
  });

  it('a truststore whose CA does not sign our chain: TLS_UNTRUSTED_CHAIN naming the truststore', async () => {
    const dir = makeCerts('--other-ca');
    const out = await failsWith(s, { kafka: { tls: { truststorePath: path.join(dir, 'other-ca.truststore.p12') } } });
    expect(out).to.match(/TLS_UNTRUSTED_CHAIN/);
    expect(out).to.include('other-ca.truststore.p12');
  });

  it('missing keystore file: TLS_FILE_UNREADABLE naming the path', async () => {
    const out = await failsWith(s, { kafka: { tls: { keystorePath: '/nonexistent/kafka.keystore.p12' } } });
    expect(out).to.match(/TLS_FILE_UNREADABLE/);
    expect(out).to.include('/nonexistent/kafka.keystore.p12');
  });

  it('unreachable broker: waits with backoff saying what for, then KAFKA_UNREACHABLE', async () => {
    const out = await failsWith(s, { kafka: { brokers: ['127.0.0.1:1'], connection: { startupRetryForeverMs: 3000, retry: { retries: 0 } } } });
    expect(out).to.match(/waiting for Kafka brokers/);
    expect(out).to.match(/KAFKA_UNREACHABLE/);
  });

  it('the PLAINTEXT port given as the TLS listener: KAFKA_TLS_HANDSHAKE_CLOSED with the hint, never a hang', async () => {
    const out = await failsWith(s, { kafka: { brokers: [PLAIN_BROKER], connection: { startupRetryForeverMs: 3000, retry: { retries: 0 } } } });
    expect(out).to.match(/KAFKA_TLS_HANDSHAKE_CLOSED/);
    expect(out).to.include('is this its SSL listener, not PLAINTEXT?');
  });

  it('missing topic: KAFKA_TOPIC_MISSING naming the topic', async () => {
    const out = await failsWith(s, { kafka: { topics: ['no-such-topic-xyz'], dlq: { topic: 'no-such-topic-xyz.dlq' } } });
    expect(out).to.match(/KAFKA_TOPIC_MISSING/);
    expect(out).to.include("'no-such-topic-xyz'");
  });

  it('missing Firehose delivery stream: FIREHOSE_STREAM_UNAVAILABLE naming the stream', async () => {
    const out = await failsWith(s, { firehose: { streamName: 'no-such-stream-xyz' } });
    expect(out).to.match(/FIREHOSE_STREAM_UNAVAILABLE/);
    expect(out).to.include('no-such-stream-xyz');
  });

  it('a config typo: exits 1 naming the unknown key', async () => {
    const out = await failsWith(s, { kafka: { grupId: 'x' } });
    expect(out).to.include('kafka.grupId');
  });

  it('a value of the wrong type: names the key', async () => {
    const out = await failsWith(s, { batch: { maxMessages: 'many' } });
    expect(out).to.include('batch.maxMessages');
  });

  it('--print-config shows the effective configuration with every secret redacted', () => {
    const r = spawnSync(process.execPath, [consumerEntry(ROOT, defaultBuild()), '--print-config'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, NODE_ENV: 'local', KAFKA_KEYSTORE_PASSWORD: SECRET, AWS_SECRET_ACCESS_KEY: `${SECRET}-aws`, AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE' },
    });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.not.include(SECRET);
    const printed = JSON.parse(r.stdout) as { kafka: { tls: { keystorePassword: string } }; firehose: { secretAccessKey: string } };
    expect(printed.kafka.tls.keystorePassword).to.equal('[REDACTED]');
    expect(printed.firehose.secretAccessKey).to.equal('[REDACTED]');
  });

  describe('handshake-level failures (real broker)', () => {
    const ca = () => readFileSync(path.join(CERTS, 'ca.pem'), 'utf8');
    const run = async (ssl: Record<string, unknown>) => {
      const kafka = new Kafka({ clientId: 'it-tls', brokers: [SSL_BROKER], ssl: { servername: 'localhost', ...ssl }, logLevel: logLevel.NOTHING, retry: { retries: 0 } });
      let caught: unknown;
      await preflight({
        admin: kafka.admin(),
        brokers: [SSL_BROKER],
        topics: [s.topic],
        dlqTopics: [],
        clock: systemClock,
        random: Math.random,
        logger: silentLogger,
        giveUpAfterMs: 2000,
      }).catch((e) => (caught = e));
      return caught as { code?: string; message?: string } | undefined;
    };

    it('no client certificate: the broker refuses, with a message saying a client certificate is required', async () => {
      const err = await run({ ca: [ca()] });
      expect(err?.code).to.match(/KAFKA_TLS_CLIENT_CERT_(REQUIRED|REJECTED)/);
      expect(err?.message).to.match(/client certificate/);
    });

    it('a CA that does not sign the broker: KAFKA_TLS_UNTRUSTED_BROKER', async () => {
      const dir = makeCerts('--other-ca');
      const err = await run({
        ca: [readFileSync(path.join(dir, 'other-ca.pem'), 'utf8')],
        cert: readFileSync(path.join(CERTS, 'client.pem'), 'utf8'),
        key: readFileSync(path.join(CERTS, 'client.key'), 'utf8'),
      });
      expect(err?.code).to.equal('KAFKA_TLS_UNTRUSTED_BROKER');
      expect(err?.message).to.match(/not signed by a CA in the configured truststore/);
    });

    it('the right client certificate: preflight passes', async () => {
      const err = await run({
        ca: [ca()],
        cert: readFileSync(path.join(CERTS, 'client.pem'), 'utf8'),
        key: readFileSync(path.join(CERTS, 'client.key'), 'utf8'),
      });
      expect(err).to.equal(undefined);
    });
  });
});

