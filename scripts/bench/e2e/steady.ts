/**
 * `--steady N`: N msg/s of 65 KB scans (the original service's design point
 * is 75) produced at an even pace for S seconds into a fresh topic while the
 * consumer runs, then drained to lag 0. Reports the consumer's CPU
 * utilisation (CPU-seconds ÷ wall seconds, in cores) and end-to-end latency
 * from the fast sink: the per-pod cost at that rate.
 */
import type { Admin } from 'kafkajs';
import { gzipRatio } from '../../../src/generator/ratio';
import { generateScan, type DataKind } from '../../../src/generator/wifi-scan';
import { createTopics, deleteTopics, toolingKafka } from '../../../test/integration/support/harness';
import { runConsumer } from './consumer-run';
import type { FastSink } from './fast-sink';
import { figuresOf, type RunFigures } from './figures';
import { Ledger } from './ledger';

export interface SteadySpec {
  admin: Admin;
  sink: FastSink;
  rate: number;
  seconds: number;
  partitions: number;
  seed: number;
  settings: string;
  /** Config overrides of a variant (`--steady R --variants X`); none = the defaults. */
  extra?: Record<string, unknown>;
  data: DataKind;
}

/** Scans the ratio is measured on: the run's first ones (all of a long run would cost more CPU than the run). */
const RATIO_SAMPLE = 500;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const scanAt = (spec: SteadySpec, i: number): Buffer => generateScan({ seed: spec.seed * 7_919 + i, targetBytes: 65_000, id: `s-${i}`, data: spec.data });

export async function runSteady(spec: SteadySpec): Promise<RunFigures & { rate: number; cpuUtilisation: number; dataSet: { kind: DataKind; gzip6Ratio: number; sampled: number } }> {
  const topic = `bench.steady-${Date.now().toString(36)}`;
  await createTopics({ topic, partitions: spec.partitions }, { topic: `${topic}.dlq`, partitions: 1 });
  const total = Math.round(spec.rate * spec.seconds);
  const timestamps = new Float64Array(total);
  const ledger = new Ledger('s', timestamps);
  spec.sink.reset('base64-gzip-lines', ledger);
  const producer = toolingKafka().producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let rawBytes = 0;
  const produce = async (): Promise<void> => {
    await sleep(8_000); // let the consumer join its group first
    const start = Date.now();
    let sent = 0;
    while (sent < total) {
      const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * spec.rate));
      if (due > sent) {
        const now = Date.now();
        const messages = [];
        for (let i = sent; i < due; i++) {
          const value = scanAt(spec, i);
          rawBytes += value.length;
          timestamps[i] = now;
          messages.push({ key: `s-${i}`, value, partition: i % spec.partitions, timestamp: String(now) });
        }
        await producer.send({ topic, acks: -1, messages });
        sent = due;
      }
      await sleep(20);
    }
  };
  try {
    const producing = produce();
    const c = await runConsumer(spec.admin, {
      name: `steady ${spec.rate} msg/s`,
      topic,
      stream: 'bench-fast',
      endpoint: spec.sink.endpoint,
      extra: spec.extra ?? {},
      until: producing,
      timeoutMs: (spec.seconds + 120) * 1000,
      progress: (n) => process.stderr.write(`\r\x1b[K[steady] ${n}/${total} committed`),
    });
    await producing;
    process.stderr.write('\n');
    const first = spec.sink.counters.firstRequestMs;
    spec.sink.settle();
    const f = figuresOf(`steady ${spec.rate} msg/s`, 'fast', spec.settings, { rawBytes, messages: total }, c, ledger.check(), ledger.latencyMs(), first);
    const sampled = Math.min(total, RATIO_SAMPLE);
    const gzip6Ratio = gzipRatio(Array.from({ length: sampled }, (_, i) => scanAt(spec, i)), 6);
    return { ...f, rate: spec.rate, cpuUtilisation: f.cpuSec / f.wallSec, dataSet: { kind: spec.data, gzip6Ratio, sampled } };
  } finally {
    await producer.disconnect();
    await deleteTopics(topic, `${topic}.dlq`);
  }
}
