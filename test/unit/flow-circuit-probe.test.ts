import { expect } from 'chai';
import { AbortedError } from '../../src/errors';
import { Circuit } from '../../src/flow/circuit';
import { OutageFlag } from '../../src/flow/outage';
import { Prober } from '../../src/flow/prober';
import { RetryPlan } from '../../src/flow/retry-schedule';
import { silentLogger } from '../../src/logging/types';
import { FakeClock, flush } from '../support/fakes';

describe('flow/circuit Circuit', () => {
  it('closed → open → half-open → closed, with snapshots and listeners', async () => {
    const clock = new FakeClock(100);
    const c = new Circuit('firehose', clock);
    const seen: string[] = [];
    c.onChange((now, before) => seen.push(`${before.state}->${now.state}`));
    expect(c.snapshot()).to.deep.equal({ name: 'firehose', state: 'closed', sinceMs: 100 });
    c.open('ResourceNotFoundException: gone');
    await clock.advance(30_000);
    c.halfOpen();
    expect(c.snapshot()).to.deep.equal({ name: 'firehose', state: 'half-open', sinceMs: 30_100, reason: 'ResourceNotFoundException: gone' });
    c.open('probe: still gone');
    c.halfOpen();
    c.close();
    expect(seen).to.deep.equal(['closed->open', 'open->half-open', 'half-open->open', 'open->half-open', 'half-open->closed']);
  });

  it('whenClosed resolves on close and rejects with AbortedError on abort', async () => {
    const c = new Circuit('kafka', new FakeClock());
    await c.whenClosed();
    c.open('crash');
    let woke = false;
    const waiting = c.whenClosed().then(() => (woke = true));
    const controller = new AbortController();
    const aborted = c.whenClosed(controller.signal).catch((e: unknown) => e);
    controller.abort();
    expect(await aborted).to.be.instanceOf(AbortedError);
    await flush();
    expect(woke).to.equal(false);
    c.close();
    await waiting;
    expect(woke).to.equal(true);
  });
});

describe('flow/outage OutageFlag', () => {
  it('network after 3 transient request failures in a row; cleared by any answer', () => {
    const o = new OutageFlag(new FakeClock());
    o.requestFailed();
    o.requestFailed();
    expect(o.network).to.equal(false);
    o.requestFailed();
    expect(o.network).to.equal(true);
    o.requestAnswered();
    expect(o.active).to.equal(false);
  });

  it('bufferFull on a throttle; an answer lifts it only after the quiet time', async () => {
    const clock = new FakeClock();
    const o = new OutageFlag(clock, { quietMs: 5_000 });
    o.throttled();
    o.requestAnswered();
    expect(o.bufferFull, 'answered too soon after the throttle').to.equal(true);
    await clock.advance(5_000);
    o.requestAnswered();
    expect(o.bufferFull).to.equal(false);
  });

  it('nothing to send (every partition tried without a batch) clears both', () => {
    const o = new OutageFlag(new FakeClock(), { quietMs: 60_000 });
    o.throttled();
    o.requestFailed();
    o.requestFailed();
    o.requestFailed();
    o.nothingToSend();
    expect(o.active).to.equal(false);
  });

  it('an answered request clears NETWORK; a DescribeDeliveryStream answer alone does not', () => {
    const o = new OutageFlag(new FakeClock());
    o.requestFailed();
    o.requestFailed();
    o.requestFailed();
    expect(o.network).to.equal(true);
    expect('probeAnswered' in o, 'a DescribeDeliveryStream answer must not clear it (it answers through a PutRecordBatch outage)').to.equal(false);
    o.requestAnswered();
    expect(o.network).to.equal(false);
  });
});

describe('flow/prober Prober', () => {
  it('F1: with the outage flag up and nothing in flight, one probe interval opens a trial fetch; the trial\'s answered request clears the flag', async () => {
    const clock = new FakeClock();
    const outage = new OutageFlag(clock);
    let inFlight = 0;
    let probes = 0;
    let trials = 0;
    const prober = new Prober({
      name: 'idle',
      clock,
      logger: silentLogger,
      intervalMs: 10_000,
      due: () => outage.active && inFlight === 0,
      probe: async () => {
        probes++;
      },
      onSuccess: () => {
        trials++; // src/service.ts: supervisor.probeFetch()
      },
      onFailure: () => undefined,
    });
    prober.start();
    outage.requestFailed();
    outage.requestFailed();
    outage.requestFailed();
    inFlight = 1;
    await clock.advance(10_000);
    expect(probes, 'not due while work is in flight (its answers clear the flag)').to.equal(0);
    inFlight = 0; // a rebalance aborted the units in flight
    await clock.advance(10_000);
    expect([probes, trials]).to.deep.equal([1, 1]);
    expect(outage.active, 'the probe answering does not lift the pause').to.equal(true);
    inFlight = 1; // the trial batch's unit
    outage.requestAnswered();
    expect(outage.active).to.equal(false);
    await prober.stop();
  });

  it('circuit probe: half-open before each probe, open again on failure, closed on success', async () => {
    const clock = new FakeClock();
    const circuit = new Circuit('firehose', clock);
    const answers = [new Error('ResourceNotFoundException'), undefined];
    const states: string[] = [];
    circuit.onChange((now) => states.push(now.state));
    const prober = new Prober({
      name: 'circuit',
      clock,
      logger: silentLogger,
      intervalMs: 30_000,
      due: () => circuit.state === 'open',
      beforeProbe: () => circuit.halfOpen(),
      probe: async () => {
        const a = answers.shift();
        if (a) throw a;
      },
      onSuccess: () => circuit.close(),
      onFailure: (err) => circuit.open(`probe: ${(err as Error).message}`),
    });
    prober.start();
    circuit.open('ResourceNotFoundException');
    await clock.advance(30_000);
    expect(circuit.state).to.equal('open');
    await clock.advance(30_000);
    expect(circuit.state).to.equal('closed');
    expect(states).to.deep.equal(['open', 'half-open', 'open', 'half-open', 'closed']);
    await prober.stop();
  });
});

describe('flow/retry-schedule RetryPlan', () => {
  const settings = { fastRetries: 3, fastBaseMs: 100, fastMaxMs: 1_000, stepsMs: [5_000, 15_000, 45_000, 120_000, 300_000], jitter: 0 };
  it('throttle: graduated from the first failure; transient: fast first; the last step repeats; reset starts over', () => {
    const plan = new RetryPlan(settings, () => 1);
    expect([1, 2, 3, 4, 5, 6].map(() => plan.next('throttle').delayMs)).to.deep.equal([5_000, 15_000, 45_000, 120_000, 300_000, 300_000]);
    plan.reset();
    expect([1, 2, 3, 4, 5].map(() => plan.next('transient'))).to.deep.equal([
      { delayMs: 100, phase: 'fast', step: 0 },
      { delayMs: 200, phase: 'fast', step: 1 },
      { delayMs: 400, phase: 'fast', step: 2 },
      { delayMs: 5_000, phase: 'graduated', step: 0 },
      { delayMs: 15_000, phase: 'graduated', step: 1 },
    ]);
    expect(plan.graduated).to.equal(true);
  });

  it('a throttle after fast retries continues the graduated steps; jitter stays within ±share', () => {
    const plan = new RetryPlan({ ...settings, jitter: 0.2 }, () => 0.999);
    expect(plan.next('transient').phase).to.equal('fast');
    const d = plan.next('throttle').delayMs;
    expect(d).to.be.within(5_000, 6_000);
  });

  it('refuses an empty schedule or a jitter outside 0..1', () => {
    expect(() => new RetryPlan({ ...settings, stepsMs: [] }, () => 0)).to.throw(RangeError);
    expect(() => new RetryPlan({ ...settings, jitter: 2 }, () => 0)).to.throw(RangeError);
  });
});
