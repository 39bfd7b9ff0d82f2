/**
 * The Firehose error table (issue 6 §3), row by row, on a fake clock: the
 * graduated schedule, the throttling signal, per-record invalid records,
 * bisection of a request rejected as invalid, and the circuit.
 */
import { expect } from 'chai';
import { AbortedError, FirehoseError } from '../../src/errors';
import { Circuit } from '../../src/flow/circuit';
import type { PutBatchResponse } from '../../src/firehose/client';
import { createTestDispatcher, FakeFirehosePort, flush, textRecords } from '../support/fakes';

function serviceError(name: string, status: number): Error {
  return Object.assign(new Error(`${name} message`), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
}

const STEPS = [5_000, 15_000, 45_000, 120_000, 300_000];
const schedule = { fastRetries: 3, stepsMs: STEPS, jitter: 0 };

describe('firehose error table (dispatcher + schedule)', () => {
  it('throttling per request: 5 s → 15 s → 45 s → 2 min → 5 min → 5 min, never dropped', async () => {
    const err = serviceError('ServiceUnavailableException', 503);
    const port = new FakeFirehosePort(Array.from({ length: 7 }, () => ({ throw: err })));
    const scopes: string[] = [];
    const t = createTestDispatcher({ port, schedule, onThrottle: (s) => scopes.push(s) });
    const report = await t.deliver(textRecords(2));
    expect(t.observer.delays).to.deep.equal([5_000, 15_000, 45_000, 120_000, 300_000, 300_000, 300_000]);
    expect(report).to.include({ records: 2, attempts: 8, throttled: 7 });
    expect(scopes).to.deep.equal(Array(7).fill('request'));
    expect(t.dispatcher.lastThrottleAtMs).to.equal(5_000 + 15_000 + 45_000 + 120_000 + 300_000 + 300_000);
  });

  it('throttling per record: only the throttled entries are resent, on the graduated schedule; onThrottle("record")', async () => {
    const port = new FakeFirehosePort([{ failIndices: [1, 3] }, { failIndices: [1] }]);
    const scopes: string[] = [];
    const t = createTestDispatcher({ port, schedule, onThrottle: (s) => scopes.push(s) });
    const report = await t.deliver(textRecords(4));
    expect(t.port.sentText(1)).to.deep.equal(['r1', 'r3']);
    expect(t.port.sentText(2)).to.deep.equal(['r3']);
    expect(t.observer.delays).to.deep.equal([5_000, 15_000]);
    expect(scopes).to.deep.equal(['record', 'record']);
    expect(report).to.include({ records: 4, resentEntries: 3 });
  });

  it('graduated steps carry ±jitter', async () => {
    const port = new FakeFirehosePort([{ throw: serviceError('ServiceUnavailableException', 503) }, { throw: serviceError('ServiceUnavailableException', 503) }]);
    const t = createTestDispatcher({ port, schedule: { ...schedule, jitter: 0.1 }, random: () => 0 });
    await t.deliver(textRecords(1));
    expect(t.observer.delays).to.deep.equal([4_500, 13_500]);
  });

  for (const e of [serviceError('InternalFailure', 500), serviceError('Error', 502), Object.assign(new Error('reset'), { code: 'ECONNRESET' }), Object.assign(new Error('odd'), { name: 'CredentialsProviderError' })]) {
    it(`transient ${(e as { code?: string }).code ?? e.name}: 3 fast jittered retries, then the graduated steps`, async () => {
      const port = new FakeFirehosePort(Array.from({ length: 5 }, () => ({ throw: e })));
      const t = createTestDispatcher({ port, schedule });
      const report = await t.deliver(textRecords(1));
      // random = 1: the fast delays are the full-jitter ceilings 100, 200, 400 ms
      expect(t.observer.delays).to.deep.equal([100, 200, 400, 5_000, 15_000]);
      expect(report.records).to.equal(1);
    });
  }

  it('InvalidArgumentException for one record: that record is rejected (to be dead-lettered), the rest proceed', async () => {
    const port = new FakeFirehosePort([{ failIndices: [2], code: 'InvalidArgumentException', message: 'bad record' }]);
    const t = createTestDispatcher({ port, schedule });
    const report = await t.deliver(textRecords(4));
    expect(report.rejected).to.deep.equal([{ index: 2, code: 'InvalidArgumentException', message: 'record failed: InvalidArgumentException: bad record' }]);
    expect(report).to.include({ records: 3, attempts: 1 });
    expect(t.observer.delays).to.deep.equal([]);
  });

  it('a per-record invalid record and a throttled one: the invalid one is rejected, the throttled one resent', async () => {
    const port = new FakeFirehosePort([
      async (records): Promise<PutBatchResponse> => ({
        failedPutCount: 2,
        responses: records.map((_, i) => (i === 0 ? { errorCode: 'InvalidArgumentException' } : i === 1 ? { errorCode: 'ServiceUnavailableException' } : { recordId: `x${i}` })),
      }),
    ]);
    const t = createTestDispatcher({ port, schedule });
    const report = await t.deliver(textRecords(3));
    expect(report.rejected.map((r) => r.index)).to.deep.equal([0]);
    expect(t.port.sentText(1)).to.deep.equal(['r1']);
    expect(report.records).to.equal(2);
  });

  it('a whole request rejected as invalid is bisected until the bad record is alone; the rest is delivered', async () => {
    const bad = 'r5';
    const port = new FakeFirehosePort(
      Array.from({ length: 20 }, () => async (records: readonly Uint8Array[]): Promise<PutBatchResponse> => {
        const texts = records.map((r) => Buffer.from(r).toString('utf8'));
        if (texts.includes(bad)) throw serviceError('InvalidArgumentException', 400);
        return { failedPutCount: 0, responses: texts.map((x) => ({ recordId: x })) };
      }),
    );
    const t = createTestDispatcher({ port, schedule });
    const report = await t.deliver(textRecords(8));
    expect(report.rejected.map((r) => r.index)).to.deep.equal([5]);
    expect(report.rejected[0]?.code).to.equal('InvalidArgumentException');
    const delivered = t.port.calls.map((_, i) => t.port.sentText(i)).filter((texts) => !texts.includes(bad)).flat();
    expect(delivered.sort()).to.deep.equal(['r0', 'r1', 'r2', 'r3', 'r4', 'r6', 'r7']);
    // 8 → [0..3] ok, [4..7] bad → [4,5] bad → [4] ok, [5] alone rejected; [6,7] ok
    expect(t.port.calls.map((c) => c.records.length)).to.deep.equal([8, 4, 4, 2, 1, 1, 2]);
    expect(report).to.include({ records: 7 });
  });

  for (const name of ['ResourceNotFoundException', 'AccessDeniedException', 'InvalidKMSResourceException']) {
    it(`${name}: the circuit opens, the delivery waits (nothing dropped) and resends once it closes`, async () => {
      const port = new FakeFirehosePort([{ throw: serviceError(name, 400) }]);
      const t = createTestDispatcher({ port, schedule });
      const circuit = new Circuit('firehose', t.clock);
      const states: string[] = [];
      circuit.onChange((now) => states.push(now.state));
      const d = createTestDispatcher({ port, schedule, circuit, clock: t.clock });
      let settled = false;
      const delivery = d.dispatcher.deliver(textRecords(2), new AbortController().signal).finally(() => (settled = true));
      await t.clock.advance(60_000);
      expect(settled, 'waits while the circuit is open').to.equal(false);
      expect(circuit.snapshot()).to.include({ state: 'open' });
      expect(circuit.snapshot().reason).to.contain(name);
      expect(port.calls).to.have.length(1);
      circuit.halfOpen();
      circuit.close();
      await flush();
      const report = await t.clock.run(delivery);
      expect(report).to.include({ records: 2, circuitWaits: 1, attempts: 2 });
      expect(states).to.deep.equal(['open', 'half-open', 'closed']);
    });
  }

  it('a per-record AccessDeniedException opens the circuit too; afterwards only that entry is resent', async () => {
    const port = new FakeFirehosePort([{ failIndices: [1], code: 'AccessDeniedException' }]);
    const t = createTestDispatcher({ port, schedule });
    const circuit = new Circuit('firehose', t.clock);
    const d = createTestDispatcher({ port, schedule, circuit, clock: t.clock });
    const delivery = d.dispatcher.deliver(textRecords(3), new AbortController().signal);
    await t.clock.advance(1_000);
    expect(circuit.state).to.equal('open');
    circuit.close();
    const report = await t.clock.run(delivery);
    expect(port.sentText(1)).to.deep.equal(['r1']);
    expect(report.records).to.equal(3);
  });

  it('exitOnPermanentError: a downstream error is thrown (the process exits 2) instead of opening the circuit', async () => {
    const port = new FakeFirehosePort([{ throw: serviceError('ResourceNotFoundException', 400) }]);
    const t = createTestDispatcher({ port, schedule });
    const circuit = new Circuit('firehose', t.clock);
    const d = createTestDispatcher({ port, schedule, circuit, clock: t.clock, exitOnPermanentError: true });
    const err = await t.clock.run(d.dispatcher.deliver(textRecords(1), new AbortController().signal)).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(FirehoseError);
    expect((err as FirehoseError).code).to.equal('ResourceNotFoundException');
    expect(circuit.state).to.equal('closed');
  });

  it('abort while waiting for the circuit rejects promptly (rebalance, terminate)', async () => {
    const port = new FakeFirehosePort([{ throw: serviceError('ResourceNotFoundException', 400) }]);
    const t = createTestDispatcher({ port, schedule });
    const circuit = new Circuit('firehose', t.clock);
    const d = createTestDispatcher({ port, schedule, circuit, clock: t.clock });
    const controller = new AbortController();
    const delivery = d.dispatcher.deliver(textRecords(1), controller.signal).catch((e: unknown) => e);
    await t.clock.advance(100);
    controller.abort();
    const err = await delivery;
    expect(err).to.be.instanceOf(AbortedError);
  });
});
