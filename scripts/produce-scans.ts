/**
 * produce-scans: writes seeded WiFi scan messages to Kafka over mutual TLS,
 * for local runs (a trickle, 2 msg/s by default) and load (--rate, --count).
 *
 *   node dist/scripts/produce-scans.js --topic wifi-scans --count 1000 --rate 50
 *
 * Message k has id and key `${idPrefix}-${k}` and is reproducible from
 * (seed, sizes, k) (scripts/load/scan-source.ts), so a checker can compare
 * what reached S3 against a set of ids. TLS material is the development
 * client's: certs/client.pem, certs/client.key (unencrypted) and certs/ca.pem,
 * verified against server name "localhost". This tool never reads a password:
 * an encrypted key is refused.
 *
 * SIGINT/SIGTERM: stop sending, wait for the requests in flight, disconnect,
 * print how many messages the broker acknowledged. A second signal exits at once.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { systemClock } from '../src/clock';
import { readCommandLine } from './lib/cli';
import { parseProduceArgs, PRODUCE_USAGE, type ProduceOptions } from './load/produce-args';
import { progressLine, runProducerLoop, type Sender } from './load/producer-loop';
import { isEncryptedPemKey } from '../src/kafka/tls-pem';


function say(line: string): void {
  process.stdout.write(`produce-scans: ${line}\n`);
}

function readPem(dir: string, name: string): string {
  const file = path.resolve(dir, name);
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}); run scripts/generate-ssl-certs.sh first`);
  }
}

function tlsOptions(o: ProduceOptions): { ca: string; cert: string; key: string; servername: string; rejectUnauthorized: true } {
  const key = readPem(o.certs, 'client.key');
  if (isEncryptedPemKey(key)) {
    throw new Error(`${path.resolve(o.certs, 'client.key')} is encrypted; produce-scans only uses the unencrypted development key`);
  }
  return { ca: readPem(o.certs, 'ca.pem'), cert: readPem(o.certs, 'client.pem'), key, servername: o.servername, rejectUnauthorized: true };
}

async function partitionCount(kafka: Kafka, o: ProduceOptions): Promise<number | null> {
  if (o.partitions.kind === 'key') return null;
  if (o.partitions.kind === 'fixed') return o.partitions.count;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const meta = await admin.fetchTopicMetadata({ topics: [o.topic] });
    const count = meta.topics[0]?.partitions.length ?? 0;
    if (count === 0) throw new Error(`topic ${o.topic} has no partitions`);
    return count;
  } catch (err) {
    // The broker does not auto-create topics (scripts/kafka/kafka.sh).
    if ((err as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION') {
      throw new Error(`topic ${o.topic} does not exist; create it with scripts/create-test-topic.sh ${o.topic}`);
    }
    throw err;
  } finally {
    await admin.disconnect();
  }
}

function kafkaSender(producer: Producer, topic: string): Sender {
  return {
    async send(messages) {
      await producer.send({ topic, acks: -1, messages });
    },
  };
}

const dryRunSender: Sender = { send: async () => undefined };

async function main(): Promise<number> {
  const o = readCommandLine(PRODUCE_USAGE, () => parseProduceArgs(process.argv.slice(2), `scan-${Date.now().toString(36)}-${process.pid}`));
  if (typeof o === 'number') return o;

  const stop = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (++signals > 1) {
      say(`second ${sig}: exiting at once`);
      process.exit(130);
    }
    say(`${sig}: stopping (waiting for requests in flight; send it again to exit at once)`);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let producer: Producer | null = null;
  let sender = dryRunSender;
  let partitions: number | null = o.partitions.kind === 'fixed' ? o.partitions.count : null;
  if (!o.dryRun) {
    const kafka = new Kafka({
      clientId: 'produce-scans',
      brokers: o.brokers,
      ssl: tlsOptions(o),
      logLevel: logLevel.WARN,
    });
    partitions = await partitionCount(kafka, o);
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await producer.connect();
    sender = kafkaSender(producer, o.topic);
  }
  const where = o.dryRun ? 'nowhere (dry run)' : `${o.topic} on ${o.brokers.join(',')}`;
  const spread =
    partitions !== null ? `round-robin over ${partitions} partitions` : o.partitions.kind === 'key' ? 'partitioned by key' : 'partitions not resolved (dry run)';
  const amount = o.count === 0 ? 'until stopped' : `${o.count} messages`;
  say(`producing ${amount} to ${where}, ${o.rate > 0 ? `${o.rate} msg/s` : 'unthrottled'}, sizes ${o.sizes.join('/')}, ${spread}, ids ${o.idPrefix}-<n>`);

  const { stats, error } = await runProducerLoop(o, { sender, clock: systemClock, log: say, signal: stop.signal, partitionCount: partitions });
  if (producer !== null) await producer.disconnect();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  const ids = stats.lastIndex >= 0 ? `; highest id ${o.idPrefix}-${stats.lastIndex}` : '';
  say(`done: ${progressLine(stats)}${ids}`);
  if (error !== null) {
    say(`stopped by a failed send: ${(error as Error)?.message ?? String(error)}`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`produce-scans: ${(err as Error)?.message ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
