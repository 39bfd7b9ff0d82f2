/**
 * The consumer as a child process, exactly as production runs it:
 * `node dist/src/main.js --config <file>` with the development passwords in
 * its environment. Logs are collected line by line for assertions.
 *
 * Which build: the tsc tree (dist/src/main.js) by default, or the production
 * bundle (dist/bundle/main.js, scripts/build-bundle.ts) with `build: 'bundle'`
 * or WSQC_IT_BUILD=bundle in the environment, so any integration file can be
 * run against what the image runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RecordFormat } from '../../../src/pipeline/wire';
import { EMULATOR, ROOT, SSL_BROKER, devPasswords, type Scenario } from './harness';

export interface ConsumerProcess {
  proc: ChildProcess;
  logs: string[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLog(re: RegExp, timeoutMs: number): Promise<string>;
  signal(sig: NodeJS.Signals): void;
}

export type ConsumerBuild = 'tsc' | 'bundle';

/** The entry file of a build, in `root` (a checkout whose `npm run build` has run). */
export function consumerEntry(root: string, build: ConsumerBuild): string {
  return path.join(root, build === 'bundle' ? 'dist/bundle/main.js' : 'dist/src/main.js');
}

/** WSQC_IT_BUILD=bundle runs the integration tests against the bundle. */
export function defaultBuild(): ConsumerBuild {
  const v = process.env.WSQC_IT_BUILD ?? 'tsc';
  if (v !== 'tsc' && v !== 'bundle') throw new Error(`WSQC_IT_BUILD must be tsc or bundle, got ${v}`);
  return v;
}

export interface ConsumerSettings {
  scenario: Scenario;
  /** Default: defaultBuild(). */
  build?: ConsumerBuild;
  format?: RecordFormat;
  envelope?: boolean;
  firehoseEndpoint?: string;
  extra?: Record<string, unknown>;
  env?: Record<string, string>;
}

export function writeConsumerConfig(s: ConsumerSettings): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wsqc-it-'));
  const file = path.join(dir, 'config.json');
  const config = deepMerge(
    {
      env: 'test',
      kafka: {
        brokers: [SSL_BROKER],
        clientId: `it-${s.scenario.id}`,
        groupId: s.scenario.group,
        topics: [s.scenario.topic],
        fromBeginning: true,
        tls: { servername: 'localhost' },
        connection: { startupRetryForeverMs: 20000 },
        consumer: { sessionTimeoutMs: 10000, heartbeatIntervalMs: 3000, rebalanceTimeoutMs: 20000, minBytes: 1, maxWaitTimeMs: 100 },
        dlq: { enabled: true, topic: s.scenario.dlq },
      },
      firehose: {
        streamName: s.scenario.stream,
        endpoint: s.firehoseEndpoint ?? EMULATOR,
        accessKeyId: 'test',
        secretAccessKey: 'test',
        backoff: { baseMs: 20, maxMs: 1000 },
        // The graduated schedule (5 s … 5 min in production) and the probes, shortened for CI.
        retry: { scheduleMs: [200, 400, 800, 1600, 3000], throttleQuietMs: 500 },
        probe: { idleIntervalMs: 1000, circuitIntervalMs: 1000 },
        rate: { recordsPerSecond: 0, bytesPerSecond: 0, requestsPerSecond: 0 },
      },
      pipeline: { format: s.format ?? 'base64-gzip-lines', envelope: s.envelope ?? false },
      pool: { maxThreads: 2 },
      shutdown: { drainTimeoutMs: 10000 },
      http: { enabled: false },
      log: { level: 'info', format: 'json' },
    },
    s.extra ?? {},
  );
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

export function startConsumer(s: ConsumerSettings): ConsumerProcess {
  const file = writeConsumerConfig(s);
  const proc = spawn(process.execPath, [consumerEntry(ROOT, s.build ?? defaultBuild()), '--config', file], {
    cwd: ROOT,
    env: { ...pickEnv(), ...devPasswords(), NODE_ENV: 'test', ...s.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logs.push(line);
    listeners.forEach((l) => l());
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => {
      listeners.forEach((l) => l());
      resolve({ code, signal });
    }),
  );
  return {
    proc,
    logs,
    exit,
    signal: (sig) => proc.kill(sig),
    waitForLog: (re, timeoutMs) =>
      new Promise((resolve, reject) => {
        const check = (): boolean => {
          const hit = logs.find((l) => re.test(l));
          if (hit) {
            cleanup();
            resolve(hit);
            return true;
          }
          if (proc.exitCode !== null || proc.signalCode !== null) {
            cleanup();
            reject(new Error(`consumer exited (${proc.exitCode ?? proc.signalCode}) before logging ${re}; last lines:\n${logs.slice(-15).join('\n')}`));
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${re}; last lines:\n${logs.slice(-15).join('\n')}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          listeners.delete(listener);
        };
        const listener = (): void => void check();
        listeners.add(listener);
        check();
      }),
  };
}

/** Environment for the child without this test's own overrides leaking in. */
function pickEnv(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'LANG', 'TMPDIR', 'SystemRoot'];
  const out: Record<string, string> = {};
  for (const k of keep) if (process.env[k]) out[k] = process.env[k]!;
  return out;
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && typeof a[k] === 'object' ? deepMerge(a[k] as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

/** SIGTERM and expect a clean exit (0); returns how long the stop took. */
export async function stopCleanly(c: ConsumerProcess): Promise<number> {
  const t0 = Date.now();
  c.signal('SIGTERM');
  const exit = await c.exit;
  if (exit.code !== 0) throw new Error(`consumer exited ${exit.code ?? exit.signal} on SIGTERM; last lines:\n${c.logs.slice(-15).join('\n')}`);
  return Date.now() - t0;
}

/** Kills a consumer that is still running (test clean-up). */
export function killIfRunning(c: ConsumerProcess | undefined): void {
  if (c && c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
}
