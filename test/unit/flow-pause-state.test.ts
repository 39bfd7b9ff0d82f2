import { expect } from 'chai';
import { AbortedError } from '../../src/errors';
import { BackpressureGate } from '../../src/flow/pause-state';
import { flush } from '../support/fakes';

describe('flow/pause-state BackpressureGate', () => {
  const tryCases: Array<{ name: string; cap: number; held: number[]; bytes: number; admitted: boolean }> = [
    { name: 'fits under the cap', cap: 100, held: [40], bytes: 60, admitted: true },
    { name: 'one byte over the cap', cap: 100, held: [40], bytes: 61, admitted: false },
    { name: 'larger than the cap with nothing in flight', cap: 100, held: [], bytes: 1_000, admitted: true },
    { name: 'larger than the cap with something in flight', cap: 100, held: [1], bytes: 1_000, admitted: false },
    { name: 'zero bytes at the cap', cap: 100, held: [100], bytes: 0, admitted: true },
  ];
  for (const c of tryCases) {
    it(`tryReserve: ${c.name}`, () => {
      const gate = new BackpressureGate(c.cap);
      for (const h of c.held) gate.reserve(h);
      const before = gate.inFlightBytes;
      expect(gate.tryReserve(c.bytes)).to.equal(c.admitted);
      expect(gate.inFlightBytes).to.equal(c.admitted ? before + c.bytes : before);
    });
  }

  it('shouldPause once the cap is reached, and not after release below it', () => {
    const gate = new BackpressureGate(100);
    gate.reserve(60);
    expect(gate.shouldPause).to.equal(false);
    gate.reserve(40);
    expect(gate.shouldPause).to.equal(true);
    gate.release(1);
    expect(gate.shouldPause).to.equal(false);
  });

  it('reserve always admits, even over the cap, and says so', () => {
    const gate = new BackpressureGate(100);
    gate.reserve(90);
    gate.reserve(90);
    expect(gate.inFlightBytes).to.equal(180);
    expect(gate.shouldPause).to.equal(true);
  });

  it('hysteresis: stays paused until in-flight bytes drop below the resume mark', () => {
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
    expect(() => new BackpressureGate(100).tryReserve(Number.NaN)).to.throw(RangeError);
  });

  it('waitForRoom resolves at once when there is room', async () => {
    const gate = new BackpressureGate(100);
    await gate.waitForRoom(100);
  });

  it('waitForRoom resolves when a release makes room, and does not reserve', async () => {
    const gate = new BackpressureGate(100);
    gate.reserve(80);
    let resolved = false;
    const wait = gate.waitForRoom(50).then(() => (resolved = true));
    gate.release(20); // 60 + 50 > 100: still no room
    await flush();
    expect(resolved).to.equal(false);
    gate.release(20); // 40 + 50 <= 100
    await wait;
    expect(resolved).to.equal(true);
    expect(gate.inFlightBytes).to.equal(40);
  });

  it('waitForRoom for an oversized unit resolves once everything drained', async () => {
    const gate = new BackpressureGate(100);
    gate.reserve(10);
    let resolved = false;
    const wait = gate.waitForRoom(500).then(() => (resolved = true));
    await flush();
    expect(resolved).to.equal(false);
    gate.release(10);
    await wait;
    expect(resolved).to.equal(true);
  });

  it('waitForRoom rejects with AbortedError on abort, and the waiter is dropped', async () => {
    const gate = new BackpressureGate(100);
    gate.reserve(100);
    const controller = new AbortController();
    const wait = gate.waitForRoom(50, controller.signal);
    controller.abort();
    let caught: unknown;
    await wait.catch((e: unknown) => (caught = e));
    expect(caught).to.be.instanceOf(AbortedError);
    gate.release(100); // must not try to resolve the dropped waiter
  });
});
