/**
 * CI's smoke run of the end-to-end benchmark (`npm run bench:e2e -- --smoke`,
 * issue 8): a 20 MB data set drained by the real consumer into the fast sink.
 * It asserts completion and the delivery set check (0 lost, 0 duplicated, 0
 * unexpected), that the result names its data set and its compression ratio,
 * that the pool started exactly its size in threads, and that the production
 * bundle ran with its start-up figures recorded; never a
 * timing figure (performance is measured by the benchmark, not asserted).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ROOT } from './support/harness';

describe('integration: bench:e2e --smoke', function () {
  this.timeout(240_000);

  it('drains the seeded data set with nothing lost or duplicated, and no thread churn', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'wsqc-bench-smoke-'));
    const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      execFile(process.execPath, [path.join(ROOT, 'dist/scripts/bench-e2e.js'), '--smoke', '--out', out], { cwd: ROOT, timeout: 220_000, maxBuffer: 16 << 20 }, (err, _stdout, stderrText) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr: stderrText }),
      );
    });
    expect(code, stderr.slice(-3000)).to.equal(0);
    const file = readdirSync(out).find((f) => f.endsWith('-smoke.json'));
    expect(file, 'results JSON written').to.be.a('string');
    const result = JSON.parse(readFileSync(path.join(out, file!), 'utf8')) as {
      headline: {
        set: { expected: number; lost: number; duplicated: number; unexpected: number };
        threadStarts: number;
        settings: string;
        requests: number;
        build: string;
        startupCpuSec: number | null;
        readySec: number | null;
      };
      dataSet: { kind: string; gzip6Ratio: number };
    };
    // Every result names its data set and its gzip level 6 ratio (issue 12).
    expect(result.dataSet.kind).to.equal('realistic');
    expect(result.dataSet.gzip6Ratio).to.be.within(5, 7);
    const h = result.headline;
    expect(h.set.expected).to.be.greaterThan(300);
    expect({ lost: h.set.lost, duplicated: h.set.duplicated, unexpected: h.set.unexpected }).to.deep.equal({ lost: 0, duplicated: 0, unexpected: 0 });
    const poolSize = Number(/pool (\d+)/.exec(h.settings)?.[1]);
    expect(h.threadStarts).to.equal(poolSize);
    expect(h.requests).to.be.greaterThan(0);
    // The production bundle ran, and its start-up was measured (a figure, not asserted against a target).
    expect(h.build).to.equal('bundle');
    expect(h.startupCpuSec).to.be.a('number');
    expect(h.readySec).to.be.a('number');
    expect(readdirSync(out).filter((f) => f.endsWith('.svg')).length).to.be.greaterThan(0);
  });
});
