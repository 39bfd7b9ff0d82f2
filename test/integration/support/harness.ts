/**
 * Integration harness: the real broker (mTLS on 9093, PLAINTEXT 9092 for
 * tooling; WSQC_KAFKA_SSL_PORT / WSQC_KAFKA_PLAINTEXT_PORT move them), the real moto emulator, and the consumer as a child process
 * (`node dist/src/main.js --config <file>`), exactly as production runs it.
 * Every test uses its own topic, group, stream and S3 prefix.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { createBucket, createDeliveryStream, deleteDeliveryStream, emulatorEndpoint, uniqueName } from '../../support/firehose-admin';
import { readDeliveredDetailed, type DeliveredRead } from '../../support/s3-reader';
import type { RecordFormat } from '../../../src/pipeline/wire';
import { generateScan, sizeMix } from '../../../src/generator/wifi-scan';

export const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
export const CERTS = path.join(ROOT, 'certs');
/** Ports follow the stack scripts' overrides (scripts/lib/kafka-env.sh), so two clones can run side by side. */
export const SSL_PORT = Number(process.env.WSQC_KAFKA_SSL_PORT ?? 9093);
export const PLAIN_PORT = Number(process.env.WSQC_KAFKA_PLAINTEXT_PORT ?? 9092);
export const SSL_BROKER = `127.0.0.1:${SSL_PORT}`;
export const PLAIN_BROKER = `127.0.0.1:${PLAIN_PORT}`;
export const EMULATOR = emulatorEndpoint();
export const BUCKET = 'wsqc-it';

/** The development passwords, read from their one place (scripts/lib/dev-passwords.sh). */
export function devPasswords(): Record<string, string> {
  const out = spawnSync('bash', ['-c', `source "${ROOT}/scripts/lib/dev-passwords.sh" && env`], { encoding: 'utf8' }).stdout;
  const env: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const m = /^(KAFKA_(?:KEYSTORE|TRUSTSTORE|KEY)_PASSWORD)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2];
  }
  return env;
}

export function sslOptions() {
  return {
    ca: [readFileSync(path.join(CERTS, 'ca.pem'), 'utf8')],
    cert: readFileSync(path.join(CERTS, 'client.pem'), 'utf8'),
    key: readFileSync(path.join(CERTS, 'client.key'), 'utf8'),
    servername: 'localhost',
  };
}

export function toolingKafka(): Kafka {
  return new Kafka({ clientId: 'it-tooling', brokers: [PLAIN_BROKER], logLevel: logLevel.NOTHING });
}

export function sslKafka(): Kafka {
  return new Kafka({ clientId: 'it-ssl', brokers: [SSL_BROKER], ssl: sslOptions(), logLevel: logLevel.NOTHING });
}

export async function withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = toolingKafka().admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Creates the topics and waits until every partition has a leader. kafkajs's own
 * `waitForLeaders` gives up after a few metadata retries; on a loaded machine it
 * then throws UNKNOWN_TOPIC_OR_PARTITION ("This server does not host this
 * topic-partition") although the topic was created. So when the topics exist we
 * wait for their leaders ourselves, bounded, instead of failing the scenario.
 */
export async function createTopics(...topics: Array<{ topic: string; partitions: number }>): Promise<void> {
  await withAdmin(async (admin) => {
    const names = topics.map((t) => t.topic);
    try {
      await admin.createTopics({ waitForLeaders: true, topics: topics.map((t) => ({ topic: t.topic, numPartitions: t.partitions, replicationFactor: 1 })) });
    } catch (err) {
      const existing = new Set(await admin.listTopics());
      if (!names.every((n) => existing.has(n))) throw err;
    }
    await waitForLeaders(admin, topics, 60_000);
  });
}

async function waitForLeaders(admin: Admin, topics: Array<{ topic: string; partitions: number }>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no metadata yet';
  while (Date.now() < deadline) {
    try {
      const meta = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.topic) });
      const ready = topics.every((t) => {
        const m = meta.topics.find((x) => x.name === t.topic);
        return m !== undefined && m.partitions.length === t.partitions && m.partitions.every((p) => p.leader >= 0);
      });
      if (ready) return;
      last = 'partitions without a leader';
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`topics ${topics.map((t) => t.topic).join(', ')} have no leaders after ${timeoutMs} ms: ${last}`);
}

export async function deleteTopics(...topics: string[]): Promise<void> {
  await withAdmin((admin) => admin.deleteTopics({ topics })).catch(() => undefined);
}

/** Deletes the scenario's topics and stream (moto allows 50 streams per region); S3 objects stay. */
export async function cleanupScenario(s: Scenario): Promise<void> {
  await deleteTopics(s.topic, s.dlq);
  await deleteDeliveryStream(EMULATOR, s.stream).catch(() => undefined);
}

export interface Scenario {
  id: string;
  topic: string;
  dlq: string;
  group: string;
  stream: string;
  prefix: string;
}

/** A unique topic (+ .dlq), group, Firehose stream and S3 prefix. */
export async function newScenario(name: string, partitions: number): Promise<Scenario> {
  const id = uniqueName(name);
  const s: Scenario = { id, topic: `it.${id}`, dlq: `it.${id}.dlq`, group: `it-${id}`, stream: `it-${id}`, prefix: `${id}/` };
  await createTopics({ topic: s.topic, partitions }, { topic: s.dlq, partitions: 1 });
  await createBucket(EMULATOR, BUCKET);
  await createDeliveryStream(EMULATOR, s.stream, BUCKET, s.prefix);
  return s;
}

/** Produces `count` scans with unique ids over SSL, spread round-robin across partitions. */
export async function produceScans(
  topic: string,
  count: number,
  opts: { partitions: number; seed?: number; sizes?: number[]; idPrefix?: string; producer?: Producer },
): Promise<string[]> {
  const sizes = opts.sizes ?? sizeMix(count, opts.seed ?? 7);
  const producer = opts.producer ?? sslKafka().producer();
  if (!opts.producer) await producer.connect();
  const ids: string[] = [];
  try {
    // ≤ ~8 messages of ≤ 100 KB per partition per request: under the broker's 1 MB batch limit
    const chunk = Math.max(1, opts.partitions) * 8;
    for (let start = 0; start < count; start += chunk) {
      const messages = [];
      for (let i = start; i < Math.min(count, start + chunk); i++) {
        const id = `${opts.idPrefix ?? 'scan'}-${i}`;
        ids.push(id);
        messages.push({ key: id, value: generateScan({ seed: (opts.seed ?? 7) * 100_003 + i, targetBytes: sizes[i], id }), partition: i % opts.partitions });
      }
      await producer.send({ topic, acks: -1, messages });
    }
  } finally {
    if (!opts.producer) await producer.disconnect();
  }
  return ids;
}

export async function readScenario(s: Scenario, format: RecordFormat, envelope = false): Promise<DeliveredRead> {
  return readDeliveredDetailed({ endpoint: EMULATOR, bucket: BUCKET, prefix: s.prefix, format, envelope });
}

export function idsOf(messages: Buffer[]): string[] {
  return messages.map((m) => (JSON.parse(m.toString('utf8')) as { id: string }).id);
}

export interface SetCheck {
  expected: number;
  delivered: number;
  lost: string[];
  duplicated: string[];
  unexpected: string[];
}

/** Lost, duplicated and unexpected ids: a duplicate can hide a loss, so all three, every time. */
export function checkSets(expected: readonly string[], delivered: readonly string[]): SetCheck {
  const want = new Set(expected);
  const seen = new Map<string, number>();
  for (const id of delivered) seen.set(id, (seen.get(id) ?? 0) + 1);
  return {
    expected: expected.length,
    delivered: delivered.length,
    lost: expected.filter((id) => !seen.has(id)),
    duplicated: [...seen].filter(([, n]) => n > 1).map(([id]) => id),
    unexpected: [...seen.keys()].filter((id) => !want.has(id)),
  };
}

export async function waitFor<T>(probe: () => Promise<T>, done: (v: T) => boolean, timeoutMs: number, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (done(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Committed offset and log end per partition of the group on the topic. */
export async function offsetsOf(group: string, topic: string): Promise<Array<{ partition: number; committed: string; end: string }>> {
  return withAdmin(async (admin) => {
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return ends
      .map((e) => ({
        partition: e.partition,
        end: e.high,
        committed: committed.partitions.find((p) => p.partition === e.partition)?.offset ?? '-1',
      }))
      .sort((a, b) => a.partition - b.partition);
  });
}

/** Reads every message of the dead-letter topic (from the beginning) with its headers. */
export async function readDlq(topic: string, expected: number, timeoutMs = 30000): Promise<Array<{ value: Buffer | null; headers: Record<string, string> }>> {
  const consumer = toolingKafka().consumer({ groupId: `dlq-reader-${uniqueName('g')}` });
  const out: Array<{ value: Buffer | null; headers: Record<string, string> }> = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
      out.push({ value: message.value, headers });
    },
  });
  await waitFor(async () => out.length, (n) => n >= expected, timeoutMs, 200);
  await new Promise((r) => setTimeout(r, 500));
  await consumer.disconnect();
  return out;
}

export function stackLooksUp(): boolean {
  return existsSync(path.join(CERTS, 'kafka.keystore.p12'));
}

/** The delivery verdict every scenario asserts: nothing lost or unexpected; duplicates only where allowed. */
export function expectDelivered(check: SetCheck, opts: { allowDuplicates?: boolean } = {}): void {
  const problems: string[] = [];
  if (check.lost.length > 0) problems.push(`lost ${check.lost.length} (e.g. ${check.lost.slice(0, 5).join(', ')})`);
  if (check.unexpected.length > 0) problems.push(`unexpected ${check.unexpected.length} (e.g. ${check.unexpected.slice(0, 5).join(', ')})`);
  if (!opts.allowDuplicates && check.duplicated.length > 0) problems.push(`duplicated ${check.duplicated.length} (e.g. ${check.duplicated.slice(0, 5).join(', ')})`);
  if (problems.length > 0) throw new Error(`delivery check failed: ${problems.join('; ')}`);
}

export {
  startConsumer,
  writeConsumerConfig,
  stopCleanly,
  killIfRunning,
  consumerEntry,
  defaultBuild,
  type ConsumerBuild,
  type ConsumerProcess,
  type ConsumerSettings,
} from './consumer-process';
