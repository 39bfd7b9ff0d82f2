/**
 * Command line of scripts/produce-scans.ts, as a pure function so every rule
 * has a unit test (test/unit/produce-scans-args.test.ts) and the CLI itself
 * only wires I/O.
 */
import { AppError } from '../../src/errors';
import { splitFlag } from '../tools/cli-args';

export type PartitionMode = { kind: 'auto' } | { kind: 'key' } | { kind: 'fixed'; count: number };

export interface ProduceOptions {
  topic: string;
  /** Messages to produce; 0 = until a signal. */
  count: number;
  /** Messages per second; 0 = as fast as the broker takes them. */
  rate: number;
  /** Target sizes in bytes, drawn evenly per message. */
  sizes: number[];
  seed: number;
  /**
   * auto  = ask the broker for the topic's partition count, then round-robin;
   * key   = leave it to kafkajs's default partitioner (murmur2 of the id key);
   * N     = round-robin over partitions 0..N-1 without asking.
   */
  partitions: PartitionMode;
  brokers: string[];
  /** Directory holding client.pem, client.key (unencrypted) and ca.pem. */
  certs: string;
  servername: string;
  /** Message k gets the id `${idPrefix}-${k}` (also its key). */
  idPrefix: string;
  /** Seconds between progress lines. */
  logEverySec: number;
  /** Bytes per produce request; keeps each record batch under the broker's 1 MiB message.max.bytes. */
  maxBatchBytes: number;
  /** Produce requests in flight at once. */
  inFlight: number;
  /** Generate and pace without connecting to Kafka (to check the generator and the pacing). */
  dryRun: boolean;
  help: boolean;
}

export const PRODUCE_USAGE = `usage: node dist/scripts/produce-scans.js [options]
  --topic NAME            topic (default wifi-scans)
  --count N               messages to produce, 0 = until SIGINT/SIGTERM (default 0)
  --rate R                messages per second, 0 = unthrottled (default 2)
  --sizes A,B,C           message sizes in bytes, drawn evenly (default 30000,65000,100000)
  --seed S                generator seed (default 1); message k is reproducible from (seed, k)
  --partitions auto|key|N auto: broker's partition count, round-robin; key: kafkajs partitioner
                          on the id; N: round-robin over 0..N-1 (default auto)
  --brokers H:P,...       (default 127.0.0.1:9093)
  --certs DIR             client.pem, client.key (unencrypted dev key), ca.pem (default certs)
  --servername NAME       TLS server name to verify (default localhost)
  --id-prefix X           ids are X-0, X-1, ... (default scan-<time>-<pid>)
  --log-every SEC         progress line interval (default 5)
  --max-batch-bytes N     bytes per produce request (default 900000)
  --in-flight N           produce requests in flight (default 4)
  --dry-run               generate and pace without Kafka`;

const VALUE_FLAGS = new Set([
  '--topic', '--count', '--rate', '--sizes', '--seed', '--partitions', '--brokers', '--certs',
  '--servername', '--id-prefix', '--log-every', '--max-batch-bytes', '--in-flight',
]);

/** Kafka's topic name rule (org.apache.kafka.common.internals.Topic: legal chars, 249 max). */
const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;
const BROKER = /^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/;
/** Below the broker's default message.max.bytes (1,048,588) with room for the record overhead. */
export const MAX_SCAN_BYTES = 1_000_000;

function usage(message: string): AppError {
  return new AppError('USAGE', message, { retriable: false });
}

function int(flag: string, value: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    throw usage(`${flag}: expected an integer from ${min} to ${max}, got "${value}"`);
  }
  return n;
}

function num(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < min) throw usage(`${flag}: expected a number >= ${min}, got "${value}"`);
  return n;
}

function list(flag: string, value: string): string[] {
  const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw usage(`${flag}: expected a comma-separated list`);
  return items;
}

function partitions(value: string): PartitionMode {
  if (value === 'auto') return { kind: 'auto' };
  if (value === 'key') return { kind: 'key' };
  return { kind: 'fixed', count: int('--partitions', value, 1, 1_000_000) };
}

export function defaultOptions(defaultIdPrefix: string): ProduceOptions {
  return {
    topic: 'wifi-scans',
    count: 0,
    rate: 2,
    sizes: [30_000, 65_000, 100_000],
    seed: 1,
    partitions: { kind: 'auto' },
    brokers: ['127.0.0.1:9093'],
    certs: 'certs',
    servername: 'localhost',
    idPrefix: defaultIdPrefix,
    logEverySec: 5,
    maxBatchBytes: 900_000,
    inFlight: 4,
    dryRun: false,
    help: false,
  };
}

/**
 * Parses `argv` (without node and the script). Accepts `--flag value` and
 * `--flag=value`. `defaultIdPrefix` comes from the caller (time and pid), so
 * this stays pure. Throws AppError USAGE.
 */
export function parseProduceArgs(argv: readonly string[], defaultIdPrefix: string): ProduceOptions {
  const o = defaultOptions(defaultIdPrefix);
  for (let i = 0; i < argv.length; i++) {
    const { flag, inline } = splitFlag(argv[i]);
    if (flag === '--dry-run' || flag === '--help' || flag === '-h') {
      if (inline !== undefined) throw usage(`${flag} takes no value`);
      if (flag === '--dry-run') o.dryRun = true;
      else o.help = true;
      continue;
    }
    if (!VALUE_FLAGS.has(flag)) throw usage(`unknown option ${flag}`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw usage(`${flag} needs a value`);
    switch (flag) {
      case '--topic':
        if (!TOPIC.test(value) || value === '.' || value === '..') throw usage(`--topic: "${value}" is not a legal Kafka topic name`);
        o.topic = value;
        break;
      case '--count':
        o.count = int(flag, value, 0);
        break;
      case '--rate':
        o.rate = num(flag, value, 0);
        break;
      case '--sizes':
        o.sizes = list(flag, value).map((s) => int(flag, s, 1, MAX_SCAN_BYTES));
        break;
      case '--seed':
        o.seed = int(flag, value, 0, 0xffff_ffff);
        break;
      case '--partitions':
        o.partitions = partitions(value);
        break;
      case '--brokers':
        o.brokers = list(flag, value);
        for (const b of o.brokers) if (!BROKER.test(b)) throw usage(`--brokers: "${b}" is not host:port`);
        break;
      case '--certs':
        o.certs = value;
        break;
      case '--servername':
        o.servername = value;
        break;
      case '--id-prefix':
        if (!/^[A-Za-z0-9._:-]{1,100}$/.test(value)) throw usage('--id-prefix: letters, digits and . _ : - only, at most 100');
        o.idPrefix = value;
        break;
      case '--log-every':
        o.logEverySec = num(flag, value, 0.1);
        break;
      case '--max-batch-bytes':
        o.maxBatchBytes = int(flag, value, 1);
        break;
      case '--in-flight':
        o.inFlight = int(flag, value, 1, 64);
        break;
      default:
        throw usage(`unknown option ${flag}`);
    }
  }
  return o;
}
