/**
 * Command line of scripts/produce-scans.ts, as a pure function so every rule
 * has a unit test (test/unit/produce-scans-args.test.ts) and the CLI itself
 * only wires I/O.
 */
import { integer, listOf, matching, parseFlags, real, topicName, usageText, type Convert, type Flags } from '../lib/cli';

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

const FLAGS = {
  topic: { type: 'string', arg: 'NAME', help: 'topic (default wifi-scans)' },
  count: { type: 'string', arg: 'N', help: 'messages to produce, 0 = until SIGINT/SIGTERM (default 0)' },
  rate: { type: 'string', arg: 'R', help: 'messages per second, 0 = unthrottled (default 2)' },
  sizes: { type: 'string', arg: 'A,B,C', help: 'message sizes in bytes, drawn evenly (default 30000,65000,100000)' },
  seed: { type: 'string', arg: 'S', help: 'generator seed (default 1); message k is reproducible from (seed, k)' },
  partitions: {
    type: 'string',
    arg: 'auto|key|N',
    help: "auto: broker's partition count, round-robin; key: kafkajs partitioner\non the id; N: round-robin over 0..N-1 (default auto)",
  },
  brokers: { type: 'string', arg: 'H:P,...', help: '(default 127.0.0.1:9093)' },
  certs: { type: 'string', arg: 'DIR', help: 'client.pem, client.key (unencrypted dev key), ca.pem (default certs)' },
  servername: { type: 'string', arg: 'NAME', help: 'TLS server name to verify (default localhost)' },
  'id-prefix': { type: 'string', arg: 'X', help: 'ids are X-0, X-1, ... (default scan-<time>-<pid>)' },
  'log-every': { type: 'string', arg: 'SEC', help: 'progress line interval (default 5)' },
  'max-batch-bytes': { type: 'string', arg: 'N', help: 'bytes per produce request (default 900000)' },
  'in-flight': { type: 'string', arg: 'N', help: 'produce requests in flight (default 4)' },
  'dry-run': { type: 'boolean', help: 'generate and pace without Kafka' },
} as const satisfies Flags;

export const PRODUCE_USAGE = usageText('node dist/scripts/produce-scans.js [options]', FLAGS);

/** Below the broker's default message.max.bytes (1,048,588) with room for the record overhead. */
export const MAX_SCAN_BYTES = 1_000_000;

const partitions: Convert<PartitionMode> = (flag, value) => {
  if (value === 'auto') return { kind: 'auto' };
  if (value === 'key') return { kind: 'key' };
  return { kind: 'fixed', count: integer(1, 1_000_000)(flag, value) };
};

const BROKER = matching(/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/, 'host:port');
const ID_PREFIX = matching(/^[A-Za-z0-9._:-]{1,100}$/, 'made of letters, digits and . _ : - (at most 100)');

/**
 * Parses `argv` (without node and the script). Accepts `--flag value` and
 * `--flag=value`. `defaultIdPrefix` comes from the caller (time and pid), so
 * this stays pure. Throws AppError USAGE.
 */
export function parseProduceArgs(argv: readonly string[], defaultIdPrefix: string): ProduceOptions {
  const a = parseFlags(argv, FLAGS);
  return {
    topic: a.value('topic', topicName) ?? 'wifi-scans',
    count: a.value('count', integer(0)) ?? 0,
    rate: a.value('rate', real(0)) ?? 2,
    sizes: a.value('sizes', listOf(integer(1, MAX_SCAN_BYTES))) ?? [30_000, 65_000, 100_000],
    seed: a.value('seed', integer(0, 0xffff_ffff)) ?? 1,
    partitions: a.value('partitions', partitions) ?? { kind: 'auto' },
    brokers: a.value('brokers', listOf(BROKER)) ?? ['127.0.0.1:9093'],
    certs: a.text('certs') ?? 'certs',
    servername: a.text('servername') ?? 'localhost',
    idPrefix: a.value('id-prefix', ID_PREFIX) ?? defaultIdPrefix,
    logEverySec: a.value('log-every', real(0.1)) ?? 5,
    maxBatchBytes: a.value('max-batch-bytes', integer(1)) ?? 900_000,
    inFlight: a.value('in-flight', integer(1, 64)) ?? 4,
    dryRun: a.flag('dry-run'),
    help: a.help,
  };
}
