/** Command line of the benchmark runner; pure, so it can be tested without running anything. */
import { integer, parseFlags, someOf, usageText, type Flags } from '../lib/cli';

export const CASES = ['a', 'b', 'c', 'd', 'e'] as const;
export type CaseId = (typeof CASES)[number];

export interface BenchArgs {
  quick: boolean;
  cases: CaseId[];
  warmups: number;
  rounds: number;
  /** JSON output; relative paths are resolved against the repository root. */
  out: string;
  help: boolean;
}

const FLAGS = {
  quick: { type: 'boolean', help: '1 warm-up + 3 rounds instead of 2 + 7' },
  case: { type: 'string', arg: 'a,b,c,d,e', help: 'the cases to run (default all)' },
  cases: { type: 'string', arg: 'a,b,c,d,e', help: 'the same as --case' },
  rounds: { type: 'string', arg: 'N', help: 'timed rounds per case (default 7; --quick 3)' },
  warmups: { type: 'string', arg: 'N', help: 'warm-up rounds per case (default 2; --quick 1)' },
  out: { type: 'string', arg: 'FILE', help: 'default .stack/bench/latest.json' },
} as const satisfies Flags;

export const BENCH_USAGE = usageText(
  'node dist/scripts/bench.js [--quick] [--case a,b,c,d,e] [--rounds N] [--warmups N] [--out FILE]',
  FLAGS,
  `  a  encodeUnit in-thread per format and gzip level (150-message units, 30/65/100 KB mix)
  b  handing a unit to a worker: naive structured clone of kafkajs views vs copy-once + transfer
  c  the real Piscina pool (2 threads) vs in-thread encodeUnit, default format
  d  planSubBatches over 10,000 records
  e  JSON validation alone, MB/s on one thread: the WebAssembly scanner against the JS one it replaced (realistic and hard data)`,
);

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const a = parseFlags(argv, FLAGS);
  const quick = a.flag('quick');
  const cases = someOf(CASES, (c) => c.toLowerCase());
  return {
    quick,
    cases: a.value('case', cases) ?? a.value('cases', cases) ?? [...CASES],
    warmups: a.value('warmups', integer(0)) ?? (quick ? 1 : 2),
    rounds: a.value('rounds', integer(1)) ?? (quick ? 3 : 7),
    out: a.text('out') ?? '.stack/bench/latest.json',
    help: a.help,
  };
}
