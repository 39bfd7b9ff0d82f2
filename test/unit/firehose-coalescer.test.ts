import { expect } from 'chai';
import { AbortedError, FirehoseError } from '../../src/errors';
import { Coalescer, oneSecondOf, type CoalescedRequest, type CoalescerOptions, type DeliverySink } from '../../src/firehose/coalescer';
import { RateLimiter, UNLIMITED } from '../../src/flow/rate-limiter';
import type { SettledListener } from '../../src/firehose/dispatcher';
import type { RejectedRecord } from '../../src/firehose/verdict';
import { createTestDispatcher, FakeClock, FakeFirehosePort, flush, textRecords } from '../support/fakes';

interface SinkCall {
  readonly records: readonly Uint8Array[];
  readonly signal: AbortSignal;
  resolve(rejected?: RejectedRecord[]): void;
  reject(err: unknown): void;
  /** Reports entries done before the request is, as the dispatcher does between resends. */
  settle(acked: number[], rejected?: RejectedRecord[]): void;
}

/** A sink whose every delivery waits until the test settles it. */
class HeldSink implements DeliverySink {
  readonly calls: SinkCall[] = [];
  deliver(records: readonly Uint8Array[], signal: AbortSignal, onSettled?: SettledListener): Promise<{ rejected: readonly RejectedRecord[] }> {
    return new Promise((resolve, reject) => {
      this.calls.push({ records: [...records], signal, resolve: (rejected = []) => resolve({ rejected }), reject, settle: (acked, rejected = []) => onSettled?.(acked, rejected) });
    });
  }
  text(n: number): string[] {
    return (this.calls[n]?.records ?? []).map((r) => Buffer.from(r).toString('utf8'));
  }
}

function setup(partial: Partial<CoalescerOptions> = {}) {
  const clock = new FakeClock();
  const sink = new HeldSink();
  const flushes: CoalescedRequest[] = [];
  const queued: number[] = [];
  const coalescer = new Coalescer({
    sink,
    clock,
    maxRecords: 10,
    maxBytes: 1_000,
    lingerMs: 50,
    maxConcurrent: 2,
    observer: { flushed: (r) => flushes.push(r), queued: (b) => queued.push(b) },
    ...partial,
  });
  return { clock, sink, coalescer, flushes, queued };
}

/** Settles as 'pending', 'resolved' or the rejection, without waiting. */
async function state(p: Promise<unknown>): Promise<unknown> {
  let out: unknown = 'pending';
  p.then(
    () => (out = 'resolved'),
    (e: unknown) => (out = e),
  );
  await flush();
  return out;
}

const live = (): AbortSignal => new AbortController().signal;
const bytes = (n: number, fill = 'x'): Uint8Array => new TextEncoder().encode(fill.repeat(n));

describe('firehose/coalescer Coalescer', () => {
  it('full flush: records of several callers reaching maxRecords go at once, in arrival order', async () => {
    const t = setup();
    const a = t.coalescer.deliver(textRecords(4, 'a'), live());
    const b = t.coalescer.deliver(textRecords(6, 'b'), live());
    await flush();
    expect(t.sink.calls).to.have.length(1);
    expect(t.sink.text(0)).to.deep.equal(['a0', 'a1', 'a2', 'a3', 'b0', 'b1', 'b2', 'b3', 'b4', 'b5']);
    expect(t.flushes).to.deep.equal([{ trigger: 'full', callers: 2, records: 10, bytes: 20, waitedMs: 0 }]);
    t.sink.calls[0]?.resolve();
    expect(await a).to.deep.equal({ rejected: [] });
    expect(await b).to.deep.equal({ rejected: [] });
    expect(t.clock.now(), 'a full request does not linger').to.equal(0);
  });

  it('full flush by bytes: the request stops before the record that would pass maxBytes', async () => {
    const t = setup();
    void t.coalescer.deliver([bytes(400), bytes(400)], live());
    void t.coalescer.deliver([bytes(300), bytes(100)], live());
    await flush();
    expect(t.sink.calls.map((c) => c.records.map((r) => r.byteLength))).to.deep.equal([[400, 400]]);
    expect(t.flushes[0]).to.include({ trigger: 'full', records: 2, bytes: 800 });
    expect(t.coalescer.bufferedBytes).to.equal(400);
  });

  it('linger flush: a request that is not full waits lingerMs for more, then goes', async () => {
    const t = setup();
    const a = t.coalescer.deliver(textRecords(2, 'a'), live());
    await t.clock.advance(20);
    const b = t.coalescer.deliver(textRecords(3, 'b'), live());
    await t.clock.advance(29);
    expect(t.sink.calls, 'the oldest record has waited 49 ms').to.have.length(0);
    await t.clock.advance(1);
    expect(t.sink.calls).to.have.length(1);
    expect(t.sink.text(0)).to.deep.equal(['a0', 'a1', 'b0', 'b1', 'b2']);
    expect(t.flushes).to.deep.equal([{ trigger: 'linger', callers: 2, records: 5, bytes: 10, waitedMs: 50 }]);
    t.sink.calls[0]?.resolve();
    await Promise.all([a, b]);
    expect(t.clock.pending, 'no timer left behind').to.equal(0);
  });

  it('lingerMs 0: each caller goes as soon as a slot is free', async () => {
    const t = setup({ lingerMs: 0 });
    void t.coalescer.deliver(textRecords(2, 'a'), live());
    await flush();
    expect(t.sink.calls).to.have.length(1);
  });

  it('splits a caller over requests for the fullest requests; it resolves only when every part is acked', async () => {
    const t = setup();
    const a = t.coalescer.deliver(textRecords(7, 'a'), live());
    const b = t.coalescer.deliver(textRecords(7, 'b'), live());
    await flush();
    expect(t.sink.text(0)).to.deep.equal(['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'b0', 'b1', 'b2']);
    expect(t.sink.calls).to.have.length(1);
    await t.clock.advance(50);
    expect(t.sink.text(1), 'the rest of b, in order').to.deep.equal(['b3', 'b4', 'b5', 'b6']);
    t.sink.calls[1]?.resolve();
    expect(await state(b), 'b waits for its first part too').to.equal('pending');
    t.sink.calls[0]?.resolve();
    expect(await state(a)).to.equal('resolved');
    expect(await state(b)).to.equal('resolved');
  });

  it('owns the request cap: while both slots are busy the queue grows, and the freed slot takes a full request', async () => {
    const t = setup();
    void t.coalescer.deliver(textRecords(10, 'a'), live());
    void t.coalescer.deliver(textRecords(10, 'b'), live());
    void t.coalescer.deliver(textRecords(3, 'c'), live());
    await t.clock.advance(100);
    expect(t.sink.calls, 'two slots').to.have.length(2);
    expect(t.coalescer.requestsInFlight).to.equal(2);
    void t.coalescer.deliver(textRecords(9, 'd'), live());
    await flush();
    expect(t.sink.calls).to.have.length(2);
    t.sink.calls[0]?.resolve();
    await flush();
    expect(t.sink.calls).to.have.length(3);
    expect(t.sink.text(2)).to.deep.equal(['c0', 'c1', 'c2', 'd0', 'd1', 'd2', 'd3', 'd4', 'd5', 'd6']);
    expect(t.flushes[2]).to.include({ trigger: 'full', callers: 2 });
  });

  it('keeps a request within one second of the rate limits (AIMD may cut them), but sends a bigger record alone', async () => {
    let cap = { records: 3, bytes: 1_000 };
    const t = setup({ cap: () => cap });
    void t.coalescer.deliver(textRecords(5, 'a'), live());
    await flush();
    expect(t.sink.text(0), 'full at the records/s cap').to.deep.equal(['a0', 'a1', 'a2']);
    cap = { records: 100, bytes: 150 };
    void t.coalescer.deliver([bytes(100), bytes(200), bytes(100)], live());
    await flush();
    expect(t.sink.calls[1]?.records.map((r) => r.byteLength), 'a3, a4 and the 100 fit 150 bytes; the 200 does not').to.deep.equal([2, 2, 100]);
    t.sink.calls[0]?.resolve();
    await flush();
    expect(t.sink.calls[2]?.records.map((r) => r.byteLength), 'a record above the cap goes alone').to.deep.equal([200]);
  });

  it('oneSecondOf: the records/s and bytes/s bucket capacities of the limiter, shared by the slots; unlimited buckets do not cap', () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ recordsPerSecond: 0, bytesPerSecond: 2_000_000, requestsPerSecond: 10 }, clock);
    expect(oneSecondOf(limiter)()).to.deep.equal({ records: Number.POSITIVE_INFINITY, bytes: 2_000_000 });
    expect(oneSecondOf(limiter, 2)()).to.deep.equal({ records: Number.POSITIVE_INFINITY, bytes: 1_000_000 });
    expect(oneSecondOf(new RateLimiter({ recordsPerSecond: 5_000, bytesPerSecond: 0, requestsPerSecond: 0 }, clock), 4)()).to.deep.equal({ records: 1_250, bytes: Number.POSITIVE_INFINITY });
    expect(oneSecondOf(new RateLimiter(UNLIMITED, clock))()).to.deep.equal({ records: Number.POSITIVE_INFINITY, bytes: Number.POSITIVE_INFINITY });
  });

  it('maps rejected indices back to each caller in its own numbering', async () => {
    const t = setup();
    const a = t.coalescer.deliver(textRecords(7, 'a'), live());
    const b = t.coalescer.deliver(textRecords(7, 'b'), live());
    await t.clock.advance(50);
    // request 0: a0..a6 b0..b2; request 1: b3..b6
    t.sink.calls[0]?.resolve([
      { index: 8, code: 'InvalidArgumentException', message: 'bad b1' },
      { index: 2, code: 'InvalidArgumentException', message: 'bad a2' },
    ]);
    t.sink.calls[1]?.resolve([{ index: 0, code: 'InvalidArgumentException', message: 'bad b3' }]);
    expect((await a).rejected).to.deep.equal([{ index: 2, code: 'InvalidArgumentException', message: 'bad a2' }]);
    expect((await b).rejected.map((r) => [r.index, r.message])).to.deep.equal([
      [1, 'bad b1'],
      [3, 'bad b3'],
    ]);
  });

  it('abort before send: the caller leaves the queue and rejects at once; the others are unaffected', async () => {
    const t = setup();
    const ac = new AbortController();
    const a = t.coalescer.deliver(textRecords(3, 'a'), ac.signal);
    const b = t.coalescer.deliver(textRecords(2, 'b'), live());
    ac.abort(new AbortedError('rebalance'));
    expect(await state(a)).to.be.instanceOf(AbortedError);
    expect(t.coalescer.bufferedBytes).to.equal(4);
    await t.clock.advance(50);
    expect(t.sink.text(0)).to.deep.equal(['b0', 'b1']);
    t.sink.calls[0]?.resolve();
    expect(await state(b)).to.equal('resolved');
  });

  it('an already aborted signal rejects without queueing', async () => {
    const t = setup();
    const ac = new AbortController();
    ac.abort();
    expect(await state(t.coalescer.deliver(textRecords(1), ac.signal))).to.be.instanceOf(AbortedError);
    expect(t.coalescer.bufferedBytes).to.equal(0);
  });

  it('abort after send: the caller rejects at once, the shared request goes on for the others', async () => {
    const t = setup();
    const ac = new AbortController();
    const a = t.coalescer.deliver(textRecords(3, 'a'), ac.signal);
    const b = t.coalescer.deliver(textRecords(2, 'b'), live());
    await t.clock.advance(50);
    ac.abort(new AbortedError('rebalance'));
    expect(await state(a)).to.be.instanceOf(AbortedError);
    expect(t.sink.calls[0]?.signal.aborted, 'b still waits on it').to.equal(false);
    t.sink.calls[0]?.resolve();
    expect(await state(b)).to.equal('resolved');
  });

  it('a request whose callers have all aborted is aborted; a split caller aborting also drops its queued rest', async () => {
    const t = setup();
    const ac = new AbortController();
    const a = t.coalescer.deliver(textRecords(14, 'a'), ac.signal);
    await flush();
    expect(t.sink.calls).to.have.length(1);
    expect(t.coalescer.bufferedBytes, "a10..a13").to.equal(12);
    ac.abort(new AbortedError('terminate'));
    expect(await state(a)).to.be.instanceOf(AbortedError);
    expect(t.sink.calls[0]?.signal.aborted).to.equal(true);
    expect(t.coalescer.bufferedBytes).to.equal(0);
    t.sink.calls[0]?.reject(t.sink.calls[0].signal.reason);
    await t.clock.advance(100);
    expect(t.sink.calls, 'its queued rest is never sent').to.have.length(1);
    expect(t.coalescer.requestsInFlight).to.equal(0);
  });

  it('an error thrown by the dispatcher reaches every caller of that request, and only them', async () => {
    const t = setup({ maxConcurrent: 1 });
    const a = t.coalescer.deliver(textRecords(4, 'a'), live());
    const b = t.coalescer.deliver(textRecords(8, 'b'), live());
    const c = t.coalescer.deliver(textRecords(3, 'c'), live());
    await flush();
    // request 0: a0..a3 b0..b5; b6, b7 and c wait for the slot.
    const err = new FirehoseError('ResourceNotFoundException', 'stream gone', false);
    const [sa, sb] = [state(a), state(b)];
    t.sink.calls[0]?.reject(err);
    expect(await sa).to.equal(err);
    expect(await sb).to.equal(err);
    expect(t.coalescer.bufferedBytes, "b's queued rest left with it").to.equal(6);
    await t.clock.advance(50);
    expect(t.sink.text(1)).to.deep.equal(['c0', 'c1', 'c2']);
    t.sink.calls[1]?.resolve();
    expect(await state(c)).to.equal('resolved');
  });

  describe('settling per unit (issue 13, defect 3)', () => {
    it('entries reported done settle their own callers, rejections in their own numbering; a split caller still waits for its other request', async () => {
      const t = setup();
      const a = t.coalescer.deliver(textRecords(3, 'a'), live());
      const b = t.coalescer.deliver(textRecords(9, 'b'), live());
      await t.clock.advance(50);
      // request 0: a0..a2 b0..b6; request 1: b7, b8
      t.sink.calls[0]?.settle([0, 2], [{ index: 1, code: 'InvalidArgumentException', message: 'bad a1' }]);
      expect(await state(a)).to.equal('resolved');
      expect(await a).to.deep.equal({ rejected: [{ index: 1, code: 'InvalidArgumentException', message: 'bad a1' }] });
      t.sink.calls[0]?.settle([3, 4, 5, 6, 7, 8, 9]);
      expect(await state(b), 'b7 and b8 are still in request 1').to.equal('pending');
      t.sink.calls[1]?.settle([], [{ index: 1, code: 'InvalidArgumentException', message: 'bad b8' }]);
      expect(await state(b)).to.equal('pending');
      t.sink.calls[1]?.resolve([{ index: 1, code: 'InvalidArgumentException', message: 'bad b8' }]);
      expect((await b).rejected.map((r) => [r.index, r.message]), 'reported once, though the final report repeats it').to.deep.equal([[8, 'bad b8']]);
      t.sink.calls[0]?.resolve([{ index: 1, code: 'InvalidArgumentException', message: 'bad a1' }]);
      await flush();
      expect(t.coalescer.requestsInFlight).to.equal(0);
    });

    it('a request whose waiting callers have all settled or left is aborted: nobody waits for its resends', async () => {
      const t = setup();
      const ac = new AbortController();
      const a = t.coalescer.deliver(textRecords(2, 'a'), live());
      const b = t.coalescer.deliver(textRecords(2, 'b'), ac.signal);
      await t.clock.advance(50);
      ac.abort(new AbortedError('rebalance'));
      expect(await state(b)).to.be.instanceOf(AbortedError);
      expect(t.sink.calls[0]?.signal.aborted, 'a still waits on it').to.equal(false);
      t.sink.calls[0]?.settle([0, 1]);
      expect(await state(a)).to.equal('resolved');
      expect(t.sink.calls[0]?.signal.aborted, "b's entries are open, but b has gone").to.equal(true);
      t.sink.calls[0]?.reject(t.sink.calls[0].signal.reason);
      await flush();
      expect(t.coalescer.requestsInFlight).to.equal(0);
    });

    it('a settled caller leaving does not abort the request the others still wait on', async () => {
      const t = setup();
      const a = t.coalescer.deliver(textRecords(2, 'a'), live());
      const b = t.coalescer.deliver(textRecords(2, 'b'), live());
      await t.clock.advance(50);
      t.sink.calls[0]?.settle([0, 1, 2]);
      expect(await state(a)).to.equal('resolved');
      expect(t.sink.calls[0]?.signal.aborted).to.equal(false);
      t.sink.calls[0]?.settle([3]);
      expect(await state(b)).to.equal('resolved');
      expect(t.sink.calls[0]?.signal.aborted, 'every entry is done: nothing to abort').to.equal(false);
    });

    it('an error thrown by the dispatcher after a caller settled reaches only the callers still waiting', async () => {
      const t = setup();
      const a = t.coalescer.deliver(textRecords(2, 'a'), live());
      const b = t.coalescer.deliver(textRecords(2, 'b'), live());
      await t.clock.advance(50);
      t.sink.calls[0]?.settle([0, 1]);
      const err = new FirehoseError('ResourceNotFoundException', 'stream gone', false);
      t.sink.calls[0]?.reject(err);
      expect(await state(a)).to.equal('resolved');
      expect(await state(b)).to.equal(err);
    });
  });

  it('refuses a record larger than a request with a clear error', async () => {
    const t = setup();
    const err = await state(t.coalescer.deliver([bytes(1_001)], live()));
    expect((err as Error).message).to.match(/record 0 has 1001 bytes, above the request limit of 1000/);
  });

  it('an empty delivery resolves at once', async () => {
    const t = setup();
    expect(await t.coalescer.deliver([], live())).to.deep.equal({ rejected: [] });
    expect(t.sink.calls).to.have.length(0);
  });

  it('reports queued bytes on every change', async () => {
    const t = setup();
    void t.coalescer.deliver(textRecords(3, 'a'), live());
    await t.clock.advance(50);
    expect(t.queued).to.deep.equal([6, 0]);
  });

  describe('over the real dispatcher', () => {
    it('partial failure of a merged request: only the failed entries are resent, each caller gets its own rejections', async () => {
      const clock = new FakeClock();
      // Request 0 (a0..a4, b0..b4): b1 and a3 throttled, a1 invalid. The resend carries a3, b1 only.
      const port = new FakeFirehosePort([
        async (records) => ({
          failedPutCount: 3,
          responses: records.map((_, i) =>
            i === 1 ? { errorCode: 'InvalidArgumentException', errorMessage: 'bad a1' } : i === 3 || i === 6 ? { errorCode: 'ServiceUnavailableException', errorMessage: 'Slow down.' } : { recordId: `r${i}` },
          ),
        }),
      ]);
      const t = createTestDispatcher({ port, clock });
      const coalescer = new Coalescer({ sink: t.dispatcher, clock, maxRecords: 500, maxBytes: 4 * 1024 * 1024, lingerMs: 50, maxConcurrent: 4 });
      const a = coalescer.deliver(textRecords(5, 'a'), live());
      const b = coalescer.deliver(textRecords(5, 'b'), live());
      const [ra, rb] = await clock.run(Promise.all([a, b]));
      expect(port.calls).to.have.length(2);
      expect(port.sentText(0)).to.deep.equal(['a0', 'a1', 'a2', 'a3', 'a4', 'b0', 'b1', 'b2', 'b3', 'b4']);
      expect(port.sentText(1)).to.deep.equal(['a3', 'b1']);
      expect(ra.rejected.map((r) => [r.index, r.code])).to.deep.equal([[1, 'InvalidArgumentException']]);
      expect(rb.rejected).to.deep.equal([]);
    });

    it('a unit resolves as soon as ITS records are acked, not when a throttled record of another unit in the same request is (issue 13, defect 3)', async () => {
      const clock = new FakeClock();
      // One request a0 a1 b0: b0 throttled, resent after the 2 s step; a0 and a1 acked in the first answer.
      const port = new FakeFirehosePort([{ failIndices: [2] }]);
      const t = createTestDispatcher({ port, clock, schedule: { fastRetries: 0, stepsMs: [2_000], jitter: 0 } });
      const coalescer = new Coalescer({ sink: t.dispatcher, clock, maxRecords: 3, maxBytes: 1_000, lingerMs: 50, maxConcurrent: 4 });
      const a = coalescer.deliver(textRecords(2, 'a'), live());
      const b = coalescer.deliver(textRecords(1, 'b'), live());
      await flush();
      expect(port.calls).to.have.length(1);
      expect(await state(a), 'A settles with its own records, before B is resent').to.equal('resolved');
      expect(await state(b)).to.equal('pending');
      await clock.advance(1_999);
      expect(port.calls).to.have.length(1);
      expect(await state(b)).to.equal('pending');
      await clock.advance(1);
      expect(port.sentText(1), 'only the failed entry is resent').to.deep.equal(['b0']);
      expect(await state(b)).to.equal('resolved');
      expect(coalescer.requestsInFlight).to.equal(0);
    });
  });
});
