/**
 * Start-up figures of the consumer under test, taken inside its own process:
 * loaded by probe.ts (bench:e2e), or on its own with `node --require
 * dist/scripts/bench/e2e/startup-watch.js` and $WSQC_BENCH_STARTUP_OUT set
 * (bench:startup, scripts/bench/startup.ts), when it writes the figures there
 * the moment the consumer is ready. The service carries no hook for it: it
 * watches the consumer's own JSON log lines on stdout.
 *
 * "Ready" is precise: the first `consumer group joined` line with
 * `"partitions"` > 0 (src/metrics/events.ts, logged from kafkajs's GROUP_JOIN):
 * the consumer is a group member with partitions assigned, the moment its
 * readiness indicator `consumer-group` turns UP; `consuming` follows at once.
 * At that line it reads process.cpuUsage() (every thread — main, workers,
 * libuv and V8 helpers — since the process started), the main thread's own
 * CPU time, and process.uptime().
 *
 * The broker's share is visible, not hidden: `joinStartSec` is the uptime at
 * kafkajs's "Starting" line (consumer.run begins; what follows until ready is
 * the JoinGroup/SyncGroup round trips, and the broker's
 * group.initial.rebalance.delay.ms, 0 on the local stack). The process is idle
 * while it waits, so the CPU figure barely moves in that span.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

export interface StartupFigures {
  /** process.uptime() at the ready line. */
  readySec: number;
  /** User + system CPU of every thread, process start → ready. */
  cpuSec: number;
  /** The main thread's own share (null where neither threadCpuUsage nor /proc exists). */
  mainThreadCpuSec: number | null;
  /** process.uptime() at kafkajs's consumer "Starting" line: start-up done, group join begins. */
  joinStartSec: number | null;
}

/** The consumer's log line that marks ready (JSON log format, as the benchmarks configure it). */
export function isReadyLine(line: string): boolean {
  if (!line.includes('"message":"consumer group joined"')) return false;
  const m = /"partitions":(\d+)/.exec(line);
  return m !== null && Number(m[1]) > 0;
}

/** kafkajs's Consumer "Starting" line (kafkajs src/consumer/index.js run()). */
export function isJoinStartLine(line: string): boolean {
  return line.includes('"message":"Starting"') && line.includes('"namespace":"Consumer"');
}

/** CPU seconds of the calling thread: Node 23.9+ has threadCpuUsage; else Linux's /proc (USER_HZ 100). */
function mainThreadCpuSec(): number | null {
  const p = process as NodeJS.Process & { threadCpuUsage?: () => NodeJS.CpuUsage };
  if (typeof p.threadCpuUsage === 'function') {
    const u = p.threadCpuUsage();
    return (u.user + u.system) / 1e6;
  }
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields after the parenthesised name; utime and stime are fields 14 and 15 (1-based).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/**
 * Watches `stream` (stdout) for the marks; `figures()` is null until ready.
 * `onReady` runs synchronously inside the write that carried the ready line.
 */
export function watchStartup(stream: NodeJS.WriteStream = process.stdout, onReady?: (f: StartupFigures) => void): { figures(): StartupFigures | null } {
  let joinStartSec: number | null = null;
  let ready: StartupFigures | null = null;
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]): boolean => {
    if (ready === null && (typeof chunk === 'string' || Buffer.isBuffer(chunk))) {
      const text = chunk.toString();
      if (joinStartSec === null && isJoinStartLine(text)) joinStartSec = process.uptime();
      if (isReadyLine(text)) {
        const cpu = process.cpuUsage();
        ready = { readySec: process.uptime(), cpuSec: (cpu.user + cpu.system) / 1e6, mainThreadCpuSec: mainThreadCpuSec(), joinStartSec };
        onReady?.(ready);
      }
    }
    return write(chunk, ...rest);
  }) as typeof stream.write;
  return { figures: () => ready };
}

// --require reaches worker threads too (they inherit execArgv); only the main thread logs.
const out = process.env.WSQC_BENCH_STARTUP_OUT;
if (out && isMainThread) {
  watchStartup(process.stdout, (f) => writeFileSync(out, JSON.stringify(f)));
}
