/**
 * The bundled build's entry, dist/bundle/main.js (`npm start`, the image,
 * deploy/): runs the service bundle beside it (dist/bundle/service.js, from
 * src/main.ts) with its V8 code cache (./code-cache.ts). The build
 * (scripts/build-bundle.ts) defines the service's file name and the cache's
 * prefix, which carries the service bundle's content hash; the cache's name
 * ends with this V8's version, since V8 takes no other's (one bundle can then
 * carry caches for several Node versions: bench:startup runs Node 20 and 24).
 *
 * `--write-code-cache` is for the build's warm-up run only (`main.js
 * --print-config --write-code-cache`): the cache is written as the process
 * exits. The flag is taken out of process.argv before the service reads it.
 */
import path from 'node:path';
import { runWithCodeCache } from './code-cache';

declare const WSQC_SERVICE_FILE: string;
declare const WSQC_CODE_CACHE_PREFIX: string;

const WRITE_FLAG = '--write-code-cache';
const write = process.argv.includes(WRITE_FLAG, 2);
if (write) process.argv.splice(process.argv.indexOf(WRITE_FLAG, 2), 1);

runWithCodeCache({
  file: path.join(__dirname, WSQC_SERVICE_FILE),
  cacheFile: path.join(__dirname, `${WSQC_CODE_CACHE_PREFIX}.v8-${process.versions.v8}.cache`),
  write,
});
