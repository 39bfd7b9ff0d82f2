/**
 * Loaded into the consumer process under test with `node --require
 * dist/scripts/bench/e2e/probe.js dist/src/main.js ...`, so every figure of a
 * benchmark run comes from the consumer process itself and the service code
 * carries no benchmark hooks. On SIGUSR2 (sent by the benchmark the moment
 * the group's lag reaches zero) it writes, to $WSQC_BENCH_PROBE_OUT:
 * process.cpuUsage() (all threads, since start), process.resourceUsage()
 * the peak RSS (VmHWM), event-loop delay percentiles (perf_hooks.monitorEventLoopDelay),
 * main-thread GC time (perf_hooks 'gc' entries), and RSS sampled every 200 ms,
 * with the main thread's share at the highest sample (`atPeak`): what RSS holds
 * beyond the main heap and its external memory is the worker threads' heaps
 * and native memory (zlib, TLS, malloc arenas).
 * Busy fractions (issue 12): the main thread's event-loop utilisation since
 * start, and each worker thread's (every Worker this process creates is
 * tracked: the probe wraps worker_threads.Worker before the service loads
 * piscina), so "the threads idle 70 % of the time" is a figure of every run.
 * And the start-up figures (CPU and time from process start to ready,
 * startup-watch.ts).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import workerThreads from 'node:worker_threads';
import { watchStartup, type StartupFigures } from './startup-watch';

export interface ProbeSnapshot {
  uptimeSec: number;
  cpuUserSec: number;
  cpuSystemSec: number;
  maxRssMiB: number;
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  gc: { count: number; ms: number };
  /** [seconds since start, RSS MiB] */
  rss: Array<[number, number]>;
  /** process.memoryUsage() in MiB at the highest RSS sample (main-thread heap, its external and ArrayBuffer memory). */
  atPeak?: { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number };
  /** Event-loop utilisation since start (0..1): the main thread, and each live worker thread since its own start. */
  busy?: { main: number; workers: number[] };
  /** Process start → ready (absent when the consumer never logged ready). */
  startup?: StartupFigures;
}

const mib = (bytes: number): number => Math.round(bytes / 1048576);
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * This process's own peak RSS: Linux's VmHWM (the high-water mark of this address
 * space, which exec starts afresh), else the highest 200 ms sample. Not
 * getrusage's ru_maxrss (process.resourceUsage().maxRSS): Linux carries it over
 * fork and exec, so a consumer spawned by the benchmark reported the benchmark's
 * own ~1 GB (the data set and the fast sink) as its peak: 919-1063 MiB against
 * 410-523 MiB sampled in the run of 2026-12-02 02:10.
 */
export function peakRssMiB(samples: ReadonlyArray<[number, number]>): number {
  const sampled = Math.max(0, ...samples.map(([, v]) => v));
  try {
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Math.round(Number(hwm[1]) / 1024);
  } catch {
    // not Linux: the samples are all there is
  }
  return sampled;
}

const out = process.env.WSQC_BENCH_PROBE_OUT;
if (out) {
  const startup = watchStartup();
  const workers: workerThreads.Worker[] = [];
  const Original = workerThreads.Worker;
  (workerThreads as { Worker: typeof Original }).Worker = class TrackedWorker extends Original {
    constructor(...args: ConstructorParameters<typeof Original>) {
      super(...args);
      workers.push(this);
      this.once('exit', () => workers.splice(workers.indexOf(this), 1));
    }
  };
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const gc = { count: 0, ms: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gc.count++;
      gc.ms += e.duration;
    }
  }).observe({ entryTypes: ['gc'] });
  const rss: Array<[number, number]> = [];
  let atPeak: ProbeSnapshot['atPeak'];
  const sample = (): void => {
    const m = process.memoryUsage();
    rss.push([Number(process.uptime().toFixed(2)), mib(m.rss)]);
    if (!atPeak || mib(m.rss) > atPeak.rss) {
      atPeak = { rss: mib(m.rss), heapTotal: mib(m.heapTotal), heapUsed: mib(m.heapUsed), external: mib(m.external), arrayBuffers: mib(m.arrayBuffers) };
    }
  };
  sample();
  setInterval(sample, 200).unref();
  process.on('SIGUSR2', () => {
    sample();
    const cpu = process.cpuUsage();
    const ready = startup.figures();
    const ms = (ns: number): number => Number((ns / 1e6).toFixed(2));
    const snapshot: ProbeSnapshot = {
      uptimeSec: process.uptime(),
      cpuUserSec: cpu.user / 1e6,
      cpuSystemSec: cpu.system / 1e6,
      maxRssMiB: peakRssMiB(rss),
      eventLoopDelayMs: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) },
      gc: { count: gc.count, ms: Math.round(gc.ms) },
      rss,
      ...(atPeak ? { atPeak } : {}),
      busy: {
        main: round3(performance.eventLoopUtilization().utilization),
        workers: workers.map((w) => round3(w.performance.eventLoopUtilization().utilization)),
      },
      ...(ready ? { startup: ready } : {}),
    };
    writeFileSync(out, JSON.stringify(snapshot));
  });
}
