import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { parseE2eArgs, VARIANTS } from '../../scripts/bench/e2e/args';
import { parseLevelsArgs } from '../../scripts/bench-levels';
import { sizesFor } from '../../scripts/bench/e2e/dataset';
import { percentile } from '../../scripts/bench/e2e/figures';
import { Ledger } from '../../scripts/bench/e2e/ledger';
import { chooseLevel, type LevelRow } from '../../scripts/bench/e2e/levels';
import { metricSum } from '../../scripts/bench/e2e/prom-text';

describe('bench:e2e: arguments, data set, ledger, metrics text', () => {
  it('defaults to 350 MB on moto with every variant and the ceilings; --quick and --smoke shrink it', () => {
    expect(parseE2eArgs([])).to.deep.include({ sizeMb: 350, sink: 'moto', variants: [...VARIANTS], ceilings: true, smoke: false, steadyRate: 0 });
    expect(parseE2eArgs(['--quick'])).to.deep.include({ sizeMb: 120, variants: ['level1', 'level3', 'no-validation'] });
    expect(parseE2eArgs(['--smoke'])).to.deep.include({ sizeMb: 20, sink: 'fast', variants: [], ceilings: false, smoke: true });
    expect(parseE2eArgs(['--size', '50', '--sink', 'fast', '--variants', 'pool1,level1'])).to.deep.include({ sizeMb: 50, sink: 'fast', variants: ['level1', 'pool1'] });
    expect(parseE2eArgs(['--variants', 'none', '--no-ceilings'])).to.deep.include({ variants: [], ceilings: false });
    expect(parseE2eArgs(['--steady', '75', '--steady-seconds', '60'])).to.deep.include({ steadyRate: 75, steadySeconds: 60 });
  });

  it('runs on the realistic data set unless --data hard', () => {
    expect(parseE2eArgs([]).data).to.equal('realistic');
    expect(parseE2eArgs(['--smoke', '--data', 'hard']).data).to.equal('hard');
    expect(() => parseE2eArgs(['--data', 'random'])).to.throw(/--data: expected realistic or hard, got "random"/);
    expect(() => parseE2eArgs(['--data'])).to.throw(/--data needs a value/);
  });

  it('rejects bad options with a specific message', () => {
    expect(() => parseE2eArgs(['--sink', 'kinesis'])).to.throw(/--sink: expected moto or fast, got "kinesis"/);
    expect(() => parseE2eArgs(['--variants', 'level9'])).to.throw(/unknown: level9/);
    expect(() => parseE2eArgs(['--size', '0'])).to.throw(/--size: expected a number >= 1, got "0"/);
    expect(() => parseE2eArgs(['--smoke', '--quick'])).to.throw(/exclude each other/);
    expect(() => parseE2eArgs(['--out'])).to.throw(/--out needs a value/);
    expect(() => parseE2eArgs(['--fast'])).to.throw(/unknown option/);
    expect(() => parseE2eArgs(['--varaints', 'level1'])).to.throw(/unknown option --varaints: did you mean --variants\?/);
  });

  it('bench:levels reads --data, --size and --runs, and suggests the nearest flag', () => {
    expect(parseLevelsArgs([])).to.deep.equal({ data: 'realistic', sizeMb: 350, runs: 3, help: false });
    expect(parseLevelsArgs(['--data', 'hard', '--size', '20', '--runs', '5'])).to.deep.include({ data: 'hard', sizeMb: 20, runs: 5 });
    expect(() => parseLevelsArgs(['--runs', '0'])).to.throw(/--runs: expected an integer >= 1, got "0"/);
    expect(() => parseLevelsArgs(['--run', '2'])).to.throw(/unknown option --run: did you mean --runs\?/);
  });

  it('the data set is seeded, reaches its size and mixes in small and 120 KB scans', () => {
    const sizes = sizesFor(10_000_000, 8);
    expect(sizesFor(10_000_000, 8)).to.deep.equal(sizes);
    const total = sizes.reduce((a, b) => a + b, 0);
    expect(total).to.be.at.least(10_000_000).and.below(10_120_001);
    expect(sizes.filter((s) => s <= 5_000).length).to.be.greaterThan(0);
    expect(sizes.filter((s) => s === 120_000).length).to.be.greaterThan(0);
    expect(new Set(sizes.filter((s) => s > 5_000 && s !== 120_000))).to.deep.equal(new Set([30_000, 65_000, 100_000]));
  });

  it('the ledger counts lost, duplicated and unexpected ids and keeps first-delivery latencies', () => {
    const ledger = new Ledger('b', new Float64Array([1_000, 1_000, 2_000, 2_000]));
    const msg = (id: string): Buffer => Buffer.from(`{"id":"${id}","x":1}`);
    ledger.deliver(msg('b-0'), 1_500);
    ledger.deliver(msg('b-1'), 1_700);
    ledger.deliver(msg('b-1'), 9_000); // duplicate: its latency is not counted again
    ledger.deliver(msg('b-3'), 2_100);
    ledger.deliver(msg('other-1'), 2_100);
    ledger.deliver(msg('b-99'), 2_100);
    expect(ledger.check()).to.deep.equal({ expected: 4, delivered: 6, lost: 1, duplicated: 1, unexpected: 2, examples: ['b-1×2', 'b-2×0'] });
    expect(ledger.latencyMs().sort((a, b) => a - b)).to.deep.equal([100, 500, 700]);
  });

  it('chooseLevel: least CPU among levels within 5 % of level 6, per format', () => {
    const row = (level: number, sizeVsL6: number, cpuVsL6: number, format: LevelRow['format'] = 'base64-gzip-lines'): LevelRow => ({ format, level, outputBytes: 0, sizeVsL6, cpuSecPerGb: 0, cpuVsL6 });
    const rows = [row(1, 1.11, 0.5), row(3, 1.049, 0.7), row(5, 1.04, 0.8), row(6, 1, 1), row(1, 1.01, 0.6, 'gzip-ndjson'), row(6, 1, 1, 'gzip-ndjson')];
    expect(chooseLevel(rows, 'base64-gzip-lines')).to.equal(3); // level 1 is cheaper but 11 % larger
    expect(chooseLevel(rows, 'gzip-ndjson')).to.equal(1);
    expect(chooseLevel(rows, 'base64-gzip-lines', 0.045)).to.equal(5);
    expect(chooseLevel([], 'ndjson')).to.equal(6);
  });

  it('percentile picks from the sorted values; none for an empty list', () => {
    expect(percentile([5, 1, 3, 2, 4], 50)).to.equal(3);
    expect(percentile([5, 1, 3, 2, 4], 99)).to.equal(5);
    expect(percentile([], 50)).to.equal(null);
  });

  it('metricSum adds every label set of one metric and nothing else', () => {
    const text = [
      '# HELP wsqc_firehose_requests_total PutRecordBatch calls.',
      'wsqc_firehose_requests_total{outcome="ok"} 12',
      'wsqc_firehose_requests_total{outcome="throttled"} 3',
      'wsqc_firehose_requests_total_other 100',
      'wsqc_worker_threads_started_total 2',
    ].join('\n');
    expect(metricSum(text, 'wsqc_firehose_requests_total')).to.equal(15);
    expect(metricSum(text, 'wsqc_worker_threads_started_total')).to.equal(2);
    expect(metricSum(text, 'wsqc_absent')).to.equal(0);
  });
});

describe('bench:e2e probe: peak RSS of the consumer itself', () => {
  it("reads the child's own high-water mark, not the ru_maxrss Linux carries over from the parent", function () {
    if (process.platform !== 'linux') this.skip();
    // The parent holds ~300 MiB, as the benchmark holds its data set and fast sink.
    const ballast = Buffer.alloc(300 * 1048576, 1);
    const probe = require.resolve('../../scripts/bench/e2e/probe');
    const out = spawnSync(process.execPath, ['-e', `const { peakRssMiB } = require(${JSON.stringify(probe)}); console.log(JSON.stringify({ peak: peakRssMiB([]), maxrss: Math.round(process.resourceUsage().maxRSS / 1024) }))`], { encoding: 'utf8' });
    const child = JSON.parse(out.stdout) as { peak: number; maxrss: number };
    expect(ballast.length).to.be.greaterThan(0);
    expect(child.maxrss, 'the trap: ru_maxrss inherited from the parent').to.be.at.least(300);
    expect(child.peak, "the child's own VmHWM").to.be.above(10).and.below(150);
  });
});
