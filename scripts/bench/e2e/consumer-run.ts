/**
 * One measured consumer run: the real consumer as a child process — the
 * production bundle (dist/bundle/main.js) where the checkout has one, else the
 * tsc tree (dist/src/main.js, e.g. an older --baseline commit) — with a generated config (the integration harness's writeConsumerConfig) and
 * the probe preloaded; a fresh consumer group drains the pre-loaded topic
 * from the beginning; the run ends when the group's committed offsets reach
 * the log end on every partition (lag 0). Then the probe snapshot is taken,
 * the consumer's own /metrics are read, and it is stopped with SIGTERM.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { Admin } from 'kafkajs';
import { ROOT, consumerEntry, devPasswords, writeConsumerConfig, type ConsumerBuild, type Scenario } from '../../../test/integration/support/harness';
import type { ProbeSnapshot } from './probe';
import { metricSum, scrape } from './prom-text';
import { warmCodeCache } from '../../build-bundle';

export interface RunSpec {
  name: string;
  topic: string;
  stream: string;
  endpoint: string;
  /** Deep-merged over the harness's consumer config (pipeline, pool, firehose...). */
  extra: Record<string, unknown>;
  nodeFlags?: string[];
  /** A checkout whose consumer is run instead of this one's (A/B against an older commit). */
  consumerRoot?: string;
  /** The node binary to run it with (default: this one's). */
  nodeBinary?: string;
  timeoutMs: number;
  /** Lag 0 counts only once this has resolved (steady mode: the producer has finished). */
  until?: Promise<unknown>;
  /** Called about once a second with the messages committed so far. */
  progress?: (committed: number) => void;
}

export interface ConsumerFigures {
  probe: ProbeSnapshot;
  /** Which build ran (productionBuild). */
  build: ConsumerBuild;
  /** Date.now() when the benchmark saw lag 0. */
  lagZeroMs: number;
  threadStarts: number;
  requests: number;
  recordsSent: number;
  bytesSent: number;
  exitCode: number | null;
  /** [seconds since spawn, MiB]: the consumer's in-flight budget in use (wsqc_inflight_bytes), sampled every 500 ms. */
  inflight: Array<[number, number]>;
}

async function lagOf(admin: Admin, group: string, topic: string): Promise<{ lag: number; committed: number }> {
  const ends = await admin.fetchTopicOffsets(topic);
  const [mine] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  let lag = 0;
  let committed = 0;
  for (const e of ends) {
    const c = Number(mine.partitions.find((p) => p.partition === e.partition)?.offset ?? '-1');
    const done = c < 0 ? 0 : c;
    committed += done - Number(e.low);
    lag += Number(e.high) - done;
  }
  return { lag, committed };
}

/** What production runs: the bundle, where `root` has one (commits before it have only the tsc tree). */
export function productionBuild(root: string): ConsumerBuild {
  return existsSync(consumerEntry(root, 'bundle')) ? 'bundle' : 'tsc';
}

const warmed = new Set<string>();

/**
 * The bundle's code cache for `node`, made once per benchmark process: the
 * build made only its own node's, and V8 takes no other version's (the image
 * makes its cache with its own node). A bundle without the code-cache layout
 * is measured as it is, with a note.
 */
export function ensureCodeCache(root: string, node: string): void {
  const key = `${root}\0${node}`;
  if (warmed.has(key)) return;
  warmed.add(key);
  try {
    warmCodeCache(path.join(root, 'dist/bundle'), node);
  } catch (err) {
    process.stderr.write(`bench: no code cache for ${node} in ${root}: ${(err as Error).message}\n`);
  }
}

/**
 * A --baseline checkout of an older commit has a strict schema that refuses keys
 * added since (e.g. firehose.retry): keep only the keys its own schema declares,
 * so both consumers run with their defaults for everything else.
 */
export function pruneToSchemaOf(consumerRoot: string, file: string): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { schemaLeaves } = require(path.join(consumerRoot, 'dist/src/config/schema.js')) as { schemaLeaves(): Array<{ key: string }> };
  const leaves = new Set(schemaLeaves().map((l) => l.key));
  const prefixes = new Set([...leaves].flatMap((k) => k.split('.').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('.'))));
  const dropped: string[] = [];
  const prune = (node: Record<string, unknown>, prefix: string): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(node)) {
      const key = prefix ? `${prefix}.${name}` : name;
      if (leaves.has(key)) out[name] = value;
      else if (prefixes.has(key) && value !== null && typeof value === 'object') out[name] = prune(value as Record<string, unknown>, key);
      else dropped.push(key);
    }
    return out;
  };
  const pruned = prune(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>, '');
  writeFileSync(file, JSON.stringify(pruned, null, 2));
  if (dropped.length > 0) process.stderr.write(`baseline: config keys unknown to ${consumerRoot} left out: ${dropped.join(', ')}\n`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runConsumer(admin: Admin, spec: RunSpec): Promise<ConsumerFigures> {
  const id = `${spec.name.replace(/[^a-z0-9]+/gi, '-')}-${Date.now().toString(36)}`;
  const scenario: Scenario = { id, topic: spec.topic, dlq: `${spec.topic}.dlq`, group: `bench-${id}`, stream: spec.stream, prefix: `${id}/` };
  const file = writeConsumerConfig({
    scenario,
    firehoseEndpoint: spec.endpoint,
    extra: { http: { enabled: true, host: '127.0.0.1', port: 0 }, log: { level: 'info' }, ...spec.extra },
  });
  if (spec.consumerRoot) pruneToSchemaOf(spec.consumerRoot, file);
  const child = new ConsumerChild(spec, file);
  const lagZeroMs = await waitForLagZero(admin, spec, scenario.group, child);
  return child.snapshotAndStop(lagZeroMs);
}

/** Polls the group's lag every 100 ms until it is 0 (and `spec.until` has resolved); fails if the consumer exits first or the time runs out. */
async function waitForLagZero(admin: Admin, spec: RunSpec, group: string, child: ConsumerChild): Promise<number> {
  const deadline = Date.now() + spec.timeoutMs;
  let lastProgress = 0;
  let released = spec.until === undefined;
  void spec.until?.then(() => (released = true));
  for (;;) {
    if (child.exitCode !== undefined) throw child.fail(`consumer exited (${child.exitCode}) before the lag reached 0`);
    if (Date.now() > deadline) throw child.fail(`lag not 0 after ${spec.timeoutMs} ms`);
    const { lag, committed } = await lagOf(admin, group, spec.topic).catch(() => ({ lag: 1, committed: 0 }));
    if (Date.now() - lastProgress > 1000) {
      spec.progress?.(committed);
      lastProgress = Date.now();
    }
    if (lag === 0 && released) return Date.now();
    await sleep(100);
  }
}

/**
 * The consumer process (the bundle or the tsc tree, productionBuild) with the probe preloaded; its last
 * 30 output lines (for errors), its admin port (from the "admin API
 * listening" line) and, every 500 ms, its in-flight bytes from /metrics.
 */
class ConsumerChild {
  exitCode: number | null | undefined;
  readonly build: ConsumerBuild;
  private readonly proc: ChildProcessByStdio<null, Readable, Readable>;
  private readonly probeOut = path.join(mkdtempSync(path.join(os.tmpdir(), 'wsqc-bench-')), 'probe.json');
  private readonly tail: string[] = [];
  private adminPort = 0;
  private readonly exited: Promise<number | null>;
  private readonly inflight: Array<[number, number]> = [];
  private readonly sampler: NodeJS.Timeout;

  constructor(
    private readonly spec: RunSpec,
    configFile: string,
  ) {
    const root = spec.consumerRoot ?? ROOT;
    const node = spec.nodeBinary ?? process.execPath;
    this.build = productionBuild(root);
    if (this.build === 'bundle') ensureCodeCache(root, node);
    this.proc = spawn(node, [...(spec.nodeFlags ?? []), '--require', path.join(__dirname, 'probe.js'), consumerEntry(root, this.build), '--config', configFile], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...tuningEnv(), ...devPasswords(), NODE_ENV: 'test', WSQC_BENCH_PROBE_OUT: this.probeOut },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onData = (chunk: Buffer): void => this.read(chunk);
    this.proc.stdout.on('data', onData);
    this.proc.stderr.on('data', onData);
    this.exited = new Promise<number | null>((resolve) => this.proc.on('exit', (code) => resolve((this.exitCode = code))));
    this.sampler = this.sampleInflight(Date.now());
  }

  fail(why: string): Error {
    clearInterval(this.sampler);
    if (this.exitCode === undefined) this.proc.kill('SIGKILL');
    return new Error(`${this.spec.name}: ${why}; consumer's last lines:\n${this.tail.join('\n')}`);
  }

  /** The probe's snapshot (SIGUSR2) and the consumer's own /metrics, then a clean stop (SIGTERM, 30 s). */
  async snapshotAndStop(lagZeroMs: number): Promise<ConsumerFigures> {
    clearInterval(this.sampler);
    this.proc.kill('SIGUSR2');
    for (let i = 0; i < 100 && !existsSync(this.probeOut); i++) await sleep(20);
    if (!existsSync(this.probeOut)) throw this.fail('the probe wrote no snapshot');
    await sleep(50); // the probe writes synchronously; give the file a moment to be complete
    const probe = JSON.parse(readFileSync(this.probeOut, 'utf8')) as ProbeSnapshot;
    const text = this.adminPort ? await scrape(this.metricsUrl()) : '';
    this.proc.kill('SIGTERM');
    const code = await Promise.race([this.exited, sleep(30_000).then(() => 'timeout' as const)]);
    if (code === 'timeout') throw this.fail('did not stop within 30 s of SIGTERM');
    return {
      probe,
      build: this.build,
      lagZeroMs,
      threadStarts: metricSum(text, 'wsqc_worker_threads_started_total'),
      requests: metricSum(text, 'wsqc_firehose_requests_total'),
      recordsSent: metricSum(text, 'wsqc_firehose_records_sent_total'),
      bytesSent: metricSum(text, 'wsqc_firehose_bytes_sent_total'),
      exitCode: code,
      inflight: this.inflight,
    };
  }

  private read(chunk: Buffer): void {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      this.tail.push(line);
      if (this.tail.length > 30) this.tail.shift();
      const m = /"admin API listening".*"port":(\d+)|"port":(\d+).*admin API listening/.exec(line);
      if (m) this.adminPort = Number(m[1] ?? m[2]);
    }
  }

  private sampleInflight(spawnedAt: number): NodeJS.Timeout {
    let sampling = false;
    return setInterval(() => {
      if (!this.adminPort || sampling) return;
      sampling = true;
      scrape(this.metricsUrl())
        .then((text) => this.inflight.push([(Date.now() - spawnedAt) / 1000, metricSum(text, 'wsqc_inflight_bytes') / 1048576]))
        .catch(() => undefined)
        .finally(() => (sampling = false));
    }, 500);
  }

  private metricsUrl(): string {
    return `http://127.0.0.1:${this.adminPort}/metrics`;
  }
}

/** Process-level knobs an operator may set on the pod, passed through so their effect can be measured. */
function tuningEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['NODE_OPTIONS', 'MALLOC_ARENA_MAX', 'UV_THREADPOOL_SIZE']) {
    const value = process.env[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}
