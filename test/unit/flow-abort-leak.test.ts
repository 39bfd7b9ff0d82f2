/**
 * Issue 13, defect 1: waits that also listen to the process-wide rebalance
 * signal must not stay attached to it once they end. The rebalance signal lives
 * until the next rebalance (weeks on a quiet group); `AbortSignal.any` kept every
 * composite as its dependant, so memory grew with the number of acquires.
 */
import { getEventListeners } from 'node:events';
import v8 from 'node:v8';
import vm from 'node:vm';
import { expect } from 'chai';
import { AbortedError } from '../../src/errors';
import { linkSignals } from '../../src/flow/abort';
import { RateLimiter, UNLIMITED } from '../../src/flow/rate-limiter';
import { FakeClock } from '../support/fakes';

/** Composite signals Node keeps for `signal` (its internal kDependantSignals set); undefined where Node keeps none. */
function dependants(signal: AbortSignal): number | undefined {
  const key = Object.getOwnPropertySymbols(signal).find((s) => s.description === 'kDependantSignals');
  const set = key ? (signal as unknown as Record<symbol, { size?: number } | undefined>)[key] : undefined;
  return set?.size;
}

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('flow/abort linkSignals (defect 1)', () => {
  it('aborts with the reason of whichever source aborts first', () => {
    const a = new AbortController();
    const b = new AbortController();
    const linked = linkSignals(a.signal, b.signal);
    b.abort('b went');
    expect(linked.signal.aborted).to.equal(true);
    expect(linked.signal.reason).to.equal('b went');
    expect(getEventListeners(a.signal, 'abort')).to.have.length(0);
  });

  it('is aborted at once when a source already is', () => {
    const a = new AbortController();
    a.abort('early');
    const linked = linkSignals(new AbortController().signal, a.signal);
    expect(linked.signal.reason).to.equal('early');
  });

  it('dispose detaches the composite from every source', () => {
    const long = new AbortController();
    const local = new AbortController();
    const linked = linkSignals(local.signal, long.signal);
    expect(getEventListeners(long.signal, 'abort')).to.have.length(1);
    linked.dispose();
    expect(getEventListeners(long.signal, 'abort')).to.have.length(0);
    expect(getEventListeners(local.signal, 'abort')).to.have.length(0);
    long.abort();
    expect(linked.signal.aborted).to.equal(false);
  });

  it('one source (the other undefined) is returned as it is', () => {
    const a = new AbortController();
    expect(linkSignals(a.signal, undefined).signal).to.equal(a.signal);
  });
});

describe('flow/rate-limiter with a long-lived abortWith signal (defect 1)', () => {
  it('200,000 acquires that pass at once leave nothing attached to the rebalance signal and do not grow the heap', async () => {
    const rebalance = new AbortController();
    const limiter = new RateLimiter({ ...UNLIMITED, recordsPerSecond: 1e12 }, new FakeClock(), { abortWith: () => rebalance.signal });
    const local = new AbortController();
    await limiter.acquire({ records: 1, bytes: 0, requests: 0 }, local.signal); // warm-up
    const before = heapAfterGc();
    for (let i = 0; i < 200_000; i++) await limiter.acquire({ records: 1, bytes: 0, requests: 0 }, local.signal);
    const grown = heapAfterGc() - before;
    expect(getEventListeners(rebalance.signal, 'abort')).to.have.length(0);
    expect(dependants(rebalance.signal) ?? 0).to.equal(0);
    // AbortSignal.any per acquire: 200,000 dependants, ~7.6 MiB on Node 20.
    expect(grown, `heap grew ${(grown / 1048576).toFixed(1)} MiB`).to.be.below(2 * 1048576);
  });

  it('acquires that wait unlink the rebalance signal when admitted and when cancelled', async () => {
    const clock = new FakeClock();
    const rebalance = new AbortController();
    const limiter = new RateLimiter({ ...UNLIMITED, recordsPerSecond: 10 }, clock, { abortWith: () => rebalance.signal });
    const waits: Promise<void>[] = [];
    for (let i = 0; i < 50; i++) waits.push(limiter.acquire({ records: 10, bytes: 0, requests: 0 }, new AbortController().signal));
    expect(getEventListeners(rebalance.signal, 'abort').length).to.be.within(1, 50);
    await clock.run(Promise.all(waits));
    expect(getEventListeners(rebalance.signal, 'abort')).to.have.length(0);
    expect(dependants(rebalance.signal) ?? 0).to.equal(0);

    const caller = new AbortController();
    const cancelled = limiter.acquire({ records: 10, bytes: 0, requests: 0 }, caller.signal);
    caller.abort();
    await cancelled.then(
      () => expect.fail('should have been cancelled'),
      (err: unknown) => expect(err).to.be.instanceOf(AbortedError),
    );
    expect(getEventListeners(rebalance.signal, 'abort')).to.have.length(0);
  });

  it('a waiter still learns of a rebalance', async () => {
    const clock = new FakeClock();
    const rebalance = new AbortController();
    const limiter = new RateLimiter({ ...UNLIMITED, recordsPerSecond: 1 }, clock, { abortWith: () => rebalance.signal });
    await limiter.acquire({ records: 1, bytes: 0, requests: 0 });
    const waiting = limiter.acquire({ records: 1, bytes: 0, requests: 0 }, new AbortController().signal);
    rebalance.abort(new AbortedError('rebalance'));
    await waiting.then(
      () => expect.fail('should have been aborted'),
      (err: unknown) => expect(err).to.be.instanceOf(AbortedError),
    );
  });
});
