/** Command line of `npm run bench:startup`; pure, so it is tested without running anything. */

export type Build = 'tsc' | 'bundle';

export interface StartupArgs {
  runs: number;
  builds: Build[];
  /** Node binaries to run the consumer with; '' = the one running the benchmark. */
  nodes: string[];
  /** Built checkouts of other commits: their consumers run too (the tsc build, and the bundle where there is one). */
  baselineRoots: string[];
  /** Extra node flags for every run (e.g. --cpu-prof --cpu-prof-dir=DIR). */
  nodeFlags: string[];
  /** Write every run's figures here as JSON; '' = no file. */
  jsonOut: string;
  help: boolean;
}

export const STARTUP_USAGE = `usage: npm run bench:startup -- [--runs N] [--builds tsc,bundle] [--node PATH[,PATH]] [--baseline DIR[,DIR]]
                                [--node-flags "FLAGS"] [--json FILE]
  --runs        runs per variant, interleaved (default 5); medians are printed
  --builds      which builds of this checkout to start (default tsc,bundle)
  --node        node binaries to start them with, comma-separated (default: this node)
  --baseline    built checkouts of other commits, started the same way (dist/src, and dist/bundle where present);
                each row is labelled with the folder's name
  --node-flags  extra node flags for every run, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
  --json        write every run's figures to FILE`;

function value(flag: string, v: string | undefined): string {
  if (v === undefined || (v.startsWith('--') && flag !== '--node-flags')) throw new Error(`${flag} needs a value`);
  return v;
}

export function parseStartupArgs(argv: readonly string[]): StartupArgs {
  const args: StartupArgs = { runs: 5, builds: ['tsc', 'bundle'], nodes: [''], baselineRoots: [], nodeFlags: [], jsonOut: '', help: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    switch (flag) {
      case '--runs': {
        const n = Number(value(flag, argv[++i]));
        if (!Number.isInteger(n) || n < 1) throw new Error('--runs needs an integer >= 1');
        args.runs = n;
        break;
      }
      case '--builds': {
        const builds = value(flag, argv[++i]).split(',');
        for (const b of builds) if (b !== 'tsc' && b !== 'bundle') throw new Error(`--builds: unknown build ${b} (tsc, bundle)`);
        args.builds = [...new Set(builds as Build[])];
        break;
      }
      case '--node':
        args.nodes = value(flag, argv[++i]).split(',').filter(Boolean);
        break;
      case '--baseline':
        args.baselineRoots = value(flag, argv[++i]).split(',').filter(Boolean);
        break;
      case '--node-flags':
        args.nodeFlags = value(flag, argv[++i]).split(' ').filter(Boolean);
        break;
      case '--json':
        args.jsonOut = value(flag, argv[++i]);
        break;
      case '--help':
      case '-h':
        args.help = true;
        break;
      default:
        throw new Error(`unknown argument ${flag}`);
    }
  }
  return args;
}
