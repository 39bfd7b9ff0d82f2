/**
 * `npm run bench:levels`: the gzip level table of the end-to-end benchmark
 * (scripts/bench/e2e/levels.ts) on its own, without the broker: the same
 * seeded data set, the same 500-message prefix, one thread, exact output
 * sizes; `--runs N` repeats the table and reports each row's median. Also
 * prints the whole data set's raw ÷ gzip ratio at levels 1, 3 and 6, and
 * which level the rule (README "Gzip level, by measurement") picks.
 *
 *   node dist/scripts/bench-levels.js [--data realistic|hard] [--size MB] [--runs N]
 */
import { gzipRatio } from '../src/generator/ratio';
import { DATA_KINDS, type DataKind } from '../src/generator/wifi-scan';
import { buildDataSet } from './bench/e2e/dataset';
import { chooseLevel, levelTable, LEVELS, type LevelRow } from './bench/e2e/levels';
import { median } from './bench/stats';
import { integer, oneOf, parseFlags, readCommandLine, real, usageText, type Flags } from './lib/cli';

/** The e2e benchmark's seed and the prefix its level table runs on (scripts/bench-e2e.ts). */
const SEED = 8;
const PREFIX_MESSAGES = 500;

const FLAGS = {
  data: { type: 'string', arg: DATA_KINDS.join('|'), help: 'the data set (default realistic)' },
  size: { type: 'string', arg: 'MB', help: 'raw MB of the data set (default 350)' },
  runs: { type: 'string', arg: 'N', help: "how many times the table is measured; each row reports the runs' median (default 3)" },
} as const satisfies Flags;

export const LEVELS_USAGE = usageText(`npm run bench:levels -- [--data ${DATA_KINDS.join('|')}] [--size MB] [--runs N]`, FLAGS);

export function parseLevelsArgs(argv: readonly string[]): { data: DataKind; sizeMb: number; runs: number; help: boolean } {
  const a = parseFlags(argv, FLAGS);
  return { data: a.value('data', oneOf(DATA_KINDS)) ?? 'realistic', sizeMb: a.value('size', real(1)) ?? 350, runs: a.value('runs', integer(1)) ?? 3, help: a.help };
}

function main(): number {
  const o = readCommandLine(LEVELS_USAGE, () => parseLevelsArgs(process.argv.slice(2)));
  if (typeof o === 'number') return o;
  const data = buildDataSet(o.sizeMb * 1e6, SEED, o.data);
  const ratios = [1, 3, 6].map((level) => `L${level} ${gzipRatio(data.messages, level).toFixed(2)}`);
  process.stdout.write(`data set ${o.data}: ${(data.rawBytes / 1e6).toFixed(1)} MB, ${data.messages.length} scans; raw ÷ gzip (each message on its own): ${ratios.join(', ')}\n`);
  const base = { format: 'base64-gzip-lines' as const, gzipLevel: 6, envelope: false, aggregate: false, validateJson: true, maxJsonDepth: 64, limits: { maxRecordsPerBatch: 500, maxBytesPerBatch: 4 * 1024 * 1024, maxRecordBytes: 1_024_000 } };
  const runs: LevelRow[][] = [];
  for (let r = 0; r < o.runs; r++) {
    runs.push(levelTable(data.messages.slice(0, PREFIX_MESSAGES), base));
    process.stderr.write(`run ${r + 1}/${o.runs}: rule picks ${['base64-gzip-lines', 'gzip-ndjson'].map((f) => `${f} L${chooseLevel(runs[r], f as LevelRow['format'])}`).join(', ')}\n`);
  }
  const rows: LevelRow[] = runs[0].map((row, k) => ({
    ...row,
    cpuSecPerGb: median(runs.map((t) => t[k].cpuSecPerGb)),
    cpuVsL6: median(runs.map((t) => t[k].cpuVsL6)),
  }));
  process.stdout.write(`\nmedians of ${o.runs} runs (each the median of 3 interleaved rounds), first ${PREFIX_MESSAGES} messages, one thread, validation on\n`);
  process.stdout.write('| format | level | output ÷ L6 | CPU-s/GB | CPU ÷ L6 | CPU ÷ L6 per run |\n| --- | ---: | ---: | ---: | ---: | --- |\n');
  rows.forEach((l, k) => {
    const per = runs.map((t) => t[k].cpuVsL6.toFixed(2)).join(' ');
    process.stdout.write(`| ${l.format} | ${l.level} | ${l.sizeVsL6.toFixed(3)} | ${l.cpuSecPerGb.toFixed(1)} | ${l.cpuVsL6.toFixed(2)} | ${per} |\n`);
  });
  process.stdout.write(`\nrule (least CPU with output ≤ level 6 + 5 %) on the medians: ${['base64-gzip-lines', 'gzip-ndjson'].map((f) => `${f} level ${chooseLevel(rows, f as LevelRow['format'])}`).join(', ')} (levels ${LEVELS.join(', ')})\n`);
  return 0;
}

if (require.main === module) process.exitCode = main();
