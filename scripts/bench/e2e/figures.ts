/** The figures of one consumer run, derived from the probe, the consumer's metrics and the delivery ledger. */
import { MAX_BYTES_PER_BATCH, MAX_RECORDS_PER_BATCH } from '../../../src/pipeline/limits';
import type { ConsumerFigures } from './consumer-run';
import type { SetCheckFigures } from './ledger';
import type { ProbeSnapshot } from './probe';

export interface RunFigures {
  name: string;
  sink: 'moto' | 'fast';
  settings: string;
  rawMb: number;
  messages: number;
  /** Process start → lag 0. */
  wallSec: number;
  /** The consumer build that ran: the bundle, or the tsc tree of an older checkout. */
  build: 'bundle' | 'tsc';
  /** CPU-s of every thread from process start to ready (group joined with partitions; startup-watch.ts). */
  startupCpuSec: number | null;
  /** Seconds from process start to ready, the broker's join round trips included. */
  readySec: number | null;
  mbPerSec: number;
  /** First PutRecordBatch → lag 0 (fast sink only): the drain without start-up and group join. */
  drainMbPerSec: number | null;
  msgPerSec: number;
  cpuSec: number;
  cpuSecPerGb: number;
  peakRssMiB: number;
  eventLoopP50Ms: number;
  eventLoopP99Ms: number;
  gcMs: number;
  threadStarts: number;
  requests: number;
  meanRecordsPerRequest: number;
  meanBytesPerRequest: number;
  recordFill: number;
  byteFill: number;
  outputBytes: number;
  compression: number;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  set: SetCheckFigures;
  rss: Array<[number, number]>;
  /** The main thread's memory at the RSS peak (probe `atPeak`): the rest of RSS is worker heaps and native memory. */
  memoryAtPeakMiB?: ProbeSnapshot['atPeak'];
  latencyMs?: number[];
  /** Event-loop utilisation, process start → lag 0: the main thread, and the mean of the worker threads (null: not measured). */
  busyMain: number | null;
  busyWorkers: number | null;
  /** Main-thread busy seconds per GB raw (its utilisation × wall time ÷ GB). */
  mainBusySecPerGb: number | null;
  /** [seconds since start, MiB] of the in-flight budget in use. */
  inflight: Array<[number, number]>;
}

export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function figuresOf(
  name: string,
  sink: 'moto' | 'fast',
  settings: string,
  data: { rawBytes: number; messages: number },
  c: ConsumerFigures,
  set: SetCheckFigures,
  latencyMs: number[],
  firstRequestMs = 0,
): RunFigures {
  const cpuSec = c.probe.cpuUserSec + c.probe.cpuSystemSec;
  const meanRecords = c.requests ? c.recordsSent / c.requests : 0;
  const meanBytes = c.requests ? c.bytesSent / c.requests : 0;
  return {
    name,
    sink,
    settings,
    rawMb: data.rawBytes / 1e6,
    messages: data.messages,
    wallSec: c.probe.uptimeSec,
    build: c.build,
    startupCpuSec: c.probe.startup?.cpuSec ?? null,
    readySec: c.probe.startup?.readySec ?? null,
    mbPerSec: data.rawBytes / 1e6 / c.probe.uptimeSec,
    drainMbPerSec: firstRequestMs > 0 && c.lagZeroMs > firstRequestMs ? data.rawBytes / 1e6 / ((c.lagZeroMs - firstRequestMs) / 1000) : null,
    msgPerSec: data.messages / c.probe.uptimeSec,
    cpuSec,
    cpuSecPerGb: cpuSec / (data.rawBytes / 1e9),
    peakRssMiB: c.probe.maxRssMiB,
    eventLoopP50Ms: c.probe.eventLoopDelayMs.p50,
    eventLoopP99Ms: c.probe.eventLoopDelayMs.p99,
    gcMs: c.probe.gc.ms,
    threadStarts: c.threadStarts,
    requests: c.requests,
    meanRecordsPerRequest: meanRecords,
    meanBytesPerRequest: meanBytes,
    recordFill: meanRecords / MAX_RECORDS_PER_BATCH,
    byteFill: meanBytes / MAX_BYTES_PER_BATCH,
    outputBytes: c.bytesSent,
    compression: c.bytesSent ? data.rawBytes / c.bytesSent : 0,
    latencyP50Ms: percentile(latencyMs, 50),
    latencyP99Ms: percentile(latencyMs, 99),
    set,
    rss: c.probe.rss,
    ...(c.probe.atPeak ? { memoryAtPeakMiB: c.probe.atPeak } : {}),
    latencyMs,
    busyMain: c.probe.busy?.main ?? null,
    busyWorkers: c.probe.busy && c.probe.busy.workers.length > 0 ? c.probe.busy.workers.reduce((a, b) => a + b, 0) / c.probe.busy.workers.length : null,
    mainBusySecPerGb: c.probe.busy ? (c.probe.busy.main * c.probe.uptimeSec) / (data.rawBytes / 1e9) : null,
    inflight: c.inflight,
  };
}
