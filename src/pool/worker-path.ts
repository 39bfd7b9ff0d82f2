import path from 'node:path';

/**
 * The compiled Piscina entry. tsc (rootDir ".") emits src/pool/*.ts to
 * dist/src/pool/ and workers/*.ts to dist/workers/, so from here it is two
 * levels up. Piscina needs the compiled .js file: a worker thread does not run
 * TypeScript.
 */
export const encodeWorkerPath = path.resolve(__dirname, '../../workers/encode-worker.js');
