import { expect } from 'chai';
import type { Clock } from '../../src/clock';
import { delayUntil, dueBy } from '../../scripts/load/pace';
import { parseProduceArgs } from '../../scripts/load/produce-args';
import { runProducerLoop, type LoopOptions, type OutMessage, type Sender } from '../../scripts/load/producer-loop';
import { scanAt, scanSpecAt } from '../../scripts/load/scan-source';
import { expectUsageError } from '../support/usage-error';

/** A clock whose sleeps advance time at once: the loop's pacing is exact and instant. */
class AutoClock implements Clock {
  time = 0;
  readonly sleeps: number[] = [];
  now(): number {
    return this.time;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.sleeps.push(ms);
    this.time += ms;
    return Promise.resolve();
  }
}

class RecordingSender implements Sender {
  readonly batches: OutMessage[][] = [];
  constructor(private readonly onSend: (batch: OutMessage[], call: number) => Promise<void> = () => Promise.resolve()) {}
  send(messages: OutMessage[]): Promise<void> {
    this.batches.push(messages);
    return this.onSend(messages, this.batches.length - 1);
  }
  get keys(): string[] {
    return this.batches.flat().map((m) => m.key);
  }
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function expectUsage(argv: string[], pattern: RegExp): void {
  expectUsageError(() => parseProduceArgs(argv, 'p'), pattern);
}

function loopOptions(partial: Partial<LoopOptions> = {}): LoopOptions {
  return { count: 5, rate: 0, sizes: [2_000], seed: 7, idPrefix: 't', logEverySec: 3600, maxBatchBytes: 1_000_000, inFlight: 4, ...partial };
}

function deps(sender: Sender, clock: Clock, extra: { signal?: AbortSignal; partitionCount?: number | null; log?: (l: string) => void } = {}) {
  return {
    sender,
    clock,
    log: extra.log ?? (() => undefined),
    signal: extra.signal ?? new AbortController().signal,
    partitionCount: extra.partitionCount === undefined ? null : extra.partitionCount,
    yieldToEvents: () => Promise.resolve(),
  };
}

describe('produce-scans: arguments', () => {
  it('has trickle defaults for local runs', () => {
    const o = parseProduceArgs([], 'scan-x');
    expect(o).to.deep.include({ topic: 'wifi-scans', count: 0, rate: 2, seed: 1, certs: 'certs', servername: 'localhost', idPrefix: 'scan-x', dryRun: false });
    expect(o.sizes).to.deep.equal([30_000, 65_000, 100_000]);
    expect(o.brokers).to.deep.equal(['127.0.0.1:9093']);
    expect(o.partitions).to.deep.equal({ kind: 'auto' });
  });

  it('reads every option, as "--flag value" and "--flag=value"', () => {
    const o = parseProduceArgs(
      ['--topic', 'scans.t1', '--count=100', '--rate', '0.5', '--sizes', '1000, 2000', '--seed', '42', '--partitions', '6', '--brokers', 'a:1,b:2',
        '--certs', '/tmp/c', '--servername', 'kafka.local', '--id-prefix', 'run-1', '--log-every', '2', '--max-batch-bytes', '500000', '--in-flight', '2', '--dry-run'],
      'unused',
    );
    expect(o).to.deep.include({ topic: 'scans.t1', count: 100, rate: 0.5, seed: 42, certs: '/tmp/c', servername: 'kafka.local', idPrefix: 'run-1', logEverySec: 2, maxBatchBytes: 500_000, inFlight: 2, dryRun: true });
    expect(o.sizes).to.deep.equal([1000, 2000]);
    expect(o.brokers).to.deep.equal(['a:1', 'b:2']);
    expect(o.partitions).to.deep.equal({ kind: 'fixed', count: 6 });
    expect(parseProduceArgs(['--partitions', 'key'], 'p').partitions).to.deep.equal({ kind: 'key' });
    expect(parseProduceArgs(['--count', '0', '--rate', '0'], 'p')).to.deep.include({ count: 0, rate: 0 });
    expect(parseProduceArgs(['-h'], 'p').help).to.equal(true);
  });

  const bad: Array<[string[], RegExp]> = [
    [['--nope'], /unknown option --nope/],
    [['--rat', '5'], /unknown option --rat: did you mean --rate\?/],
    [['--count'], /--count needs a value/],
    [['--count', '-1'], /--count/],
    [['--count', '1.5'], /--count/],
    [['--rate', '-2'], /--rate/],
    [['--rate', 'fast'], /--rate/],
    [['--sizes', '0'], /--sizes/],
    [['--sizes', '1000001'], /--sizes/],
    [['--sizes', ','], /--sizes/],
    [['--topic', 'bad topic'], /--topic/],
    [['--topic', '..'], /--topic/],
    [['--partitions', '0'], /--partitions/],
    [['--partitions', 'some'], /--partitions/],
    [['--brokers', 'localhost'], /host:port/],
    [['--seed', '4294967296'], /--seed/],
    [['--id-prefix', 'a b'], /--id-prefix/],
    [['--in-flight', '0'], /--in-flight/],
    [['--dry-run=yes'], /takes no value/],
  ];
  for (const [argv, pattern] of bad) {
    it(`rejects ${argv.join(' ')}`, () => expectUsage(argv, pattern));
  }
});

describe('produce-scans: pacing', () => {
  it('makes message k due at k / rate seconds', () => {
    expect(dueBy(0, 2)).to.equal(1);
    expect(dueBy(499, 2)).to.equal(1);
    expect(dueBy(500, 2)).to.equal(2);
    expect(dueBy(-5, 2)).to.equal(1);
    expect(dueBy(10, 0)).to.equal(Number.POSITIVE_INFINITY);
    expect(delayUntil(1, 0, 2)).to.equal(500);
    expect(delayUntil(1, 600, 2)).to.equal(0);
    expect(delayUntil(5, 0, 0)).to.equal(0);
  });
});

describe('produce-scans: message source', () => {
  const source = { seed: 9, sizes: [30_000, 65_000, 100_000], idPrefix: 'run' };

  it('regenerates message k from (seed, sizes, k) alone', () => {
    expect(scanSpecAt(source, 17)).to.deep.equal(scanSpecAt(source, 17));
    expect(scanAt(source, 3).value.equals(scanAt(source, 3).value)).to.equal(true);
    expect(scanSpecAt(source, 3).seed).to.not.equal(scanSpecAt(source, 4).seed);
  });

  it('uses the prefix and counter as the id and hits the drawn size', () => {
    for (let k = 0; k < 5; k++) {
      const spec = scanSpecAt(source, k);
      const scan = scanAt(source, k);
      expect(scan.id).to.equal(`run-${k}`);
      expect(source.sizes).to.include(spec.targetBytes);
      expect(scan.value.length).to.equal(spec.targetBytes);
      expect(JSON.parse(scan.value.toString('utf8')).id).to.equal(`run-${k}`);
    }
  });
});

describe('produce-scans: producer loop', () => {
  it('paces at the rate and spreads round-robin over the partitions', async () => {
    const clock = new AutoClock();
    const sender = new RecordingSender();
    const { stats, error } = await runProducerLoop(loopOptions({ count: 5, rate: 2 }), deps(sender, clock, { partitionCount: 3 }));
    expect(error).to.equal(null);
    expect(sender.keys).to.deep.equal(['t-0', 't-1', 't-2', 't-3', 't-4']);
    expect(sender.batches.flat().map((m) => m.partition)).to.deep.equal([0, 1, 2, 0, 1]);
    expect(clock.now()).to.equal(2000); // message 4 is due at 4 / 2 s
    expect(stats).to.deep.include({ produced: 5, lastIndex: 4, elapsedMs: 2000 });
    expect(stats.bytes).to.equal(10_000);
  });

  it('leaves partitioning to the client when no count is given', async () => {
    const sender = new RecordingSender();
    await runProducerLoop(loopOptions({ count: 2 }), deps(sender, new AutoClock()));
    expect(sender.batches.flat().every((m) => !('partition' in m))).to.equal(true);
  });

  it('cuts batches at maxBatchBytes, always at least one message', async () => {
    const sender = new RecordingSender();
    await runProducerLoop(loopOptions({ count: 5, maxBatchBytes: 5_000 }), deps(sender, new AutoClock()));
    expect(sender.batches.map((b) => b.length)).to.deep.equal([2, 2, 1]);
    const tiny = new RecordingSender();
    await runProducerLoop(loopOptions({ count: 2, maxBatchBytes: 1 }), deps(tiny, new AutoClock()));
    expect(tiny.batches.map((b) => b.length)).to.deep.equal([1, 1]);
  });

  it('keeps at most inFlight requests outstanding', async () => {
    const pending: Array<() => void> = [];
    const sender = new RecordingSender(() => new Promise<void>((resolve) => pending.push(resolve)));
    const run = runProducerLoop(loopOptions({ count: 4, maxBatchBytes: 1, inFlight: 2 }), deps(sender, new AutoClock()));
    await tick();
    expect(sender.batches).to.have.length(2);
    pending[0]();
    await tick();
    expect(sender.batches).to.have.length(3);
    pending[1]();
    pending[2]();
    await tick();
    pending[3]();
    expect((await run).stats.produced).to.equal(4);
  });

  it('stops sending on abort and counts only acknowledged messages', async () => {
    const stop = new AbortController();
    const sender = new RecordingSender((_, call) => {
      if (call === 2) stop.abort();
      return Promise.resolve();
    });
    const { stats, error } = await runProducerLoop(loopOptions({ count: 0, rate: 2 }), deps(sender, new AutoClock(), { signal: stop.signal }));
    expect(error).to.equal(null);
    expect(sender.keys).to.deep.equal(['t-0', 't-1', 't-2']);
    expect(stats.produced).to.equal(3);
  });

  it('ends the run on a failed send and reports what was acknowledged', async () => {
    const boom = new Error('broker said no');
    const sender = new RecordingSender((_, call) => (call === 1 ? Promise.reject(boom) : Promise.resolve()));
    const { stats, error } = await runProducerLoop(loopOptions({ count: 10, rate: 1 }), deps(sender, new AutoClock()));
    expect(error).to.equal(boom);
    expect(sender.batches).to.have.length(2);
    expect(stats).to.deep.include({ produced: 1, lastIndex: 0 });
  });

  it('logs progress every logEverySec', async () => {
    const lines: string[] = [];
    await runProducerLoop(loopOptions({ count: 7, rate: 2, logEverySec: 1 }), deps(new RecordingSender(), new AutoClock(), { log: (l) => lines.push(l) }));
    expect(lines).to.have.length(3); // at 1 s, 2 s and 3 s; message 6 is due at 3 s
    expect(lines[0]).to.match(/^1\.0 s: 2 produced, 0\.00 MB, 2\.0 msg\/s/);
  });
});
