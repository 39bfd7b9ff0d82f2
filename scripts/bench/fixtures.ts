/**
 * Benchmark inputs: WiFi scans of the production size mix (30/65/100 KB) from
 * the seeded generator, so every run encodes the same bytes, and the
 * production encode options (config defaults: validateJson on, depth 64, no
 * envelope, no aggregation, Firehose's own limits).
 */
import { generateScan, sizeMix, type DataKind } from '../../src/generator/wifi-scan';
import { MAX_BYTES_PER_BATCH, MAX_RECORD_BYTES, MAX_RECORDS_PER_BATCH } from '../../src/pipeline/limits';
import { packUnit, type PackableMessage, type PackedUnit } from '../../src/pipeline/pack';
import type { EncodeOptions, RecordFormat, UnitRequest } from '../../src/pipeline/wire';

export const UNIT_MESSAGES = 150;
export const BENCH_SEED = 20_240_101;

export const DEFAULT_LIMITS = {
  maxRecordsPerBatch: MAX_RECORDS_PER_BATCH,
  maxBytesPerBatch: MAX_BYTES_PER_BATCH,
  maxRecordBytes: MAX_RECORD_BYTES,
} as const;

export function encodeOptions(format: RecordFormat, gzipLevel: number, validateJson = true): EncodeOptions {
  return {
    format,
    gzipLevel,
    envelope: false,
    aggregate: false,
    validateJson,
    maxJsonDepth: 64,
    limits: { ...DEFAULT_LIMITS },
  };
}

const corpora = new Map<DataKind, Buffer[]>();

/**
 * The first `n` scans of the size mix, of the realistic data set unless told
 * otherwise; generated once per process (a few ms per scan) and shared by the
 * cases. sizeMix draws sequentially, so a longer mix extends a shorter one and
 * the corpus can grow in place.
 */
export function scans(n: number, data: DataKind = 'realistic'): Buffer[] {
  const corpus = corpora.get(data) ?? [];
  corpora.set(data, corpus);
  if (corpus.length < n) {
    const sizes = sizeMix(n, BENCH_SEED);
    for (let i = corpus.length; i < n; i++) {
      corpus.push(generateScan({ seed: BENCH_SEED + i, targetBytes: sizes[i], id: `bench-${i}`, data }));
    }
  }
  return corpus.slice(0, n);
}

export function totalBytes(buffers: readonly Uint8Array[]): number {
  let sum = 0;
  for (const b of buffers) sum += b.length;
  return sum;
}

/** Messages shaped like kafkajs's (offset and timestamp as strings), for packUnit. */
export function asMessages(values: readonly Buffer[]): PackableMessage[] {
  return values.map((value, i) => ({ value, offset: String(i), timestamp: '1704067200000', key: null }));
}

export function unitRequest(packed: PackedUnit, unitId: number, options: EncodeOptions): UnitRequest {
  return {
    unitId,
    topic: 'wifi-scans',
    partition: 0,
    values: packed.values,
    valueBounds: packed.valueBounds,
    meta: packed.meta,
    options,
  };
}

/** A fresh request (its own buffers), for paths that transfer and so detach them. */
export function freshRequest(messages: readonly PackableMessage[], unitId: number, options: EncodeOptions): UnitRequest {
  return unitRequest(packUnit(messages), unitId, options);
}

export interface FetchBuffer {
  /** The one big buffer, as kafkajs holds a whole fetch response. */
  buffer: Buffer;
  /** Message values as `subarray` views into `buffer` (kafkajs's decoder slices, it does not copy). */
  messages: PackableMessage[];
}

/**
 * A simulated kafkajs fetch response: scans laid back to back in one
 * `fetchBytes` allocation (allocUnsafeSlow: a dedicated ArrayBuffer, as
 * Buffer.concat of a socket's chunks gives for responses this size), with the
 * values as views. Scans are added while they fit.
 */
export function fetchBuffer(fetchBytes: number, maxMessages: number): FetchBuffer {
  const buffer = Buffer.allocUnsafeSlow(fetchBytes);
  buffer.fill(0x20);
  const values: Buffer[] = [];
  let pos = 0;
  for (const scan of scans(maxMessages)) {
    if (pos + scan.length > fetchBytes) break;
    scan.copy(buffer, pos);
    values.push(buffer.subarray(pos, pos + scan.length));
    pos += scan.length;
  }
  return { buffer, messages: asMessages(values) };
}
