import path from 'node:path';

/**
 * Set by the bundled build only (scripts/build-bundle.ts passes it to esbuild's
 * `define`): the worker file's name next to the bundled service, which then
 * lives in dist/bundle/. In the tsc build this identifier is never declared at
 * run time, so `typeof` reads "undefined".
 */
declare const WSQC_BUNDLED_WORKER: string | undefined;

/**
 * The compiled Piscina entry. tsc (rootDir ".") emits src/pool/*.ts to
 * dist/src/pool/ and workers/*.ts to dist/workers/, so from here it is two
 * levels up. The bundle is one file per thread kind in one folder, so there the
 * worker sits beside this code. Piscina needs a .js file: a worker thread does
 * not run TypeScript.
 */
export const encodeWorkerPath =
  typeof WSQC_BUNDLED_WORKER === 'string' ? path.join(__dirname, WSQC_BUNDLED_WORKER) : path.resolve(__dirname, '../../workers/encode-worker.js');
