/**
 * bench:startup's pure parts: the command line, the log lines that mark
 * "join starts" and "ready" (scripts/bench/e2e/startup-watch.ts), the
 * in-process watch on a stream, and the medians table.
 */
import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { isJoinStartLine, isReadyLine, watchStartup } from '../../scripts/bench/e2e/startup-watch';
import { parseStartupArgs } from '../../scripts/bench/startup-args';
import { startupTable } from '../../scripts/bench/startup';

const JOINED = (partitions: number): string =>
  `{"timestamp":"2026-12-04T17:41:25.831Z","level":"info","service":"wifi-scan-queue-consumer","message":"consumer group joined","assigned":{"wifi-scans":[0,1]},"partitions":${partitions}}\n`;
const STARTING = '{"timestamp":"2026-12-04T17:41:25.491Z","level":"info","service":"wifi-scan-queue-consumer","message":"Starting","component":"kafkajs","namespace":"Consumer","groupId":"g"}\n';

describe('bench:startup', () => {
  it('parses the command line: 5 interleaved runs of both builds on this node by default', () => {
    expect(parseStartupArgs([])).to.deep.equal({ runs: 5, builds: ['tsc', 'bundle'], nodes: [''], baselineRoots: [], nodeFlags: [], jsonOut: '', help: false });
    expect(parseStartupArgs(['--runs', '9', '--builds', 'bundle', '--node', '/a/node,/b/node', '--baseline', '../base,../old', '--node-flags', '--cpu-prof --cpu-prof-dir=/tmp/p', '--json', 'out.json'])).to.deep.equal({
      runs: 9,
      builds: ['bundle'],
      nodes: ['/a/node', '/b/node'],
      baselineRoots: ['../base', '../old'],
      nodeFlags: ['--cpu-prof', '--cpu-prof-dir=/tmp/p'],
      jsonOut: 'out.json',
      help: false,
    });
    expect(() => parseStartupArgs(['--runs', '0'])).to.throw(/--runs/);
    expect(() => parseStartupArgs(['--builds', 'tsc,webpack'])).to.throw(/webpack/);
    expect(() => parseStartupArgs(['--json'])).to.throw(/--json needs a value/);
    expect(() => parseStartupArgs(['--fast'])).to.throw(/unknown argument/);
  });

  it('ready is the first "consumer group joined" with partitions; an empty assignment is not ready', () => {
    expect(isReadyLine(JOINED(6))).to.equal(true);
    expect(isReadyLine(JOINED(0))).to.equal(false);
    expect(isReadyLine('{"message":"Consumer has joined the group","namespace":"ConsumerGroup"}')).to.equal(false);
    expect(isJoinStartLine(STARTING)).to.equal(true);
    expect(isJoinStartLine(STARTING.replace('"namespace":"Consumer"', '"namespace":"Producer"'))).to.equal(false);
  });

  it('watches the stream it wraps: join start, then ready at the line with partitions, and passes every write through', () => {
    const stream = new PassThrough() as unknown as NodeJS.WriteStream;
    const written: string[] = [];
    (stream as unknown as PassThrough).on('data', (c: Buffer) => written.push(c.toString()));
    let calls = 0;
    const watch = watchStartup(stream, () => calls++);
    stream.write('{"message":"circuit closed"}\n');
    expect(watch.figures()).to.equal(null);
    stream.write(Buffer.from(STARTING));
    stream.write(JOINED(0));
    expect(watch.figures()).to.equal(null);
    stream.write(JOINED(3));
    stream.write(JOINED(3));
    const f = watch.figures();
    expect(calls).to.equal(1);
    expect(f?.joinStartSec).to.be.a('number');
    expect(f?.readySec).to.be.at.least(f?.joinStartSec ?? Infinity);
    expect(f?.cpuSec).to.be.greaterThan(0);
    expect(written.join('')).to.include('circuit closed').and.include('"partitions":3');
  });

  it('prints medians per variant, in the given order', () => {
    const run = (variant: string, cpuSec: number, readySec: number, joinStartSec: number | null = 0.5) => ({ variant, round: 0, cpuSec, mainThreadCpuSec: cpuSec / 2, readySec, joinStartSec });
    const table = startupTable(['b', 'a'], [run('a', 0.9, 2), run('b', 0.3, 0.7), run('a', 0.7, 1.0), run('a', 0.8, 1.2, null), run('b', 0.5, 0.9)]).split('\n');
    expect(table[2]).to.equal('| b | 2 | 0.40 | 0.30–0.50 | 0.20 | 0.50 | 0.80 | 0.30 |');
    expect(table[3]).to.equal('| a | 3 | 0.80 | 0.70–0.90 | 0.40 | 0.50 | 1.20 | 1.00 |');
  });
});
