/**
 * Runs a CommonJS bundle with a V8 code cache: the bytecode V8 compiled for it
 * in an earlier run, so this start skips parsing and compiling what that run
 * compiled. Used only by the bundled build's entry (./entry.ts).
 *
 * Why: compiling the 4.6 MiB service bundle and the functions its modules run
 * while loading is 0.07 CPU-s of a 0.45 CPU-s start, Node 20 and 24 alike
 * (`--print-config` alone 0.23 → 0.15 CPU-s; README "Build, bundle and
 * image"). Node 22's module.enableCompileCache() caches only what is
 * compiled before the script runs (`--print-config` 0.21 → 0.16–0.19 on Node
 * 24, against 0.13 here), and Node 20 has no such API; a cache taken after the
 * modules have loaded holds their lazily compiled functions too.
 *
 * How: the bundle is compiled with vm.Script and `cachedData`, wrapped the
 * way Node's CommonJS loader wraps a module, and called with its own
 * `require` (module.createRequire), `module`, `__filename` and `__dirname`.
 * A native `import()` would throw in a vm script without a loader callback
 * (and Node 20 warns that the default-loader one is experimental), so the
 * build turns every `import()` into a `require` (esbuild `supported:
 * { 'dynamic-import': false }`; the AWS SDK has two, of node:http and
 * node:async_hooks). V8 checks the cache against its own
 * version, its flags and the source length, and rejects a mismatch: the
 * script is then compiled normally, slower but identical. The source length
 * is V8's only check on the source, so the cache file is named after the
 * bundle's content hash at build time (scripts/build-bundle.ts): a rebuilt
 * bundle never meets an old cache; and after the V8 version (./entry.ts).
 *
 * The cache is written only when asked (`write`: the build's warm-up run,
 * which loads every module and the configuration, then exits), never by the
 * service in production: its files stay read-only. Without a cache, or when
 * source maps are on (`--enable-source-maps` maps stack traces of modules that
 * Node's loader compiled, not vm scripts), the bundle is loaded by plain
 * `require`, exactly as if this did not exist.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

export interface CodeCacheOptions {
  /** The bundle to run. */
  readonly file: string;
  /** Its code cache (read, or written with `write`). */
  readonly cacheFile: string;
  /** Write the cache when the process exits (the build's warm-up); default false. */
  readonly write?: boolean;
}

export type CodeCacheOutcome = 'used' | 'rejected' | 'absent' | 'source-maps';

export function runWithCodeCache(opts: CodeCacheOptions): CodeCacheOutcome {
  const { file, cacheFile } = opts;
  if (process.sourceMapsEnabled) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loads the bundle by path, as Node's loader would
    require(file);
    return 'source-maps';
  }
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  if (cachedData === undefined && !opts.write) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- as above
    require(file);
    return 'absent';
  }
  const source = readFileSync(file, 'utf8');
  // The wrapper of Node's CommonJS loader (lib/internal/modules/cjs/loader.js), on the first line so line numbers stay.
  const wrapped = `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;
  const script = new vm.Script(wrapped, { filename: file, cachedData });
  const outcome: CodeCacheOutcome = cachedData === undefined ? 'absent' : script.cachedDataRejected ? 'rejected' : 'used';
  if (opts.write) {
    process.once('exit', () => {
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(tmp, script.createCachedData());
      renameSync(tmp, cacheFile);
    });
  }
  const mod = { exports: {}, id: file, filename: file, loaded: false };
  const fn = script.runInThisContext() as (exports: object, req: NodeJS.Require, module: object, filename: string, dirname: string) => void;
  fn.call(mod.exports, mod.exports, createRequire(file), mod, file, path.dirname(file));
  mod.loaded = true;
  return outcome;
}
