/**
 * src/bundle/code-cache.ts on a small CommonJS fixture, each case in its own
 * node process (the loader runs the file and, when asked, writes the cache as
 * the process exits): the module sees what Node's own loader gives it, the
 * cache is written only when asked and then used, a damaged cache is rejected
 * and the module still runs the same, and --enable-source-maps falls back to
 * plain require.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const LOADER = path.resolve(__dirname, '../../src/bundle/code-cache.js');

/** Reports what a CommonJS module gets (the build leaves no native import() in the bundle: see code-cache.ts). */
const FIXTURE = `
const os = require('node:os');
const self = { file: __filename, dir: __dirname, moduleIsObject: typeof module === 'object', exportsIsModuleExports: exports === module.exports, thisIsExports: this === exports };
function work(n) { let s = 0; for (let i = 0; i < n; i++) s += i % 7; return s; }
Promise.resolve().then(() => require('node:path')).then((p) => process.stdout.write(JSON.stringify({ ...self, sum: work(1000), sep: p.sep, cpus: os.cpus().length > 0, argv: process.argv.slice(2) }) + '\\n'));
`;

describe('bundle: runWithCodeCache', function () {
  this.timeout(20_000);
  let dir: string;
  let file: string;
  let cacheFile: string;
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'wsqc-code-cache-'));
    file = path.join(dir, 'service.js');
    cacheFile = path.join(dir, 'service.test.v8cache');
    writeFileSync(file, FIXTURE);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function run(write: boolean, nodeFlags: string[] = []): { outcome: string; report: Record<string, unknown> } {
    const driver = path.join(dir, `driver-${write}.js`);
    writeFileSync(driver, `const o = require(${JSON.stringify(LOADER)}).runWithCodeCache({ file: ${JSON.stringify(file)}, cacheFile: ${JSON.stringify(cacheFile)}, write: ${write} }); process.stderr.write(o);`);
    const r = spawnSync(process.execPath, [...nodeFlags, driver, 'a1'], { encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    return { outcome: r.stderr.trim(), report: JSON.parse(r.stdout) as Record<string, unknown> };
  }

  const expected = (): Record<string, unknown> => ({
    file,
    dir,
    moduleIsObject: true,
    exportsIsModuleExports: true,
    thisIsExports: true,
    sum: 2997,
    sep: '/',
    cpus: true,
    argv: ['a1'],
  });

  it('without a cache and not asked to write one: plain require, nothing written', () => {
    const r = run(false);
    expect(r.outcome).to.equal('absent');
    expect(r.report).to.deep.equal(expected());
    expect(existsSync(cacheFile)).to.equal(false);
  });

  it('asked to write: runs the module as Node would (require, module, exports, this, __filename, __dirname, argv) and writes the cache at exit', () => {
    const r = run(true);
    expect(r.outcome).to.equal('absent');
    expect(r.report).to.deep.equal(expected());
    expect(statSync(cacheFile).size).to.be.greaterThan(0);
  });

  it('with the cache: V8 accepts it and the module behaves the same', () => {
    const r = run(false);
    expect(r.outcome).to.equal('used');
    expect(r.report).to.deep.equal(expected());
  });

  it('a damaged cache is rejected by V8 and the module still runs the same', () => {
    writeFileSync(cacheFile, Buffer.alloc(4096, 7));
    const r = run(false);
    expect(r.outcome).to.equal('rejected');
    expect(r.report).to.deep.equal(expected());
  });

  it('with --enable-source-maps: plain require, so stack traces map through the source map', () => {
    const r = run(false, ['--enable-source-maps']);
    expect(r.outcome).to.equal('source-maps');
    expect(r.report).to.deep.equal(expected());
  });
});
