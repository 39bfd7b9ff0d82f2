/**
 * One measured consumer run: the real consumer as a child process — the
 * production bundle (dist/bundle/main.js) where the checkout has one, else the
 * tsc tree (dist/src/main.js, e.g. an older --baseline commit) — with a generated config (the integration harness's writeConsumerConfig) and
 * the probe preloaded; a fresh consumer group drains the pre-loaded topic
 * from the beginning; the run ends when the group's committed offsets reach
 * the log end on every partition (lag 0). Then the probe snapshot is taken,
 * the consumer's own /metrics are read, and it is stopped with SIGTERM.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
  const probeOut = path.join(mkdtempSync(path.join(os.tmpdir(), 'wsqc-bench-')), 'probe.json');
  const build = productionBuild(spec.consumerRoot ?? ROOT);
  const node = spec.nodeBinary ?? process.execPath;
  if (build === 'bundle') ensureCodeCache(spec.consumerRoot ?? ROOT, node);
  const proc = spawn(node, [...(spec.nodeFlags ?? []), '--require', path.join(__dirname, 'probe.js'), consumerEntry(spec.consumerRoot ?? ROOT, build), '--config', file], {
    cwd: spec.consumerRoot ?? ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...tuningEnv(), ...devPasswords(), NODE_ENV: 'test', WSQC_BENCH_PROBE_OUT: probeOut },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  let adminPort = 0;
  const onData = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > 30) tail.shift();
      const m = /"admin API listening".*"port":(\d+)|"port":(\d+).*admin API listening/.exec(line);
      if (m) adminPort = Number(m[1] ?? m[2]);
    }
  };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve((exitCode = code))));
  const spawnedAt = Date.now();
  const inflight: Array<[number, number]> = [];
  let sampling = false;
  const sampler = setInterval(() => {
    if (!adminPort || sampling) return;
    sampling = true;
    scrape(`http://127.0.0.1:${adminPort}/metrics`)
      .then((text) => inflight.push([(Date.now() - spawnedAt) / 1000, metricSum(text, 'wsqc_inflight_bytes') / 1048576]))
      .catch(() => undefined)
      .finally(() => (sampling = false));
  }, 500);
  const fail = (why: string): Error => {
    clearInterval(sampler);
    if (exitCode === undefined) proc.kill('SIGKILL');
    return new Error(`${spec.name}: ${why}; consumer's last lines:\n${tail.join('\n')}`);
  };

  const deadline = Date.now() + spec.timeoutMs;
  let lastProgress = 0;
  let lagZeroMs = 0;
  let released = spec.until === undefined;
  void spec.until?.then(() => (released = true));
  for (;;) {
    if (exitCode !== undefined) throw fail(`consumer exited (${exitCode}) before the lag reached 0`);
    if (Date.now() > deadline) throw fail(`lag not 0 after ${spec.timeoutMs} ms`);
    const { lag, committed } = await lagOf(admin, scenario.group, spec.topic).catch(() => ({ lag: 1, committed: 0 }));
    if (Date.now() - lastProgress > 1000) {
      spec.progress?.(committed);
      lastProgress = Date.now();
    }
    if (lag === 0 && released) {
      lagZeroMs = Date.now();
      break;
    }
    await sleep(100);
  }
  clearInterval(sampler);
  proc.kill('SIGUSR2');
  for (let i = 0; i < 100 && !existsSync(probeOut); i++) await sleep(20);
  if (!existsSync(probeOut)) throw fail('the probe wrote no snapshot');
  await sleep(50); // the probe writes synchronously; give the file a moment to be complete
  const probe = JSON.parse(readFileSync(probeOut, 'utf8')) as ProbeSnapshot;
  const text = adminPort ? await scrape(`http://127.0.0.1:${adminPort}/metrics`) : '';
  proc.kill('SIGTERM');
  const code = await Promise.race([exited, sleep(30_000).then(() => 'timeout' as const)]);
  if (code === 'timeout') throw fail('did not stop within 30 s of SIGTERM');
  return {
    probe,
    build,
    lagZeroMs,
    threadStarts: metricSum(text, 'wsqc_worker_threads_started_total'),
    requests: metricSum(text, 'wsqc_firehose_requests_total'),
    recordsSent: metricSum(text, 'wsqc_firehose_records_sent_total'),
    bytesSent: metricSum(text, 'wsqc_firehose_bytes_sent_total'),
    exitCode: code,
    inflight,
  };
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
