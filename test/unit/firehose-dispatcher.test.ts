import { expect } from 'chai';
import sinon from 'sinon';
import { AbortedError, FirehoseError } from '../../src/errors';
import { RateLimiter, UNLIMITED } from '../../src/flow/rate-limiter';
import { createTestDispatcher, FakeClock, FakeFirehosePort, flush, textRecords } from '../support/fakes';

function serviceError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} message`), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection, got a resolution');
}

const text = (records: readonly Uint8Array[]): string[] => records.map((r) => Buffer.from(r).toString('utf8'));

describe('firehose/dispatcher FirehoseDispatcher', () => {
  it('delivers everything in one request when all records are acked', async () => {
    const t = createTestDispatcher();
    const records = textRecords(3);
    const report = await t.deliver(records);
    expect(report).to.deep.equal({ records: 3, bytes: 6, requests: 1, attempts: 1, resentEntries: 0, throttled: 0, rejected: [], circuitWaits: 0 });
    expect(t.port.calls).to.have.length(1);
    expect(t.port.calls[0]?.streamName).to.equal('test-stream');
    expect(t.port.sentText(0)).to.deep.equal(['r0', 'r1', 'r2']);
    expect(t.clock.now()).to.equal(0);
  });

  it('sends no request for an empty batch', async () => {
    const t = createTestDispatcher();
    const report = await t.deliver([]);
    expect(report.requests).to.equal(0);
    expect(t.port.calls).to.have.length(0);
  });

  it('partial failure: resends exactly the failed entries, byte for byte, in their original order', async () => {
    const port = new FakeFirehosePort([{ failIndices: [7, 1, 4] }]);
    const t = createTestDispatcher({ port });
    const records = textRecords(10);
    const report = await t.deliver(records);
    expect(t.port.calls).to.have.length(2);
    const first = t.port.calls[0]?.records ?? [];
    const second = t.port.calls[1]?.records ?? [];
    expect(second).to.deep.equal([first[1], first[4], first[7]]);
    expect(text(second)).to.deep.equal(['r1', 'r4', 'r7']);
    expect(report).to.include({ requests: 2, attempts: 2, resentEntries: 3, throttled: 1 });
    expect(t.observer.delays).to.deep.equal([100]);
    expect(t.clock.now()).to.equal(100);
  });

  it('reports the partial failure to the observer, then the retry', async () => {
    const port = new FakeFirehosePort([{ failIndices: [0, 2], code: 'InternalFailure' }]);
    const t = createTestDispatcher({ port });
    await t.deliver(textRecords(4));
    expect(t.observer.events.map((e) => e.type)).to.deep.equal([
      'requestSent',
      'requestSucceeded',
      'partialFailure',
      'retryScheduled',
      'requestSent',
      'requestSucceeded',
    ]);
    expect(t.observer.of('requestSent').map((e) => [e.records, e.bytes])).to.deep.equal([
      [4, 8],
      [2, 4],
    ]);
    expect(t.observer.of('partialFailure')[0]).to.deep.include({ failed: 2, total: 4, codes: { InternalFailure: 2 } });
    expect(t.observer.of('retryScheduled')[0]).to.deep.include({ delayMs: 100, attempt: 1, reason: 'PARTIAL_FAILURE' });
  });

  it('repeated partial failures converge, each resend a subset of the previous one, with growing delays', async () => {
    const port = new FakeFirehosePort([
      { failIndices: [0, 2, 4, 6, 8] }, // of r0..r9 -> r0 r2 r4 r6 r8
      { failIndices: [1, 3] }, // -> r2 r6
      { failIndices: [1] }, // -> r6
    ]);
    const t = createTestDispatcher({ port });
    const report = await t.deliver(textRecords(10));
    expect(t.port.calls.map((_, i) => t.port.sentText(i))).to.deep.equal([
      ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9'],
      ['r0', 'r2', 'r4', 'r6', 'r8'],
      ['r2', 'r6'],
      ['r6'],
    ]);
    expect(t.observer.delays).to.deep.equal([100, 200, 400]);
    expect(report).to.include({ records: 10, requests: 4, attempts: 4, resentEntries: 8 });
  });

  it('request-level throttling: the same pending set is resent after 100, 200, 400, 800, 1600 ms (random = 1)', async () => {
    const throttle = { throw: serviceError('ThrottlingException', 400) };
    const port = new FakeFirehosePort([throttle, throttle, throttle, throttle, throttle]);
    const t = createTestDispatcher({ port });
    const report = await t.deliver(textRecords(3));
    expect(t.observer.delays).to.deep.equal([100, 200, 400, 800, 1_600]);
    expect(t.port.calls.map((_, i) => t.port.sentText(i).join(','))).to.deep.equal(Array(6).fill('r0,r1,r2'));
    expect(report).to.include({ requests: 1, attempts: 6, throttled: 5, resentEntries: 0 });
    expect(t.clock.now()).to.equal(3_100);
    expect(t.observer.of('requestFailed').map((e) => [e.error.code, e.attempt])).to.deep.equal([
      ['ThrottlingException', 1],
      ['ThrottlingException', 2],
      ['ThrottlingException', 3],
      ['ThrottlingException', 4],
      ['ThrottlingException', 5],
    ]);
  });

  it('jitter: random = 0.5 halves each delay; the cap bounds them', async () => {
    const outage = { throw: serviceError('ServiceUnavailableException', 503) };
    const port = new FakeFirehosePort(Array(6).fill(outage));
    const t = createTestDispatcher({ port, random: () => 0.5, backoff: { baseMs: 100, maxMs: 1_000 } });
    await t.deliver(textRecords(1));
    expect(t.observer.delays).to.deep.equal([50, 100, 200, 400, 500, 500]);
  });

  it('retriable errors are retried without limit: 200 consecutive 503s, then delivered', async () => {
    const port = new FakeFirehosePort(Array(200).fill({ throw: serviceError('InternalFailure', 500) }));
    const t = createTestDispatcher({ port, backoff: { baseMs: 100, maxMs: 2_000 } });
    const report = await t.deliver(textRecords(2));
    expect(report.attempts).to.equal(201);
    expect(t.port.calls).to.have.length(201);
    expect(Math.max(...t.observer.delays)).to.equal(2_000);
  });

  const permanent: Array<{ name: string; status: number }> = [
    { name: 'ResourceNotFoundException', status: 400 },
    { name: 'AccessDeniedException', status: 400 },
    { name: 'InvalidKMSResourceException', status: 400 },
  ];
  for (const p of permanent) {
    it(`without a circuit, a downstream ${p.name} is thrown at once, with no retry`, async () => {
      const port = new FakeFirehosePort([{ throw: serviceError(p.name, p.status) }]);
      const t = createTestDispatcher({ port });
      const err = await rejectionOf(t.deliver(textRecords(3)));
      expect(err).to.be.instanceOf(FirehoseError);
      expect((err as FirehoseError).code).to.equal(p.name);
      expect((err as FirehoseError).retriable).to.equal(false);
      expect(t.port.calls).to.have.length(1);
      expect(t.observer.of('retryScheduled')).to.have.length(0);
      expect(t.observer.of('requestFailed')).to.have.length(1);
    });
  }

  it('without a circuit, a per-record stream error (KMS) is thrown, not resent', async () => {
    const port = new FakeFirehosePort([{ failIndices: [1], code: 'KMS.DisabledException' }]);
    const t = createTestDispatcher({ port });
    const err = await rejectionOf(t.deliver(textRecords(3)));
    expect(err).to.be.instanceOf(FirehoseError);
    expect((err as FirehoseError).retriable).to.equal(false);
    expect(t.port.calls).to.have.length(1);
  });

  it('a response whose length does not match is never assumed a success: the whole request is resent', async () => {
    const port = new FakeFirehosePort([{ respond: { failedPutCount: 0, responses: [{ recordId: 'a' }, { recordId: 'b' }] } }]);
    const t = createTestDispatcher({ port });
    const report = await t.deliver(textRecords(3));
    expect(t.port.sentText(1)).to.deep.equal(['r0', 'r1', 'r2']);
    expect(t.observer.of('requestFailed')[0]?.error.code).to.equal('RESPONSE_MISMATCH');
    expect(t.observer.of('retryScheduled')[0]?.reason).to.equal('RESPONSE_MISMATCH');
    expect(report).to.include({ requests: 1, attempts: 2 });
  });

  it('a request that times out is aborted and retried', async () => {
    const port = new FakeFirehosePort([{ hang: true }]);
    const t = createTestDispatcher({ port, requestTimeoutMs: 5_000 });
    const report = await t.deliver(textRecords(2));
    expect(t.port.calls).to.have.length(2);
    expect(t.port.calls[0]?.signal.aborted).to.equal(true);
    expect(t.observer.of('requestFailed')[0]?.error).to.include({ code: 'REQUEST_TIMEOUT', retriable: true });
    expect(t.clock.now()).to.equal(5_100);
    expect(report.attempts).to.equal(2);
  });

  it('times out even if the port ignores its abort signal', async () => {
    const port = new FakeFirehosePort([{ hang: true, ignoreAbort: true }]);
    const t = createTestDispatcher({ port, requestTimeoutMs: 5_000 });
    await t.deliver(textRecords(2));
    expect(t.port.calls).to.have.length(2);
    expect(t.clock.now()).to.equal(5_100);
  });

  it('abort during a backoff sleep rejects with AbortedError at once, without waiting out the delay', async () => {
    const port = new FakeFirehosePort([{ throw: serviceError('ServiceUnavailableException', 503) }]);
    const t = createTestDispatcher({ port, backoff: { baseMs: 60_000, maxMs: 60_000 } });
    const controller = new AbortController();
    const delivery = t.dispatcher.deliver(textRecords(2), controller.signal);
    await t.clock.advance(10);
    expect(t.observer.delays).to.deep.equal([60_000]);
    controller.abort();
    const err = await rejectionOf(delivery);
    expect(err).to.be.instanceOf(AbortedError);
    expect(t.clock.now()).to.equal(10);
    expect(t.port.calls).to.have.length(1);
    expect(t.clock.pending).to.equal(0);
  });

  for (const ignoreAbort of [false, true]) {
    it(`abort mid-request rejects with AbortedError promptly (port ${ignoreAbort ? 'ignores' : 'honours'} abort)`, async () => {
      const port = new FakeFirehosePort([{ hang: true, ignoreAbort }]);
      const t = createTestDispatcher({ port });
      const controller = new AbortController();
      const delivery = t.dispatcher.deliver(textRecords(2), controller.signal);
      await t.clock.advance(1_000);
      controller.abort();
      expect(await rejectionOf(delivery)).to.be.instanceOf(AbortedError);
      expect(t.port.calls[0]?.signal.aborted).to.equal(true);
      expect(t.observer.of('requestFailed')).to.have.length(0); // abandoned on purpose, not a failure
    });
  }

  it('abort while waiting in the rate limiter rejects with AbortedError', async () => {
    const clock = new FakeClock();
    const rateLimiter = new RateLimiter({ ...UNLIMITED, requestsPerSecond: 1 }, clock);
    await rateLimiter.acquire({ records: 0, bytes: 0, requests: 1 });
    const t = createTestDispatcher({ clock, rateLimiter });
    const controller = new AbortController();
    const delivery = t.dispatcher.deliver(textRecords(1), controller.signal);
    await clock.advance(300);
    controller.abort();
    expect(await rejectionOf(delivery)).to.be.instanceOf(AbortedError);
    expect(t.port.calls).to.have.length(0);
  });

  it('an already-aborted signal sends nothing', async () => {
    const t = createTestDispatcher();
    const controller = new AbortController();
    controller.abort();
    expect(await rejectionOf(t.dispatcher.deliver(textRecords(1), controller.signal))).to.be.instanceOf(AbortedError);
    expect(t.port.calls).to.have.length(0);
  });

  it('calls onWait at least every heartbeat interval during a long backoff', async () => {
    const waits: number[] = [];
    const port = new FakeFirehosePort([{ throw: serviceError('ServiceUnavailableException', 503) }]);
    const t = createTestDispatcher({
      port,
      backoff: { baseMs: 10_000, maxMs: 10_000 },
      heartbeatIntervalMs: 1_000,
      onWait: () => void waits.push(clockNow()),
    });
    const clockNow = (): number => t.clock.now();
    await t.deliver(textRecords(1));
    expect(t.clock.now()).to.equal(10_000);
    expect(waits).to.deep.equal([1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 7_000, 8_000, 9_000]);
  });

  it('calls onWait while a slow request is in flight', async () => {
    const waits: number[] = [];
    const port = new FakeFirehosePort([{ hang: true }]);
    const t = createTestDispatcher({ port, requestTimeoutMs: 3_500, heartbeatIntervalMs: 1_000, onWait: () => void waits.push(t.clock.now()) });
    await t.deliver(textRecords(1));
    expect(waits).to.deep.equal([1_000, 2_000, 3_000]);
  });

  it('calls onWait while the rate limiter holds the request back', async () => {
    const clock = new FakeClock();
    const rateLimiter = new RateLimiter({ ...UNLIMITED, bytesPerSecond: 1_000 }, clock);
    await rateLimiter.acquire({ records: 0, bytes: 3_000, requests: 0 }); // 2 s of debt
    const waits: number[] = [];
    const t = createTestDispatcher({ clock, rateLimiter, heartbeatIntervalMs: 1_000, onWait: () => void waits.push(clock.now()) });
    await t.deliver([new Uint8Array(500)]);
    expect(clock.now()).to.equal(2_500);
    expect(waits).to.deep.equal([1_000, 2_000]);
  });

  it('if onWait throws, the in-flight request is aborted and deliver rejects with that error', async () => {
    const port = new FakeFirehosePort([{ hang: true }]);
    const boom = new Error('heartbeat failed');
    const t = createTestDispatcher({
      port,
      onWait: () => {
        throw boom;
      },
    });
    const outcome = rejectionOf(t.dispatcher.deliver(textRecords(1), new AbortController().signal));
    await t.clock.advance(1_000);
    expect(await outcome).to.equal(boom);
    expect(t.port.calls[0]?.signal.aborted).to.equal(true);
  });

  it('consults the rate limiter before every request, resends included', async () => {
    const port = new FakeFirehosePort([{ failIndices: [0, 1, 2] }, { throw: serviceError('ThrottlingException', 400) }]);
    const t = createTestDispatcher({ port });
    const acquire = sinon.spy(t.rateLimiter, 'acquire');
    await t.deliver(textRecords(10));
    expect(acquire.callCount).to.equal(3);
    expect(acquire.getCalls().map((c) => c.args[0])).to.deep.equal([
      { records: 10, bytes: 20, requests: 1 },
      { records: 3, bytes: 6, requests: 1 },
      { records: 3, bytes: 6, requests: 1 },
    ]);
  });

  it('rate limits resends exactly: 10 records/s, 10 sent, 3 resent after a 100 ms backoff wait until 300 ms', async () => {
    const clock = new FakeClock();
    const rateLimiter = new RateLimiter({ ...UNLIMITED, recordsPerSecond: 10 }, clock);
    const port = new FakeFirehosePort([{ failIndices: [0, 1, 2] }]);
    const sentAt: number[] = [];
    const t = createTestDispatcher({ clock, rateLimiter, port, observer: undefined });
    const original = port.putRecordBatch.bind(port);
    port.putRecordBatch = (name, records, signal) => {
      sentAt.push(clock.now());
      return original(name, records, signal);
    };
    await t.deliver(textRecords(10));
    expect(sentAt).to.deep.equal([0, 300]);
  });

  it('is re-entrant: concurrent deliveries keep separate pending sets and reports', async () => {
    const port = new FakeFirehosePort([{ failIndices: [0] }, 'ok', 'ok']);
    const t = createTestDispatcher({ port });
    const signal = new AbortController().signal;
    const [a, b] = await t.clock.run(
      Promise.all([t.dispatcher.deliver(textRecords(3, 'a'), signal), t.dispatcher.deliver(textRecords(2, 'b'), signal)]),
    );
    expect(a).to.include({ records: 3, requests: 2, resentEntries: 1 });
    expect(b).to.include({ records: 2, requests: 1, resentEntries: 0 });
    expect(t.port.calls.map((_, i) => t.port.sentText(i))).to.deep.equal([['a0', 'a1', 'a2'], ['b0', 'b1'], ['a0']]);
  });

  describe('onSettled: entries done before the whole delivery is (issue 13, defect 3)', () => {
    type Settled = { at: number; acked: readonly number[]; rejected: readonly number[] };
    const listen = (t: { clock: FakeClock }, into: Settled[]) => (acked: readonly number[], rejected: readonly { index: number }[]) =>
      into.push({ at: t.clock.now(), acked: [...acked], rejected: rejected.map((r) => r.index) });

    it('after each answer: the acked and the rejected entries, while the failed ones are resent; a request-level failure tells nothing', async () => {
      const port = new FakeFirehosePort([
        async (records) => ({
          failedPutCount: 2,
          responses: records.map((_, i) => (i === 1 ? { errorCode: 'InvalidArgumentException' } : i === 3 ? { errorCode: 'ServiceUnavailableException' } : { recordId: `x${i}` })),
        }),
        { throw: serviceError('InternalFailure', 500) },
        'ok',
      ]);
      const t = createTestDispatcher({ port });
      const settled: Settled[] = [];
      const report = await t.clock.run(t.dispatcher.deliver(textRecords(5), new AbortController().signal, listen(t, settled)));
      expect(settled).to.deep.equal([
        { at: 0, acked: [0, 2, 4], rejected: [1] },
        { at: 100 + 200, acked: [3], rejected: [] },
      ]);
      expect(report.rejected.map((r) => r.index), 'the final report repeats the rejections').to.deep.equal([1]);
    });

    it('bisection: each half that is acked and the bad record alone, each entry once', async () => {
      const port = new FakeFirehosePort(
        Array.from({ length: 10 }, () => async (records: readonly Uint8Array[]) => {
          if (text(records).includes('r2')) throw serviceError('InvalidArgumentException', 400);
          return { failedPutCount: 0, responses: records.map((_, i) => ({ recordId: `x${i}` })) };
        }),
      );
      const t = createTestDispatcher({ port });
      const settled: Settled[] = [];
      await t.clock.run(t.dispatcher.deliver(textRecords(4), new AbortController().signal, listen(t, settled)));
      // 4 → [0,1] ok, [2,3] bad → [2] alone rejected, [3] ok
      expect(settled.map(({ acked, rejected }) => ({ acked, rejected }))).to.deep.equal([
        { acked: [0, 1], rejected: [] },
        { acked: [], rejected: [2] },
        { acked: [3], rejected: [] },
      ]);
    });
  });

  it('leaves no timers behind after a delivery', async () => {
    const t = createTestDispatcher({ onWait: () => undefined });
    await t.deliver(textRecords(2));
    await flush();
    expect(t.clock.pending).to.equal(0);
  });
});
