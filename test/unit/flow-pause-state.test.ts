import { expect } from 'chai';
import { AbortedError } from '../../src/errors';
import { BackpressureGate, RESUME_BELOW_SHARE } from '../../src/flow/pause-state';
import { flush } from '../support/fakes';

describe('flow/pause-state BackpressureGate (the one in-flight budget)', () => {
  it('shouldPause once the cap is reached; by default it resumes below 75 % of it', () => {
    expect(RESUME_BELOW_SHARE).to.equal(0.75);
    const gate = new BackpressureGate(100);
    gate.reserve(60);
    expect(gate.shouldPause).to.equal(false);
    gate.reserve(40);
    expect(gate.shouldPause).to.equal(true);
    gate.release(25); // 75 in flight
    expect(gate.shouldPause).to.equal(true);
    gate.release(1); // 74
    expect(gate.shouldPause).to.equal(false);
  });

  it('reserve always admits, even over the cap, and says so', () => {
    const gate = new BackpressureGate(100);
    gate.reserve(90);
    gate.reserve(90);
    expect(gate.inFlightBytes).to.equal(180);
    expect(gate.shouldPause).to.equal(true);
  });

  it('hysteresis: an explicit resume mark', () => {
    const gate = new BackpressureGate(100, { resumeBelowBytes: 50 });
    gate.reserve(100);
    expect(gate.shouldPause).to.equal(true);
    gate.release(40); // 60 in flight
    expect(gate.shouldPause).to.equal(true);
    gate.release(11); // 49 in flight
    expect(gate.shouldPause).to.equal(false);
  });

  it('release of more than is in flight is a programmer error', () => {
    const gate = new BackpressureGate(100);
    gate.reserve(10);
    expect(() => gate.release(11)).to.throw(RangeError);
  });

  it('rejects nonsense sizes', () => {
    expect(() => new BackpressureGate(0)).to.throw(RangeError);
    expect(() => new BackpressureGate(100).reserve(-1)).to.throw(RangeError);
    expect(() => new BackpressureGate(100).release(Number.NaN)).to.throw(RangeError);
  });

  it('whenOpen resolves at once while not paused', async () => {
    const gate = new BackpressureGate(100);
    gate.reserve(99);
    await gate.whenOpen();
  });

  it('whenOpen resolves when a release takes it below the resume mark, not before', async () => {
    const gate = new BackpressureGate(100);
    gate.reserve(100);
    let resolved = false;
    const wait = gate.whenOpen().then(() => (resolved = true));
    gate.release(20); // 80: still paused
    await flush();
    expect(resolved).to.equal(false);
    gate.release(20); // 60
    await wait;
    expect(resolved).to.equal(true);
  });

  it('whenOpen rejects with AbortedError on abort, and the waiter is dropped', async () => {
    const gate = new BackpressureGate(100);
    gate.reserve(100);
    const controller = new AbortController();
    const wait = gate.whenOpen(controller.signal);
    controller.abort();
    let caught: unknown;
    await wait.catch((e: unknown) => (caught = e));
    expect(caught).to.be.instanceOf(AbortedError);
    gate.release(100); // must not try to resolve the dropped waiter
  });
});
