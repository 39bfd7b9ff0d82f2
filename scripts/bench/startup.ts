/**
 * `npm run bench:startup -- [--runs N] [--builds tsc,bundle] [--node A,B] [--baseline DIR[,DIR]]`:
 * what the consumer costs from process start until it is ready, against the
 * local stack (scripts/with-stack.ts starts it when needed).
 *
 * Each run starts the real consumer (`node [flags] --require
 * dist/scripts/bench/e2e/startup-watch.js <entry> --config <file>`) with the
 * integration harness's config, the admin API on (as production has it), and
 * a fresh consumer group on an empty 6-partition topic, then stops it with
 * SIGTERM once it is ready. "Ready" is the first "consumer group joined" log
 * line with partitions (startup-watch.ts: the group member with partitions
 * whose readiness indicator turns UP); the figures are taken inside the
 * consumer at that line:
 *   CPU-s          user + system CPU of every thread since process start
 *                  (main thread, worker threads, libuv and V8 helpers)
 *   main CPU-s     the main thread's share
 *   to join s      uptime when kafkajs starts the group join ("Starting")
 *   to ready s     uptime at ready; ready − join is the JoinGroup/SyncGroup
 *                  round trips (the broker's group.initial.rebalance.delay.ms
 *                  is 0 on the local stack); the process idles through it, so
 *                  CPU-s is the start-up's own cost
 * Variants run interleaved, N rounds, and medians are printed: the machine is
 * shared, and a neighbour's burst lands on one round, not one variant. Before
 * the rounds, each Node warms its own code cache of each bundle (the build
 * made the building node's only), as the image's build does for production.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, cleanupScenario, consumerEntry, devPasswords, newScenario, writeConsumerConfig, type Scenario } from '../../test/integration/support/harness';
import { ensureCodeCache, pruneToSchemaOf } from './e2e/consumer-run';
import type { StartupFigures } from './e2e/startup-watch';
import { parseStartupArgs, STARTUP_USAGE, type Build } from './startup-args';
import { median } from './stats';

interface Variant {
  label: string;
  node: string;
  root: string;
  build: Build;
}

interface Run extends StartupFigures {
  variant: string;
  round: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function nodeVersion(node: string): string {
  return spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
}

function variantsOf(args: ReturnType<typeof parseStartupArgs>): Variant[] {
  const out: Variant[] = [];
  for (const n of args.nodes) {
    const node = n === '' ? process.execPath : n;
    const v = nodeVersion(node);
    for (const dir of args.baselineRoots) {
      const root = path.resolve(dir);
      for (const build of ['tsc', 'bundle'] as const) {
        if (existsSync(consumerEntry(root, build))) out.push({ label: `${path.basename(root)} ${build} · node ${v}`, node, root, build });
      }
    }
    for (const build of args.builds) {
      if (!existsSync(consumerEntry(ROOT, build))) throw new Error(`${consumerEntry(ROOT, build)} missing: npm run build first`);
      out.push({ label: `${build} · node ${v}`, node, root: ROOT, build });
    }
  }
  return out;
}

async function runOnce(v: Variant, s: Scenario, round: number, nodeFlags: string[]): Promise<Run> {
  const group = `${s.group}-${round}-${Math.random().toString(36).slice(2, 8)}`;
  const file = writeConsumerConfig({
    scenario: { ...s, group },
    extra: { http: { enabled: true, host: '127.0.0.1', port: 0 }, log: { level: 'info' } },
  });
  if (v.root !== ROOT) pruneToSchemaOf(v.root, file);
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), 'wsqc-startup-')), 'startup.json');
  const watch = path.join(__dirname, 'e2e', 'startup-watch.js');
  const proc = spawn(v.node, [...nodeFlags, '--require', watch, consumerEntry(v.root, v.build), '--config', file], {
    cwd: v.root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...devPasswords(), NODE_ENV: 'test', WSQC_BENCH_STARTUP_OUT: out },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  const keep = (chunk: Buffer): void => {
    tail.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    tail.splice(0, Math.max(0, tail.length - 20));
  };
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  let exited = false;
  const exit = new Promise<number | null>((resolve) => proc.on('exit', (code) => ((exited = true), resolve(code))));
  const deadline = Date.now() + 60_000;
  while (!existsSync(out)) {
    if (exited || Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`${v.label}: not ready ${exited ? '(exited)' : 'within 60 s'}; last lines:\n${tail.join('\n')}`);
    }
    await sleep(20);
  }
  await sleep(20); // written synchronously in one call; let it land
  const figures = JSON.parse(readFileSync(out, 'utf8')) as StartupFigures;
  proc.kill('SIGTERM');
  const code = await Promise.race([exit, sleep(30_000).then(() => 'timeout' as const)]);
  if (code !== 0) {
    proc.kill('SIGKILL');
    throw new Error(`${v.label}: did not stop cleanly (${code}); last lines:\n${tail.join('\n')}`);
  }
  return { ...figures, variant: v.label, round };
}

const f = (n: number | null, digits = 2): string => (n === null || !Number.isFinite(n) ? 'n/a' : n.toFixed(digits));

export function startupTable(variants: readonly string[], runs: readonly Run[]): string {
  const lines = [
    '| variant | runs | CPU-s (median) | CPU-s min–max | main thread CPU-s | to join s | to ready s | join round trips s |',
    '| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |',
  ];
  for (const label of variants) {
    const mine = runs.filter((r) => r.variant === label);
    const cpu = mine.map((r) => r.cpuSec);
    const main = mine.map((r) => r.mainThreadCpuSec).filter((x): x is number => x !== null);
    const join = mine.map((r) => r.joinStartSec).filter((x): x is number => x !== null);
    const joinTrips = mine.filter((r) => r.joinStartSec !== null).map((r) => r.readySec - (r.joinStartSec as number));
    lines.push(
      `| ${label} | ${mine.length} | ${f(median(cpu))} | ${f(Math.min(...cpu))}–${f(Math.max(...cpu))} | ${main.length ? f(median(main)) : 'n/a'} | ${join.length ? f(median(join)) : 'n/a'} | ${f(median(mine.map((r) => r.readySec)))} | ${joinTrips.length ? f(median(joinTrips)) : 'n/a'} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const args = parseStartupArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(`${STARTUP_USAGE}\n`);
    return;
  }
  const variants = variantsOf(args);
  // Each Node needs its own code cache (V8 takes no other version's); the build made only its own node's.
  for (const v of variants) if (v.build === 'bundle') ensureCodeCache(v.root, v.node);
  const s = await newScenario('startup', 6);
  const runs: Run[] = [];
  try {
    for (let round = 0; round < args.runs; round++) {
      // Rotate the order each round so no variant always runs first (or right after a heavy one).
      const order = variants.map((_, i) => variants[(i + round) % variants.length]);
      for (const v of order) {
        const r = await runOnce(v, s, round, args.nodeFlags);
        runs.push(r);
        process.stderr.write(`round ${round + 1}/${args.runs} ${v.label}: ${f(r.cpuSec)} CPU-s (main ${f(r.mainThreadCpuSec)}), ready after ${f(r.readySec)} s\n`);
      }
    }
  } finally {
    await cleanupScenario(s);
  }
  process.stdout.write(`\nStart-up, process start → ready (group joined with partitions), ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} load, ${os.cpus().length} cores:\n\n`);
  process.stdout.write(`${startupTable(variants.map((v) => v.label), runs)}\n`);
  if (args.jsonOut !== '') writeFileSync(args.jsonOut, JSON.stringify({ date: new Date().toISOString(), runs }, null, 2));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench:startup failed: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
