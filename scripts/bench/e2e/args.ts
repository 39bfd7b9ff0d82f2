/** Command line of `npm run bench:e2e`; pure, so it is tested without running anything. */
import { DATA_KINDS, type DataKind } from '../../../src/generator/wifi-scan';
import { list, oneOf, parseFlags, real, someOf, usageError, usageText, type Convert, type Flags } from '../../lib/cli';

export const VARIANTS = ['level1', 'level3', 'level4', 'level5', 'level6', 'gzip-ndjson', 'ndjson', 'base64-gzip-lines', 'no-validation', 'pool1', 'pool2', 'inline-zlib', 'inflight64', 'no-coalesce', 'linger200', 'fetch50'] as const;
export type VariantId = (typeof VARIANTS)[number];

export interface E2eArgs {
  /** Raw MB (10^6 bytes) of the pre-loaded data set. */
  sizeMb: number;
  /** Which generator data set: realistic beacons (default) or the random-hex `hard` set of before issue 12. */
  data: DataKind;
  sink: 'moto' | 'fast';
  variants: VariantId[];
  ceilings: boolean;
  partitions: number;
  /** Steady mode: messages/s of 65 KB scans; 0 = off (drain a backlog). */
  steadyRate: number;
  steadySeconds: number;
  /** Directory for cpu profiles of the consumer runs (node --cpu-prof); '' = none. */
  profileDir: string;
  outDir: string;
  /** Another checkout (built) whose consumer is also run with the defaults: a same-run before/after. */
  baselineRoot: string;
  /** Alternating current/baseline pairs on the headline's sink (with a baseline). */
  pairs: number;
  /** A Node 24 binary to drain under as well ('' = none). */
  node24: string;
  smoke: boolean;
  help: boolean;
}

const FLAGS = {
  size: { type: 'string', arg: 'MB', help: 'raw MB of the pre-loaded data set (default 350; --quick 120, --smoke 20)' },
  data: {
    type: 'string',
    arg: 'realistic|hard',
    help: "realistic: scans with real beacons' information elements, 5-7 : 1 at gzip level 6 (default);\nhard: the set before issue 12, each access point padded with random hex (2.3 : 1)",
  },
  sink: {
    type: 'string',
    arg: 'moto|fast',
    help: "the headline run's Firehose: moto (the emulator, default) or fast (our in-process sink);\nceilings and variants always use the fast sink, next to a headline repeat on it",
  },
  variants: { type: 'string', arg: 'a,b|none', help: `${VARIANTS.join(',')} (default all; --quick level1,level3,no-validation; --smoke none)` },
  'no-ceilings': { type: 'boolean', help: 'skip the ceilings and the gzip level table' },
  quick: { type: 'boolean', help: '120 MB, three variants' },
  smoke: { type: 'boolean', help: '20 MB on the fast sink, the headline only (no ceilings, variants or Node 24 rows)' },
  steady: {
    type: 'string',
    arg: 'MSG_PER_S',
    help: "hold this rate of 65 KB scans for --steady-seconds and report CPU utilisation and latency\n(with --variants naming one variant: under that variant's settings)",
  },
  'steady-seconds': { type: 'string', arg: 'S', help: 'how long --steady holds its rate (default 180, at least 10)' },
  profile: { type: 'string', arg: 'DIR', help: 'write node --cpu-prof profiles of every consumer run (main thread and workers) to DIR' },
  out: { type: 'string', arg: 'DIR', help: 'results directory (default bench/results)' },
  baseline: {
    type: 'string',
    arg: 'DIR',
    help: "a built checkout of another commit: its consumer also drains the topic with the defaults, on the headline's\nsink, right after the headline (same-run before/after)",
  },
  pairs: { type: 'string', arg: 'N', help: "with --baseline: N alternating current/baseline pairs on the headline's sink; medians of the pair ratios (default 1)" },
  node24: { type: 'string', arg: 'PATH', help: 'a Node 24 binary (default $NODE24): the headline, and the baseline, drained again under it in the same run' },
  'no-node24': { type: 'boolean', help: 'skip the Node 24 rows even when $NODE24 is set' },
} as const satisfies Flags;

export const E2E_USAGE = usageText(
  `npm run bench:e2e -- [--size MB] [--data realistic|hard] [--sink moto|fast] [--variants a,b|none] [--no-ceilings]
                            [--quick | --smoke] [--steady MSG_PER_S [--steady-seconds S]] [--profile DIR] [--out DIR]
                            [--baseline DIR [--pairs N]] [--node24 PATH | --no-node24]`,
  FLAGS,
);

const variantList: Convert<VariantId[]> = (flag, value) => {
  const items = list(flag, value);
  return items.length === 1 && items[0] === 'none' ? [] : someOf(VARIANTS)(flag, value);
};

export function parseE2eArgs(argv: readonly string[]): E2eArgs {
  const a = parseFlags(argv, FLAGS);
  const size = a.value('size', real(1));
  const data = a.value('data', oneOf(DATA_KINDS)) ?? 'realistic';
  const sink = a.value('sink', oneOf(['moto', 'fast'] as const)) ?? 'moto';
  const variants = a.value('variants', variantList);
  const steadyRate = a.value('steady', real(1)) ?? 0;
  const steadySeconds = a.value('steady-seconds', real(10)) ?? 180;
  const pairs = a.value('pairs', real(1)) ?? 1;
  const smoke = a.flag('smoke');
  const quick = a.flag('quick');
  if (smoke && quick) throw usageError('--smoke and --quick exclude each other');
  return {
    sizeMb: size ?? (smoke ? 20 : quick ? 120 : 350),
    data,
    // --smoke: the fast sink, the headline alone, no Node 24 rows.
    sink: smoke ? 'fast' : sink,
    variants: variants ?? (smoke ? [] : quick ? ['level1', 'level3', 'no-validation'] : [...VARIANTS]),
    ceilings: !a.flag('no-ceilings') && !smoke,
    partitions: 6,
    steadyRate,
    steadySeconds,
    profileDir: a.text('profile') ?? '',
    outDir: a.text('out') ?? 'bench/results',
    baselineRoot: a.text('baseline') ?? '',
    pairs,
    node24: smoke || a.flag('no-node24') ? '' : (a.text('node24') ?? process.env.NODE24 ?? ''),
    smoke,
    help: a.help,
  };
}
