import { expect } from 'chai';
import { AbortedError } from '../../src/errors';
import { FailureWindow } from '../../src/flow/failure-window';
import { WorkerCircuit } from '../../src/flow/worker-circuit';
import { FakeClock, flush } from '../support/fakes';

const outcomes = (pattern: string): boolean[] => [...pattern].map((c) => c === '.');

describe('FailureWindow (F3: the worker failure rate)', () => {
  // One character per message: '.' = the worker encoded it, 'x' = it failed alone; window 10, ratio 0.5, minSamples 4.
  const table: [string, string, boolean][] = [
    ['nothing recorded', '', false],
    ['fewer failures than the minimum sample, all failed', 'xxx', false],
    ['the minimum sample, all failed', 'xxxx', true],
    ['exactly half of 6 failed', '...xxx', true],
    ['just under half of 7 failed', '....xxx', false],
    ['one poison message in each of two units of 3', '..x..x', false],
    ['old failures slide out of the window', 'xxxxxxxxxx..........', false],
    ['the last 10 of 20 are failures', '..........xxxxxxxxxx', true],
    ['the window keeps only the last 10: 5 failed of them', 'xxxxx.....xxxxx', true],
    ['the window keeps only the last 10: 4 failed of them', 'xxxxxx......xxxx', false],
  ];
  for (const [why, pattern, tripped] of table) {
    it(`${tripped ? 'trips' : 'does not trip'}: ${why}`, () => {
      const w = new FailureWindow({ size: 10, ratio: 0.5, minSamples: 4 });
      for (const ok of outcomes(pattern)) w.record(ok);
      expect(w.tripped).to.equal(tripped);
      expect(w.samples).to.equal(Math.min(10, pattern.length));
    });
  }

  it('forgets everything on reset', () => {
    const w = new FailureWindow({ size: 4, ratio: 0.5, minSamples: 2 });
    for (const ok of outcomes('xxxx')) w.record(ok);
    expect(w.tripped).to.equal(true);
    w.reset();
    expect([w.samples, w.failures, w.tripped]).to.deep.equal([0, 0, false]);
    w.record(false);
    expect(w.tripped, 'one failure is below the minimum sample again').to.equal(false);
  });

  it('names the figures in its description', () => {
    const w = new FailureWindow({ size: 20, ratio: 0.5, minSamples: 10 });
    for (const ok of outcomes('..xxxxxxxxxx')) w.record(ok);
    expect(w.describe()).to.equal('10 of the last 12 messages failed in the worker (threshold 50 %)');
  });

  it('refuses options that cannot work', () => {
    expect(() => new FailureWindow({ size: 0, ratio: 0.5, minSamples: 1 })).to.throw(RangeError, /size/);
    expect(() => new FailureWindow({ size: 10, ratio: 0, minSamples: 1 })).to.throw(RangeError, /ratio/);
    expect(() => new FailureWindow({ size: 10, ratio: 0.5, minSamples: 11 })).to.throw(RangeError, /minSamples/);
  });
});

describe('WorkerCircuit (F3)', () => {
  function setup() {
    const clock = new FakeClock(1_000);
    const wc = new WorkerCircuit({ clock, probeIntervalMs: 30_000, window: { size: 10, ratio: 0.5, minSamples: 4 } });
    const moves: string[] = [];
    wc.circuit.onChange((now) => moves.push(`${now.state}@${clock.now()}`));
    return { clock, wc, moves };
  }

  it('opens when the failure rate trips, not before', () => {
    const { wc } = setup();
    wc.messagesEnded(4, 3);
    expect(wc.state).to.equal('closed');
    wc.messagesEnded(0, 1);
    expect(wc.state).to.equal('open');
    expect(wc.circuit.snapshot().reason).to.equal('failure rate: 4 of the last 8 messages failed in the worker (threshold 50 %)');
  });

  it('admits at once while closed', async () => {
    const { wc } = setup();
    expect(await wc.admit(new AbortController().signal)).to.equal('closed');
  });

  it('open → half-open after the probe interval → one trial; a working trial closes it and the others go', async () => {
    const { clock, wc, moves } = setup();
    wc.broken('every single failed');
    const first = wc.admit(new AbortController().signal);
    const second = wc.admit(new AbortController().signal);
    let firstGot: string | undefined;
    let secondGot: string | undefined;
    void first.then((a) => (firstGot = a));
    void second.then((a) => (secondGot = a));
    await clock.advance(29_999);
    expect([firstGot, secondGot, wc.state]).to.deep.equal([undefined, undefined, 'open']);
    await clock.advance(1);
    expect(wc.state).to.equal('half-open');
    expect([firstGot, secondGot], 'exactly one trial').to.deep.equal(['trial', undefined]);
    wc.trialEnded('worked');
    await flush();
    expect(secondGot).to.equal('closed');
    expect(moves).to.deep.equal(['open@1000', 'half-open@31000', 'closed@31000']);
  });

  it('a failed trial re-opens it for another interval; the next trial may close it', async () => {
    const { clock, wc, moves } = setup();
    wc.broken('every single failed');
    await clock.advance(30_000);
    expect(await wc.admit(new AbortController().signal)).to.equal('trial');
    wc.trialEnded('failed', 'WORKER_CRASH: boom');
    expect(wc.state).to.equal('open');
    expect(wc.circuit.snapshot().reason).to.equal('trial failed: WORKER_CRASH: boom');
    await clock.advance(30_000);
    expect(await wc.admit(new AbortController().signal)).to.equal('trial');
    wc.trialEnded('worked');
    expect(moves).to.deep.equal(['open@1000', 'half-open@31000', 'open@31000', 'half-open@61000', 'closed@61000']);
  });

  it('an abandoned trial hands the turn to the next waiting unit', async () => {
    const { clock, wc } = setup();
    wc.broken('x');
    await clock.advance(30_000);
    expect(await wc.admit(new AbortController().signal)).to.equal('trial');
    const next = wc.admit(new AbortController().signal);
    wc.trialEnded('abandoned');
    expect(await next).to.equal('trial');
    expect(wc.state).to.equal('half-open');
  });

  it('a working trial clears the failure window (old failures do not re-trip it)', async () => {
    const { clock, wc } = setup();
    wc.messagesEnded(0, 4);
    expect(wc.state).to.equal('open');
    await clock.advance(30_000);
    await wc.admit(new AbortController().signal);
    wc.trialEnded('worked');
    wc.messagesEnded(0, 1);
    expect(wc.state).to.equal('closed');
  });

  it('a wait is abandoned when its signal aborts (rebalance, terminate)', async () => {
    const { wc } = setup();
    wc.broken('x');
    const stop = new AbortController();
    const waiting = wc.admit(stop.signal).catch((e: unknown) => e);
    stop.abort(new AbortedError('rebalance'));
    expect(await waiting).to.be.instanceOf(AbortedError);
  });

  it('"broken" while already open keeps the first reason and the half-open time', async () => {
    const { clock, wc, moves } = setup();
    wc.broken('first');
    await clock.advance(20_000);
    wc.broken('second');
    await clock.advance(10_000);
    expect(wc.state).to.equal('half-open');
    expect(wc.circuit.snapshot().reason).to.equal('first');
    expect(moves).to.deep.equal(['open@1000', 'half-open@31000']);
  });

  it('stop() cancels the pending half-open timer', async () => {
    const { clock, wc } = setup();
    wc.broken('x');
    wc.stop();
    await clock.advance(60_000);
    expect(wc.state).to.equal('open');
    expect(clock.pending).to.equal(0);
  });
});
