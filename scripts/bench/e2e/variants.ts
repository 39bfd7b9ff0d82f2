/**
 * The settings of the end-to-end benchmark's runs: the pipeline defaults a
 * pod runs with (config/default.json over the schema's defaults), each
 * variant's config overrides (deep-merged over them), whether a variant is
 * the defaults on this machine, and the one-line description of a run's
 * settings in the report.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { schema } from '../../../src/config/schema';
import type { EncodeOptions, RecordFormat } from '../../../src/pipeline/wire';
import { ROOT } from '../../../test/integration/support/harness';
import type { VariantId } from './args';

/** The pipeline defaults a pod runs with: config/default.json over the schema's defaults. */
const SCHEMA_PIPELINE = schema.pipeline as unknown as Record<string, { default: unknown }>;
const FILE_PIPELINE = (JSON.parse(readFileSync(path.join(ROOT, 'config', 'default.json'), 'utf8')) as { pipeline?: Record<string, unknown> }).pipeline ?? {};
const pipelineDefault = (key: string): unknown => FILE_PIPELINE[key] ?? SCHEMA_PIPELINE[key].default;
export const DEFAULT_FORMAT = pipelineDefault('format') as RecordFormat;
const DEFAULT_LEVEL = pipelineDefault('gzipLevel') as number;
const DEFAULT_MAX_DEPTH = pipelineDefault('maxJsonDepth') as number;
export const CORES = os.availableParallelism();

/** Config overrides of each variant (deep-merged over the defaults). */
export type Overrides = { pipeline?: Record<string, unknown>; pool?: Record<string, unknown>; flow?: Record<string, unknown>; firehose?: Record<string, unknown>; kafka?: { consumer: { maxBytes: number; maxBytesPerPartition: number } } };

export function variantConfig(v: VariantId): Overrides {
  switch (v) {
    case 'level1':
    case 'level3':
    case 'level4':
    case 'level5':
    case 'level6':
      return { pipeline: { gzipLevel: Number(v.slice(5)) } };
    case 'gzip-ndjson':
    case 'ndjson':
    case 'base64-gzip-lines':
      return { pipeline: { format: v } };
    case 'no-validation':
      return { pipeline: { validateJson: false } };
    case 'pool1':
    case 'pool2':
      return { pool: { maxThreads: Number(v.slice(4)) } };
    case 'inline-zlib':
      return { pool: { engine: 'inline' } };
    case 'inflight64':
      return { flow: { maxInFlightBytes: 64 * 1024 * 1024 } };
    case 'no-coalesce':
      return { firehose: { coalesce: { enabled: false } } };
    case 'linger200':
      return { firehose: { coalesce: { lingerMs: 200 } } };
    case 'fetch50':
      // The fetch sizes before 2026-12-02 (50 MiB per request, 10 MiB per partition; now 16 and 4): throughput vs peak RSS.
      return { kafka: { consumer: { maxBytes: 50 * 1024 * 1024, maxBytesPerPartition: 10 * 1024 * 1024 } } };
  }
}

/** A variant that is the defaults on this machine is the base run itself. */
export function isDefault(v: VariantId): boolean {
  const c = variantConfig(v);
  return (
    (c.pipeline?.gzipLevel ?? DEFAULT_LEVEL) === DEFAULT_LEVEL &&
    (c.pipeline?.format ?? DEFAULT_FORMAT) === DEFAULT_FORMAT &&
    (c.pipeline?.validateJson ?? true) === true &&
    (c.pool?.maxThreads ?? CORES) === CORES &&
    (c.pool?.engine ?? 'workers') === 'workers' &&
    c.flow === undefined &&
    c.firehose === undefined &&
    c.kafka === undefined
  );
}

export function settingsOf(extra: Overrides): string {
  const p = { format: DEFAULT_FORMAT, gzipLevel: DEFAULT_LEVEL, validateJson: true, ...extra.pipeline };
  const threads = (extra.pool?.maxThreads as number | undefined) ?? CORES;
  const inflight = extra.flow?.maxInFlightBytes as number | undefined;
  const engine = extra.pool?.engine === 'inline' ? 'inline zlib (libuv)' : `pool ${threads}`;
  const coalesce = extra.firehose?.coalesce as { enabled?: boolean; lingerMs?: number } | undefined;
  const coalescing = coalesce?.enabled === false ? ' no-coalesce' : coalesce?.lingerMs !== undefined ? ` linger ${coalesce.lingerMs} ms` : '';
  const fetch = extra.kafka ? ` fetch ${extra.kafka.consumer.maxBytes / 1048576}/${extra.kafka.consumer.maxBytesPerPartition / 1048576} MiB` : '';
  return `${p.format} L${p.gzipLevel}${p.validateJson ? '' : ' no-validation'} ${engine}${inflight ? ` in-flight ${inflight / 1048576} MiB` : ''}${coalescing}${fetch}`;
}

export function defaultEncodeOptions(overrides: Partial<EncodeOptions> = {}): EncodeOptions {
  return {
    format: DEFAULT_FORMAT,
    gzipLevel: DEFAULT_LEVEL,
    envelope: false,
    aggregate: false,
    validateJson: true,
    maxJsonDepth: DEFAULT_MAX_DEPTH,
    limits: { maxRecordsPerBatch: 500, maxBytesPerBatch: 4 * 1024 * 1024, maxRecordBytes: 1_024_000 },
    ...overrides,
  };
}
