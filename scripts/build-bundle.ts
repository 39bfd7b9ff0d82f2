/**
 * `node dist/scripts/build-bundle.js` (the last step of `npm run build`): the
 * production bundle that `npm start`, the Dockerfile and deploy/ run.
 *
 *   dist/bundle/main.js          the entry: src/bundle/entry.ts, which runs
 *                                service.js with its V8 code cache
 *   dist/bundle/service.js       the service: src/main.ts and every dependency
 *   dist/bundle/service.<hash>.v8-<V8 version>.cache   its code cache, made by a
 *                                warm-up run of each Node that will run it
 *   dist/bundle/worker.js        the worker thread: piscina's worker runtime and
 *                                workers/encode-worker.ts, in one file
 *   *.js.map                     source maps (`node --enable-source-maps`)
 *
 * Nothing else is needed at run time: no node_modules (the image copies
 * dist/bundle, config/ and package.json only).
 *
 * Why: Node's CommonJS loader costs a file lookup, a read and a compile for
 * each of the ~1,100 modules the tsc tree loads at start-up (the AWS SDK alone
 * is hundreds); one file per thread kind removes the lookups, and the code
 * cache most of the compiling (README, "Start-up").
 *
 * Two things the bundle must get right, both about piscina 5 (pinned exactly):
 * - The pool starts each thread on `path.resolve(__dirname, 'worker.js')`
 *   (piscina dist/index.js `_addNewWorker`), and bundled, `__dirname` is
 *   dist/bundle: so the worker bundle is named worker.js and sits beside the service.
 * - The worker returns its result through `Piscina.move`, which marks it with
 *   a module-private symbol (`kMovable = Symbol('Piscina.kMovable')`, piscina
 *   dist/symbols.js) that piscina's worker runtime checks: the handler and the
 *   runtime must share one copy of piscina, or results are structured-cloned
 *   (the getters vanish: test/integration/bundle.test.ts then loses every
 *   message) instead of transferred. Hence one worker file holding both; the
 *   runtime then `require`s the handler by the same file name
 *   (src/pool/worker-path.ts gives it), which Node's module cache answers
 *   with this very module.
 *
 * Everything else is bundled as is: the dependencies' static `require`s and
 * `import()`s of bundled code stay lazy (esbuild wraps each module and runs it
 * on first use), so node-forge, the AWS SDK's credential providers and the
 * like still load only when called. `@napi-rs/nice` (piscina's optional
 * thread priority, not installed) stays external. Names are kept and nothing
 * is minified, so a stack trace reads as in the tsc build.
 */
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
export const BUNDLE_DIR = path.join(ROOT, 'dist', 'bundle');
/** The worker bundle's name: piscina's own worker file name (see above). */
export const WORKER_FILE = 'worker.js';
export const SERVICE_FILE = 'service.js';

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  // The oldest Node in package.json's engines; the image runs 24.
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  minify: false,
  keepNames: true,
  external: ['@napi-rs/nice'],
  logLevel: 'warning',
  metafile: true,
  absWorkingDir: ROOT,
  legalComments: 'linked',
};

export interface BundleResult {
  readonly files: Array<{ file: string; bytes: number }>;
}

function outputs(meta: Metafile): Array<{ file: string; bytes: number }> {
  return Object.entries(meta.outputs)
    .filter(([file]) => file.endsWith('.js'))
    .map(([file, out]) => ({ file: path.relative(ROOT, path.resolve(ROOT, file)), bytes: out.bytes }));
}

/** Builds the bundle into `outDir` and warms its code cache with each of `nodes` (default: this node). */
export async function buildBundle(outDir: string = BUNDLE_DIR, nodes: readonly string[] = [process.execPath]): Promise<BundleResult> {
  // piscina's "exports" map hides dist/worker.js; it sits beside the package's main (dist/main.js).
  const piscinaWorker = path.join(path.dirname(require.resolve('piscina', { paths: [ROOT] })), 'worker.js');
  if (!existsSync(piscinaWorker)) throw new Error(`piscina's worker runtime not found at ${piscinaWorker}`);
  rmSync(outDir, { recursive: true, force: true });

  const service = await build({
    ...common,
    entryPoints: { service: path.join(ROOT, 'src/main.ts') },
    outdir: outDir,
    define: { WSQC_BUNDLED_WORKER: JSON.stringify(WORKER_FILE) },
    // No native import() left: the code cache runs this file as a vm script (src/bundle/code-cache.ts).
    supported: { 'dynamic-import': false },
  });
  const serviceFile = path.join(outDir, SERVICE_FILE);
  const hash = createHash('sha256').update(readFileSync(serviceFile)).digest('hex').slice(0, 16);

  const entry = await build({
    ...common,
    entryPoints: { main: path.join(ROOT, 'src/bundle/entry.ts') },
    outdir: outDir,
    define: { WSQC_SERVICE_FILE: JSON.stringify(SERVICE_FILE), WSQC_CODE_CACHE_PREFIX: JSON.stringify(`service.${hash}`) },
  });
  const worker = await build({
    ...common,
    stdin: {
      // The runtime first (it registers the thread's message handler), then the handler as this module's exports.
      contents: `require(${JSON.stringify(piscinaWorker)});\nmodule.exports = require('./workers/encode-worker.ts');\n`,
      resolveDir: ROOT,
      sourcefile: 'bundle-worker-entry.js',
      loader: 'js',
    },
    outfile: path.join(outDir, WORKER_FILE),
  });

  const caches = nodes.map((node) => warmCodeCache(outDir, node));
  return {
    files: [...outputs(service.metafile!), ...outputs(entry.metafile!), ...outputs(worker.metafile!), ...caches.map((c) => ({ file: path.relative(ROOT, c), bytes: statSync(c).size }))],
  };
}

/**
 * Loads every module of the bundled service and its configuration once
 * (--print-config with the defaults: nothing is connected to) with `node`, and
 * writes that node's code cache as it exits; returns the cache's path. Run by
 * the Node that will run the service: V8 rejects a cache made by another
 * version (the Dockerfile builds and runs on the same image).
 */
export function warmCodeCache(bundleDir: string, node: string = process.execPath): string {
  const before = new Set(readdirSync(bundleDir));
  const r = spawnSync(node, [path.join(bundleDir, 'main.js'), '--print-config', '--write-code-cache'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'development' },
  });
  if (r.status !== 0) throw new Error(`code cache warm-up with ${node} failed (exit ${r.status}): ${r.stderr}`);
  const v8 = spawnSync(node, ['-p', 'process.versions.v8'], { encoding: 'utf8' }).stdout.trim();
  const cache = readdirSync(bundleDir).find((f) => f.startsWith('service.') && f.endsWith(`.v8-${v8}.cache`));
  if (!cache) throw new Error(`the warm-up run with ${node} wrote no code cache in ${bundleDir} (had: ${[...before].join(', ')})`);
  return path.join(bundleDir, cache);
}

if (require.main === module) {
  // `--warm NODE[,NODE]`: also make code caches for these Node binaries (bench:startup does it itself).
  const at = process.argv.indexOf('--warm');
  const extra = at > 0 ? (process.argv[at + 1] ?? '').split(',').filter(Boolean) : [];
  buildBundle(BUNDLE_DIR, [process.execPath, ...extra]).then(
    ({ files }) => {
      for (const f of files) process.stdout.write(`bundle: ${f.file} ${(f.bytes / 1024).toFixed(0)} KiB\n`);
    },
    (err: unknown) => {
      process.stderr.write(`bundle build failed: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
