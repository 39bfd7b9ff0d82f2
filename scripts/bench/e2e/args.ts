/** Command line of `npm run bench:e2e`; pure, so it is tested without running anything. */
import { DATA_KINDS, type DataKind } from '../../../src/generator/wifi-scan';

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

export const E2E_USAGE = `usage: npm run bench:e2e -- [--size MB] [--data realistic|hard] [--sink moto|fast] [--variants a,b|none] [--no-ceilings]
                            [--quick | --smoke] [--steady MSG_PER_S [--steady-seconds S]] [--profile DIR] [--out DIR]
                            [--baseline DIR [--pairs N]] [--node24 PATH | --no-node24]
  --size      raw MB of the pre-loaded data set (default 350; --quick 120, --smoke 20)
  --data      realistic: scans with real beacons' information elements, 5-7 : 1 at gzip level 6 (default);
              hard: the set before issue 12, each access point padded with random hex (2.3 : 1)
  --sink      the headline run's Firehose: moto (the emulator, default) or fast (our in-process sink);
              ceilings and variants always use the fast sink, next to a headline repeat on it
  --variants  ${VARIANTS.join(',')} (default all; --quick level1,level3,no-validation; --smoke none)
  --steady    hold this rate of 65 KB scans for --steady-seconds (default 180) and report CPU utilisation and latency
              (with --variants naming one variant: under that variant's settings)
  --profile   write node --cpu-prof profiles of every consumer run (main thread and workers) to DIR
  --baseline  a built checkout of another commit: its consumer also drains the topic with the defaults, on the headline's
              sink, right after the headline (same-run before/after)
  --pairs     with --baseline: N alternating current/baseline pairs on the headline's sink; medians of the pair ratios (default 1)
  --node24    a Node 24 binary (default $NODE24): the headline, and the baseline, drained again under it in the same run
  --no-node24 skip the Node 24 rows even when $NODE24 is set
  --out       results directory (default bench/results)`;

function number(flag: string, value: string | undefined, min: number): number {
  const n = Number(value);
  if (value === undefined || !Number.isFinite(n) || n < min) throw new Error(`${flag} needs a number >= ${min}`);
  return n;
}

function value(flag: string, v: string | undefined): string {
  if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value`);
  return v;
}

export function parseE2eArgs(argv: readonly string[]): E2eArgs {
  let size: number | undefined;
  let variants: VariantId[] | undefined;
  let quick = false;
  const args: E2eArgs = { sizeMb: 350, data: 'realistic', sink: 'moto', variants: [...VARIANTS], ceilings: true, partitions: 6, steadyRate: 0, steadySeconds: 180, profileDir: '', outDir: 'bench/results', baselineRoot: '', pairs: 1, node24: process.env.NODE24 ?? '', smoke: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    switch (flag) {
      case '--size':
        size = number(flag, argv[++i], 1);
        break;
      case '--data': {
        const d = value(flag, argv[++i]);
        if (!(DATA_KINDS as readonly string[]).includes(d)) throw new Error(`--data takes ${DATA_KINDS.join(' or ')}; got "${d}"`);
        args.data = d as DataKind;
        break;
      }
      case '--sink': {
        const s = value(flag, argv[++i]);
        if (s !== 'moto' && s !== 'fast') throw new Error(`--sink takes moto or fast; got "${s}"`);
        args.sink = s;
        break;
      }
      case '--variants': {
        const list = value(flag, argv[++i]).split(',').map((v) => v.trim()).filter((v) => v !== '');
        if (list.length === 1 && list[0] === 'none') {
          variants = [];
          break;
        }
        const unknown = list.filter((v) => !(VARIANTS as readonly string[]).includes(v));
        if (list.length === 0 || unknown.length > 0) throw new Error(`--variants takes none or a list of ${VARIANTS.join(',')}; unknown: ${unknown.join(',') || '(empty)'}`);
        variants = VARIANTS.filter((v) => list.includes(v));
        break;
      }
      case '--no-ceilings':
        args.ceilings = false;
        break;
      case '--quick':
        quick = true;
        break;
      case '--smoke':
        args.smoke = true;
        break;
      case '--steady':
        args.steadyRate = number(flag, argv[++i], 1);
        break;
      case '--steady-seconds':
        args.steadySeconds = number(flag, argv[++i], 10);
        break;
      case '--profile':
        args.profileDir = value(flag, argv[++i]);
        break;
      case '--baseline':
        args.baselineRoot = value(flag, argv[++i]);
        break;
      case '--out':
        args.outDir = value(flag, argv[++i]);
        break;
      case '--pairs':
        args.pairs = number(flag, argv[++i], 1);
        break;
      case '--node24':
        args.node24 = value(flag, argv[++i]);
        break;
      case '--no-node24':
        args.node24 = '';
        break;
      case '-h':
      case '--help':
        args.help = true;
        break;
      default:
        throw new Error(`unknown option ${flag}`);
    }
  }
  if (args.smoke && quick) throw new Error('--smoke and --quick exclude each other');
  if (args.smoke) {
    args.sink = 'fast';
    args.ceilings = false;
    args.node24 = '';
  }
  args.sizeMb = size ?? (args.smoke ? 20 : quick ? 120 : 350);
  args.variants = variants ?? (args.smoke ? [] : quick ? ['level1', 'level3', 'no-validation'] : [...VARIANTS]);
  return args;
}
