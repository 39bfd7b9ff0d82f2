/**
 * Benchmark runner (`npm run bench`). It prints results and asserts nothing:
 * timings on a shared 2-core machine vary by tens of percent between runs, so
 * the figures to compare are the ratios computed within one run. Each case
 * runs warm-ups, then timed rounds (process.hrtime.bigint), and reports the
 * median with min/max. The same results go to .stack/bench/latest.json.
 *
 * Cases (see docs/benchmarks.md and scripts/bench/case-*.ts):
 *   a  encodeUnit in-thread per format / gzip level
 *   b  handing a unit to a worker: structured clone of kafkajs views vs copy-once + transfer
 *   c  the real Piscina pool (2 threads) vs in-thread encodeUnit
 *   d  planSubBatches over 10,000 records
 *   e  JSON validation alone: the WebAssembly scanner against the JS one it replaced
 */
import os from 'node:os';
import path from 'node:path';
import { BENCH_USAGE, parseBenchArgs, type CaseId } from './bench/args';
import { runEncodeCase } from './bench/case-encode';
import { runPlanCase } from './bench/case-plan';
import { runPoolCase } from './bench/case-pool';
import { runTransferCase } from './bench/case-transfer';
import { runValidateCase } from './bench/case-validate';
import type { BenchContext } from './bench/context';
import { machine, renderTable, writeJson, type BenchReport, type CaseResult } from './bench/report';
import { readCommandLine } from './lib/cli';

const RUNNERS: Record<CaseId, (ctx: BenchContext) => Promise<CaseResult>> = {
  a: runEncodeCase,
  b: runTransferCase,
  c: runPoolCase,
  d: runPlanCase,
  e: runValidateCase,
};

/** dist/scripts/bench.js → the repository root. */
const REPO_ROOT = path.resolve(__dirname, '../..');

function loadText(load: number[]): string {
  return load.map((l) => l.toFixed(2)).join(' ');
}

async function main(): Promise<void> {
  const args = readCommandLine(BENCH_USAGE, () => parseBenchArgs(process.argv.slice(2)));
  if (typeof args === 'number') {
    process.exitCode = args;
    return;
  }
  const host = machine();
  const date = new Date().toISOString();
  process.stdout.write(
    `bench ${date}  node ${host.node}  nproc ${host.nproc}  cpu "${host.cpu}"  ` +
      `load ${loadText(os.loadavg())}  cases ${args.cases.join(',')}  warm-ups ${args.warmups}  rounds ${args.rounds}\n`,
  );

  const ctx: BenchContext = { plan: { warmups: args.warmups, rounds: args.rounds }, quick: args.quick };
  const report: BenchReport = {
    date,
    ...host,
    loadBefore: os.loadavg(),
    loadAfter: [],
    options: { quick: args.quick, cases: args.cases, warmups: args.warmups, rounds: args.rounds },
    rows: [],
    ratios: [],
    notes: [],
  };
  const started = process.hrtime.bigint();
  for (const id of args.cases) {
    const caseStart = process.hrtime.bigint();
    const result = await RUNNERS[id](ctx);
    report.rows.push(...result.rows);
    report.ratios.push(...result.ratios);
    report.notes.push(...result.notes);
    process.stdout.write(`  case ${id} done in ${(Number(process.hrtime.bigint() - caseStart) / 1e9).toFixed(1)} s\n`);
  }

  report.loadAfter = os.loadavg();
  process.stdout.write(`\n${renderTable(report.rows, report.ratios)}\n`);
  for (const note of report.notes) process.stdout.write(`\nnote: ${note}`);
  const out = path.resolve(REPO_ROOT, args.out);
  writeJson(out, report);
  process.stdout.write(`\nload average after: ${loadText(report.loadAfter)}`);
  process.stdout.write(
    `\n\ntotal ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)} s; JSON written to ${path.relative(process.cwd(), out) || out}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 1;
});
