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

/** The e2e benchmark's seed and the prefix its level table runs on (scripts/bench-e2e.ts). */
const SEED = 8;
const PREFIX_MESSAGES = 500;

function parse(argv: readonly string[]): { data: DataKind; sizeMb: number; runs: number } {
  const o = { data: 'realistic' as DataKind, sizeMb: 350, runs: 3 };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    if (argv[i] === '--data' && (DATA_KINDS as readonly string[]).includes(v)) o.data = v as DataKind;
    else if (argv[i] === '--size' && Number(v) >= 1) o.sizeMb = Number(v);
    else if (argv[i] === '--runs' && Number.isInteger(Number(v)) && Number(v) >= 1) o.runs = Number(v);
    else throw new Error(`usage: bench-levels [--data ${DATA_KINDS.join('|')}] [--size MB] [--runs N]; bad "${argv[i]} ${v ?? ''}"`);
    i++;
  }
  return o;
}

function main(): void {
  const o = parse(process.argv.slice(2));
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
}

main();
