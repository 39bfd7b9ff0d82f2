/** Command line of the benchmark runner; pure, so it can be tested without running anything. */

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

export const BENCH_USAGE = `usage: node dist/scripts/bench.js [--quick] [--case a,b,c,d,e] [--rounds N] [--warmups N] [--out FILE]
  a  encodeUnit in-thread per format and gzip level (150-message units, 30/65/100 KB mix)
  b  handing a unit to a worker: naive structured clone of kafkajs views vs copy-once + transfer
  c  the real Piscina pool (2 threads) vs in-thread encodeUnit, default format
  d  planSubBatches over 10,000 records
  e  JSON validation alone, MB/s on one thread: the WebAssembly scanner against the JS one it replaced (realistic and hard data)
  --quick    1 warm-up + 3 rounds instead of 2 + 7
  --out      default .stack/bench/latest.json`;

function positiveInt(flag: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n < min) throw new Error(`${flag} needs an integer >= ${min}`);
  return n;
}

export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = { quick: false, cases: [...CASES], warmups: 2, rounds: 7, out: '.stack/bench/latest.json', help: false };
  let rounds: number | undefined;
  let warmups: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    switch (flag) {
      case '--quick':
        args.quick = true;
        break;
      case '--case':
      case '--cases': {
        const list = (argv[++i] ?? '').split(',').map((c) => c.trim().toLowerCase()).filter((c) => c !== '');
        const unknown = list.filter((c) => !(CASES as readonly string[]).includes(c));
        if (list.length === 0 || unknown.length > 0) throw new Error(`--case takes a list of ${CASES.join(',')}; got "${argv[i] ?? ''}"`);
        args.cases = CASES.filter((c) => list.includes(c));
        break;
      }
      case '--rounds':
        rounds = positiveInt(flag, argv[++i], 1);
        break;
      case '--warmups':
        warmups = positiveInt(flag, argv[++i], 0);
        break;
      case '--out':
        if (argv[i + 1] === undefined) throw new Error('--out needs a file');
        args.out = argv[++i];
        break;
      case '-h':
      case '--help':
        args.help = true;
        break;
      default:
        throw new Error(`unknown option ${flag}`);
    }
  }
  args.rounds = rounds ?? (args.quick ? 3 : 7);
  args.warmups = warmups ?? (args.quick ? 1 : 2);
  return args;
}
