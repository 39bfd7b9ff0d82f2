/** The end-to-end benchmark's Markdown table (README, docs) from the run figures. */
import type { DataKind } from '../../../src/generator/wifi-scan';
import type { CeilingFigures } from './ceilings';
import type { RunFigures } from './figures';
import { chooseLevel, type LevelRow } from './levels';

export interface E2eResult {
  date: string;
  host: string;
  node: string;
  cpus: number;
  cpuModel: string;
  loadAverage: { start: number[]; end: number[] };
  /** `gzip6Ratio`: raw ÷ gzip level 6 over every message of the set, each on its own (src/generator/ratio.ts). */
  dataSet: { kind: DataKind; gzip6Ratio: number; rawMb: number; messages: number; partitions: number; seed: number };
  sinkCeilingMbPerSec: number | null;
  headline: RunFigures;
  /** The headline's settings on the fast sink: the base of every variant ratio. */
  base: RunFigures;
  variants: RunFigures[];
  ceilings: { gzipEncode?: CeilingFigures; consumeOnly?: CeilingFigures; encodePool?: CeilingFigures };
  steady?: RunFigures & { rate: number; cpuUtilisation: number };
  levels?: LevelRow[];
  /** With --baseline: alternating pairs on the headline's sink; with --node24: both again under Node 24. */
  beforeAfter?: BeforeAfter;
}

export interface BeforeAfter {
  pairs: Array<{ current: RunFigures; baseline: RunFigures }>;
  node24: { current?: RunFigures; baseline?: RunFigures };
}

/** The median of the values (the lower middle for an even count: a value that was measured). */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] as number;
}

function beforeAfterLines(r: E2eResult, ba: BeforeAfter): string[] {
  const lines: string[] = [''];
  const runs = [...ba.pairs.flatMap((p) => [p.current, p.baseline]), ...[ba.node24.current, ba.node24.baseline].filter((x): x is RunFigures => !!x)];
  lines.push(`**Before / after** (${r.headline.sink} sink, defaults, neighbours in time; ratio = current ÷ baseline):`);
  lines.push('');
  lines.push(HEADER);
  lines.push(RULE);
  for (const run of runs) lines.push(row(run, null));
  if (ba.pairs.length > 0) {
    const ratio = (pick: (x: RunFigures) => number | null): string => {
      const values = ba.pairs.map((p) => {
        const a = pick(p.current);
        const b = pick(p.baseline);
        return a === null || b === null || b === 0 ? Number.NaN : a / b;
      });
      return `${f(median(values), 2)} (${values.map((v) => f(v, 2)).join(', ')})`;
    };
    lines.push('');
    lines.push(`Median of ${ba.pairs.length} pair${ba.pairs.length > 1 ? 's' : ''}: MB/s × ${ratio((x) => x.mbPerSec)}, CPU-s/GB × ${ratio((x) => x.cpuSecPerGb)}, peak RSS × ${ratio((x) => x.peakRssMiB)}, main busy s/GB × ${ratio((x) => x.mainBusySecPerGb)}, start-up CPU-s × ${ratio((x) => x.startupCpuSec)}.`);
  }
  const { current: c24, baseline: b24 } = ba.node24;
  if (c24 && b24) {
    lines.push(
      `Node 24: MB/s × ${f(c24.mbPerSec / b24.mbPerSec, 2)}, CPU-s/GB × ${f(c24.cpuSecPerGb / b24.cpuSecPerGb, 2)}, peak RSS ${c24.peakRssMiB} vs ${b24.peakRssMiB} MiB, start-up ${f(c24.startupCpuSec, 2)} vs ${f(b24.startupCpuSec, 2)} CPU-s.`,
    );
  }
  return lines;
}

const pct = (x: number | null | undefined): string => (x === null || x === undefined ? 'n/a' : `${Math.round(x * 100)} %`);
const f = (n: number | null | undefined, digits = 1): string => (n === null || n === undefined || !Number.isFinite(n) ? 'n/a' : n.toFixed(digits));

function row(r: RunFigures, base: RunFigures | null): string {
  const ratio = base ? `${f(r.mbPerSec / base.mbPerSec, 2)} / ${f(r.cpuSecPerGb / base.cpuSecPerGb, 2)}` : '—';
  return `| ${r.name} | ${r.sink} | ${r.settings} | ${f(r.mbPerSec)} | ${f(r.drainMbPerSec)} | ${f(r.msgPerSec, 0)} | ${f(r.cpuSecPerGb)} | ${r.peakRssMiB} | ${f(r.eventLoopP50Ms)} / ${f(r.eventLoopP99Ms)} | ${r.threadStarts} | ${r.requests} (${f(r.meanRecordsPerRequest, 0)} rec, ${f(r.meanBytesPerRequest / 1048576, 2)} MiB) | ${f(r.outputBytes / 1e6)} MB (×${f(r.compression, 2)}) | ${r.gcMs} | ${pct(r.busyMain)} / ${pct(r.busyWorkers)} | ${f(r.mainBusySecPerGb)} | ${r.set.lost} / ${r.set.duplicated} / ${r.set.unexpected} | ${f(r.startupCpuSec, 2)} / ${f(r.readySec, 2)} (${r.build}) | ${ratio} |`;
}

const HEADER = '| run | sink | settings | MB/s raw | drain MB/s | msg/s | CPU-s/GB | peak RSS MiB | loop delay p50/p99 ms | thread starts | PutRecordBatch (mean) | output (ratio) | GC ms | busy main / workers | main busy s/GB | lost / dup / unexpected | start-up CPU-s / time to ready s (build) | × base: MB/s / CPU |';
const RULE = '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: | --- | --- | --- |';

export function markdown(r: E2eResult): string {
  const lines: string[] = [];
  const c1 = r.ceilings.gzipEncode;
  lines.push(`Run of ${r.date} on ${r.host}: ${r.cpus} cores (${r.cpuModel}), Node ${r.node}, load average ${r.loadAverage.start.map((x) => x.toFixed(2)).join(' ')} at the start and ${r.loadAverage.end.map((x) => x.toFixed(2)).join(' ')} at the end (other processes share the cores).`);
  lines.push(`Data set: **${r.dataSet.kind}, gzip level 6 ratio ${f(r.dataSet.gzip6Ratio, 2)} : 1**, ${f(r.dataSet.rawMb)} MB raw, ${r.dataSet.messages} scans (30/65/100 KB mix plus 1–5 KB and 120 KB), ${r.dataSet.partitions} partitions, seed ${r.dataSet.seed}. Figures are from process start to zero lag, from the consumer process itself; "drain MB/s" leaves out start-up and the group join (first request → zero lag). × base = ratio to the defaults on the fast sink.`);
  if (r.sinkCeilingMbPerSec !== null) lines.push(`Fast sink's own ceiling: ${f(r.sinkCeilingMbPerSec)} MB/s of raw messages (decode included).`);
  lines.push('');
  lines.push(HEADER);
  lines.push(RULE);
  lines.push(row(r.headline, r.headline === r.base ? null : r.base));
  if (r.base !== r.headline) lines.push(row(r.base, null));
  for (const v of r.variants) lines.push(row(v, r.base));
  if (r.beforeAfter) lines.push(...beforeAfterLines(r, r.beforeAfter));
  lines.push('');
  lines.push('Start-up: CPU-s of every thread from process start until the consumer is a group member with partitions (its "consumer group joined" log line; scripts/bench/e2e/startup-watch.ts), and the seconds to that moment, the broker\'s join round trips included; the build that ran in brackets. `npm run bench:startup` repeats just that, with medians.');
  lines.push('');
  lines.push('| ceiling (same run, same data and level) | MB/s raw | CPU-s/GB | base ÷ ceiling |');
  lines.push('| --- | ---: | ---: | ---: |');
  const ceil = (name: string, c: CeilingFigures | undefined): void => {
    if (c) lines.push(`| ${name} | ${f(c.mbPerSecond)} | ${f(c.cpuSecPerGb)} | ${f(r.base.mbPerSec / c.mbPerSecond, 2)} |`);
  };
  ceil('(1) gzip + encoding only, worker threads', r.ceilings.gzipEncode);
  ceil('(2) consume-only (kafkajs read and discard)', r.ceilings.consumeOnly);
  ceil('(3) encode-only through the pool (validation on)', r.ceilings.encodePool);
  if (c1) lines.push(`\n**Headline: end-to-end ÷ ceiling (1) = ${f(r.base.mbPerSec / c1.mbPerSecond, 2)}** (fast sink, defaults).`);
  if (r.levels && r.levels.length > 0) {
    lines.push('\n| gzip level table (one thread, validation on) | level | output ÷ L6 | CPU-s/GB | CPU ÷ L6 |');
    lines.push('| --- | ---: | ---: | ---: | ---: |');
    for (const l of r.levels) lines.push(`| ${l.format} | ${l.level} | ${f(l.sizeVsL6, 3)} | ${f(l.cpuSecPerGb)} | ${f(l.cpuVsL6, 2)} |`);
    const formats = [...new Set(r.levels.map((l) => l.format))];
    lines.push(`\nRule (least CPU with output ≤ level 6 + 5 %) picks: ${formats.map((fmt) => `${fmt} level ${chooseLevel(r.levels ?? [], fmt)}`).join(', ')}.`);
  }
  if (r.steady) {
    const s = r.steady;
    lines.push(`\nSteady ${s.rate} msg/s of 65 KB scans for ${f(s.wallSec, 0)} s: CPU utilisation ${f(s.cpuUtilisation, 3)} cores, ${f(s.cpuSecPerGb)} CPU-s/GB, end-to-end latency p50 ${f(s.latencyP50Ms, 0)} ms / p99 ${f(s.latencyP99Ms, 0)} ms, peak RSS ${s.peakRssMiB} MiB, loop delay p99 ${f(s.eventLoopP99Ms)} ms, lost/dup ${s.set.lost}/${s.set.duplicated}.`);
  }
  return lines.join('\n');
}
