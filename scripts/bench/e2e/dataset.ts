/**
 * The benchmark's fixed, seeded data set: the 30/65/100 KB mix of the
 * generator (sizeMix) plus a few small (1–5 KB) and large (120 KB) scans, with
 * ids `<prefix>-<i>` for the set check, of either generator data set
 * (`--data realistic`, the default, or `hard`: src/generator/wifi-scan.ts);
 * and the pre-load of a topic with it (the tooling PLAINTEXT listener,
 * round-robin over the partitions, each message's Kafka timestamp kept for the
 * latency figures).
 */
import type { Producer } from 'kafkajs';
import { gzipRatio } from '../../../src/generator/ratio';
import { generateScan, mulberry32, sizeMix, type DataKind } from '../../../src/generator/wifi-scan';

export interface DataSet {
  prefix: string;
  kind: DataKind;
  messages: Buffer[];
  rawBytes: number;
}

/** Every 40th message is a small 1–5 KB scan and every 97th a 120 KB one; the rest follow the 30/65/100 KB mix. */
export function sizesFor(targetBytes: number, seed: number): number[] {
  const rng = mulberry32(seed);
  const mix = sizeMix(Math.ceil(targetBytes / 30_000), seed);
  const sizes: number[] = [];
  let total = 0;
  for (let i = 0; total < targetBytes; i++) {
    const size = i % 97 === 96 ? 120_000 : i % 40 === 39 ? 1_000 + Math.floor(rng() * 4_000) : mix[i % mix.length];
    sizes.push(size);
    total += size;
  }
  return sizes;
}

export function buildDataSet(targetBytes: number, seed: number, kind: DataKind = 'realistic', prefix = 'b'): DataSet {
  const sizes = sizesFor(targetBytes, seed);
  const messages = sizes.map((targetBytes, i) => generateScan({ seed: seed * 1_000_003 + i, targetBytes, id: `${prefix}-${i}`, data: kind }));
  return { prefix, kind, messages, rawBytes: messages.reduce((n, m) => n + m.length, 0) };
}

/** What every result prints about its data: which set, and raw ÷ gzip level 6 over all of it (each message on its own). */
export function describeData(data: DataSet): { kind: DataKind; gzip6Ratio: number } {
  return { kind: data.kind, gzip6Ratio: gzipRatio(data.messages, 6) };
}

/**
 * Produces the data set; returns each message's Kafka timestamp (ms). About
 * 8 messages per partition per request keeps a request under the broker's
 * 1 MB batch limit; one request at a time (the producer is idempotent).
 */
export async function preload(producer: Producer, topic: string, partitions: number, data: DataSet, progress: (sent: number) => void): Promise<Float64Array> {
  const timestamps = new Float64Array(data.messages.length);
  const chunk = partitions * 8;
  const inFlight = new Set<Promise<unknown>>();
  for (let start = 0; start < data.messages.length; start += chunk) {
    const now = Date.now();
    const messages = [];
    for (let i = start; i < Math.min(data.messages.length, start + chunk); i++) {
      timestamps[i] = now;
      messages.push({ key: `${data.prefix}-${i}`, value: data.messages[i], partition: i % partitions, timestamp: String(now) });
    }
    const p = producer.send({ topic, acks: -1, messages });
    inFlight.add(p);
    void p.then(() => inFlight.delete(p), () => inFlight.delete(p));
    if (inFlight.size >= 1) await Promise.race(inFlight); // one at a time: idempotence needs ordered sends
    progress(Math.min(data.messages.length, start + chunk));
  }
  await Promise.all(inFlight);
  return timestamps;
}
