import { expect } from 'chai';
import { systemClock } from '../../src/clock';
import { AbortedError, FirehoseError } from '../../src/errors';
import { BackpressureGate } from '../../src/flow/pause-state';
import { PauseControl } from '../../src/flow/pause-control';
import { Supervisor, type SupervisorDeps, type SupervisorEvents } from '../../src/kafka/supervisor';
import type { Unit, UnitReport } from '../../src/kafka/unit-runner';
import { silentLogger } from '../../src/logging/types';
import { FakeConsumer } from '../support/fake-consumer';
import { flush, jsonMessages } from '../support/kafka-fakes';

class Units {
  waiting: Array<{ unit: Unit; resolve: () => void; reject: (e: unknown) => void }> = [];
  run = (unit: Unit, signal: AbortSignal): Promise<UnitReport> =>
    new Promise((resolve, reject) => {
      this.waiting.push({ unit, resolve: () => resolve({ messages: unit.messages.length } as UnitReport), reject });
      signal.addEventListener('abort', () => reject(new AbortedError()), { once: true });
    });
  ackAll(): void {
    this.waiting.splice(0).forEach((w) => w.resolve());
  }
}

const events = (): SupervisorEvents & { log: string[] } => {
  const log: string[] = [];
  return {
    log,
    batchReceived: () => log.push('batch'),
    unitAcked: () => log.push('acked'),
    committed: (_t, p, o, hw) => log.push(`commit ${p}@${o} of ${hw}`),
    paused: (r) => log.push(`paused ${r}`),
    rebalancing: () => log.push('rebalancing'),
    fatal: () => log.push('fatal'),
  };
};

function setup(opts: { drainTimeoutMs?: number; cap?: number; rebalanceDrainMs?: number; pause?: PauseControl; admit?: SupervisorDeps['admit'] } = {}) {
  const consumer = new FakeConsumer();
  const units = new Units();
  const ev = events();
  const pause = opts.pause ?? new PauseControl(systemClock);
  const supervisor = new Supervisor(
    {
      topics: ['scans'],
      fromBeginning: true,
      partitionsConsumedConcurrently: 2,
      maxMessages: 10,
      maxUnitBytes: 1 << 20,
      drainTimeoutMs: opts.drainTimeoutMs ?? 5_000,
      rebalanceDrainMs: opts.rebalanceDrainMs ?? 5_000,
      heartbeatEveryMs: 5,
    },
    {
      consumer: consumer.port,
      runUnit: units.run,
      gate: new BackpressureGate(opts.cap ?? 1 << 30),
      pause,
      admit: opts.admit,
      clock: systemClock,
      logger: silentLogger,
      events: ev,
    },
  );
  return { consumer, units, ev, supervisor, pause };
}

describe('Supervisor', () => {
  it('runs kafkajs with auto-resolve and auto-commit off (invariant 1)', async () => {
    const { consumer, supervisor } = setup();
    await supervisor.start();
    expect(consumer.runConfig).to.include({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 2 });
  });

  it('commits last + 1 once every unit of the batch is acked', async () => {
    const { consumer, units, supervisor } = setup();
    await supervisor.start();
    const batch = consumer.deliver('scans', 4, jsonMessages(50, 15));
    await flush();
    units.waiting[0].resolve();
    await flush();
    units.ackAll();
    await batch;
    expect(consumer.commits).to.deep.equal([
      { topic: 'scans', partition: 4, offset: '60' },
      { topic: 'scans', partition: 4, offset: '65' },
    ]);
    expect(consumer.resolved).to.deep.equal(['59', '64']);
  });

  it('heartbeats while units are in flight', async () => {
    const { consumer, units, supervisor } = setup();
    await supervisor.start();
    const batch = consumer.deliver('scans', 0, jsonMessages(0, 3));
    await new Promise((r) => setTimeout(r, 30));
    expect(consumer.heartbeats).to.be.greaterThan(1);
    units.ackAll();
    await batch;
  });

  it('on a rebalance: starts no new unit, commits the units in flight, then rethrows so kafkajs rejoins', async () => {
    const { consumer, units, supervisor } = setup();
    await supervisor.start();
    const gateOpen = consumer.deliver('scans', 0, jsonMessages(0, 25)); // 3 units of ≤10
    await flush();
    expect(units.waiting).to.have.length(3);
    const rebalance = Object.assign(new Error('The group is rebalancing'), { type: 'REBALANCE_IN_PROGRESS' });
    consumer.heartbeatError = rebalance;
    await new Promise((r) => setTimeout(r, 20));
    units.ackAll();
    let caught: unknown;
    await gateOpen.catch((e) => (caught = e));
    expect(caught).to.equal(rebalance);
    expect(consumer.commits.map((c) => c.offset)).to.deep.equal(['25']);
  });

  it('reports failed heartbeats and commits of a batch (the kafka circuit decides whether the coordinator is lost)', async () => {
    const { consumer, units, ev, supervisor } = setup();
    const failed: string[] = [];
    ev.kafkaRequestFailed = (what, err) => failed.push(`${what}: ${(err as Error).message}`);
    await supervisor.start();
    consumer.heartbeatError = new Error('Connection error: connect ECONNREFUSED');
    consumer.commitError = new Error('Connection error: connect ECONNREFUSED');
    const batch = consumer.deliver('scans', 0, jsonMessages(0, 3));
    await new Promise((r) => setTimeout(r, 20));
    units.ackAll();
    await batch.catch(() => undefined);
    expect(failed).to.include('heartbeat: Connection error: connect ECONNREFUSED');
    expect(failed).to.include('commit: Connection error: connect ECONNREFUSED');
  });

  describe('probeFetch (the idle probe\'s real request while paused)', () => {
    it('resumes one assigned partition, round robin; its batch pauses it again; the pause itself holds', async () => {
      const pause = new PauseControl(systemClock);
      const { consumer, units, supervisor } = setup({ pause });
      await supervisor.start();
      consumer.emit('consumer.group_join', { memberAssignment: { scans: [2, 0] } });
      expect(supervisor.probeFetch(), 'not paused: nothing to try').to.equal(undefined);
      pause.hold('NETWORK');
      consumer.calls.length = 0;
      expect(supervisor.probeFetch()).to.deep.equal({ topic: 'scans', partition: 0 });
      expect(consumer.calls).to.deep.equal(['resume scans[0]']);
      expect(supervisor.probeFetch(), 'partition 0 fetched nothing: the next one, after pausing 0 again').to.deep.equal({ topic: 'scans', partition: 2 });
      expect(consumer.calls).to.deep.equal(['resume scans[0]', 'pause scans', 'resume scans[2]']);
      const batch = consumer.deliver('scans', 2, jsonMessages(0, 3));
      await flush();
      expect(consumer.calls.at(-1), 'one batch is the trial').to.equal('pause scans');
      expect(units.waiting, 'the trial batch runs its units').to.have.length(1);
      expect(pause.paused).to.equal(true);
      units.ackAll();
      await batch;
      pause.release('NETWORK');
      expect(consumer.calls.at(-1)).to.equal('resume scans');
    });

    it('every assigned partition tried without a batch: idle (nothing to send), then the round starts again', async () => {
      const pause = new PauseControl(systemClock);
      const { consumer, supervisor } = setup({ pause });
      await supervisor.start();
      consumer.emit('consumer.group_join', { memberAssignment: { scans: [0, 1] } });
      pause.hold('BUFFER_FULL');
      expect(supervisor.probeFetch()).to.deep.equal({ topic: 'scans', partition: 0 });
      expect(supervisor.probeFetch()).to.deep.equal({ topic: 'scans', partition: 1 });
      expect(supervisor.probeFetch(), 'both fetched nothing').to.equal('idle');
      expect(consumer.calls.at(-1), 'the last trial partition is paused again').to.equal('pause scans');
      expect(supervisor.probeFetch()).to.deep.equal({ topic: 'scans', partition: 0 });
    });

    it('never gets round a MANUAL pause, a rate pause or an open circuit', async () => {
      const pause = new PauseControl(systemClock);
      const { consumer, supervisor } = setup({ pause });
      await supervisor.start();
      consumer.emit('consumer.group_join', { memberAssignment: { scans: [0] } });
      pause.hold('NETWORK');
      for (const other of ['MANUAL', 'RATE_LIMIT', 'DOWNSTREAM_ERROR'] as const) {
        pause.hold(other);
        expect(supervisor.probeFetch(), other).to.equal(undefined);
        pause.release(other);
      }
      expect(supervisor.probeFetch()).to.deep.equal({ topic: 'scans', partition: 0 });
    });

    it('does nothing while stopping', async () => {
      const pause = new PauseControl(systemClock);
      const { consumer, supervisor } = setup({ pause });
      await supervisor.start();
      consumer.emit('consumer.group_join', { memberAssignment: { scans: [0] } });
      pause.hold('NETWORK');
      await supervisor.stop();
      expect(supervisor.probeFetch()).to.equal(undefined);
    });
  });

  it('on a rebalance: units still running at the drain deadline are abandoned uncommitted', async () => {
    const { consumer, units, supervisor } = setup({ rebalanceDrainMs: 20 });
    await supervisor.start();
    const batch = consumer.deliver('scans', 0, jsonMessages(0, 15));
    await flush();
    units.waiting[0].resolve(); // the first unit finishes before the rebalance
    await flush();
    const rebalance = Object.assign(new Error('The group is rebalancing'), { type: 'REBALANCE_IN_PROGRESS' });
    consumer.heartbeatError = rebalance;
    let caught: unknown;
    await batch.catch((e) => (caught = e));
    expect(caught).to.equal(rebalance);
    expect(consumer.commits.map((c) => c.offset)).to.deep.equal(['10']);
  });

  it('a commit that fails on the Kafka side is rethrown to kafkajs (which retries), not treated as fatal', async () => {
    const { consumer, units, supervisor, ev } = setup();
    await supervisor.start();
    const lost = Object.assign(new Error('Connection closed'), { name: 'KafkaJSConnectionError' });
    consumer.commitError = lost;
    const batch = consumer.deliver('scans', 0, jsonMessages(0, 5));
    await flush();
    units.ackAll();
    let caught: unknown;
    await batch.catch((e) => (caught = e));
    expect(caught).to.equal(lost);
    expect(ev.log).to.not.include('fatal');
    consumer.commitError = undefined;
    const again = consumer.deliver('scans', 0, jsonMessages(0, 5)); // kafkajs refetches from the last commit
    await flush();
    units.ackAll();
    await again;
    expect(consumer.commits.map((c) => c.offset)).to.deep.equal(['5']);
  });

  it('stop(): pauses fetching, drains in-flight units, commits them, then disconnects', async () => {
    const { consumer, units, supervisor, ev } = setup();
    await supervisor.start();
    const batch = consumer.deliver('scans', 1, jsonMessages(0, 5));
    await flush();
    const stopped = supervisor.stop();
    await flush();
    expect(consumer.paused).to.equal(1);
    expect(consumer.disconnected).to.equal(false);
    units.ackAll();
    await stopped;
    await batch;
    expect(consumer.commits.map((c) => c.offset)).to.deep.equal(['5']);
    expect(consumer.disconnected).to.equal(true);
    expect(await supervisor.done).to.deep.equal({ reason: 'stopped' });
    expect(ev.log).to.include('paused shutdown');
  });

  it('stop(): abandons units still running at the drain deadline, committing nothing for them', async () => {
    const { consumer, supervisor } = setup({ drainTimeoutMs: 20 });
    await supervisor.start();
    const batch = consumer.deliver('scans', 1, jsonMessages(0, 5));
    await flush();
    await supervisor.stop();
    await batch;
    expect(consumer.commits).to.deep.equal([]);
    expect(consumer.disconnected).to.equal(true);
  });

  it('a non-retriable delivery error ends consumption as fatal without committing', async () => {
    const { consumer, units, supervisor, ev } = setup();
    await supervisor.start();
    const batch = consumer.deliver('scans', 2, jsonMessages(0, 5));
    await flush();
    const err = new FirehoseError('ResourceNotFoundException', 'stream not found', false);
    units.waiting[0].reject(err);
    await batch;
    const end = await supervisor.done;
    expect(end).to.deep.equal({ reason: 'fatal', error: err });
    expect(consumer.commits).to.deep.equal([]);
    expect(ev.log).to.include('fatal');
  });

  it('pauses the consumer when in-flight bytes reach the cap (IN_FLIGHT_CAP) and resumes when they drain', async () => {
    const { consumer, units, supervisor, pause } = setup({ cap: 10 });
    const seen: string[] = [];
    pause.onChange((c) => seen.push(`${c.kind} ${c.reason}`));
    await supervisor.start();
    const batch = consumer.deliver('scans', 0, jsonMessages(0, 3));
    await flush();
    expect(consumer.paused).to.equal(1);
    expect(pause.reasons).to.deep.equal(['IN_FLIGHT_CAP']);
    units.ackAll();
    await batch;
    expect(consumer.resumed).to.equal(1);
    expect(seen).to.deep.equal(['hold IN_FLIGHT_CAP', 'release IN_FLIGHT_CAP']);
  });

  it('applies PauseControl: pauses on the first reason, resumes only when the last one is released', async () => {
    const { consumer, supervisor, pause } = setup();
    await supervisor.start();
    pause.hold('NETWORK');
    pause.hold('MANUAL');
    pause.hold('NETWORK');
    expect(consumer.paused).to.equal(1);
    pause.release('NETWORK');
    expect(consumer.resumed, 'MANUAL still holds').to.equal(0);
    pause.release('MANUAL');
    expect(consumer.resumed).to.equal(1);
    pause.release('MANUAL');
    expect(consumer.resumed).to.equal(1);
  });

  it('F8: re-applies the pause to every new assignment (GROUP_JOIN after a rebalance or a kafkajs restart)', async () => {
    const { consumer, supervisor, pause } = setup();
    await supervisor.start();
    consumer.emit('consumer.group_join');
    expect(consumer.paused, 'nothing to re-apply while no reason holds').to.equal(0);
    pause.hold('DOWNSTREAM_ERROR');
    expect(consumer.paused).to.equal(1);
    consumer.emit('consumer.group_join');
    expect(consumer.paused, 'pause asked again for the new consumer group').to.equal(2);
    pause.release('DOWNSTREAM_ERROR');
    expect(consumer.resumed).to.equal(1);
  });

  it('fail(): a crash outside any batch (kafkajs will not restart) ends consumption as fatal', async () => {
    const { consumer, supervisor, ev } = setup();
    await supervisor.start();
    const err = new Error('KafkaJSNonRetriableError');
    supervisor.fail(err);
    expect(await supervisor.done).to.deep.equal({ reason: 'fatal', error: err });
    expect(consumer.disconnected).to.equal(true);
    expect(ev.log).to.include('fatal');
  });

  describe('F4: one rebalance signal for the whole process', () => {
    const rebalanceError = (): Error => Object.assign(new Error('The group is rebalancing'), { type: 'REBALANCE_IN_PROGRESS' });
    /** Admission that never has tokens: it only ends when its signal aborts (an empty rate bucket). */
    const starved: SupervisorDeps['admit'] = (_unit, signal) =>
      new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new AbortedError('aborted')), { once: true }));

    it('a batch waiting for tokens ends at once when another batch learns of the rebalance, not after the drain deadline', async () => {
      const started = Date.now();
      const { consumer, supervisor } = setup({ rebalanceDrainMs: 5_000, admit: starved });
      await supervisor.start();
      const error = rebalanceError();
      const waiting = consumer.deliver('scans', 1, jsonMessages(0, 5)).then(() => 'resolved', (e: unknown) => e);
      await flush();
      consumer.heartbeatErrorFor = (p) => (p === 0 ? error : undefined); // only partition 0's heartbeat sees it
      const other = consumer.deliver('scans', 0, jsonMessages(0, 5)).then(() => 'resolved', (e: unknown) => e);
      expect(await waiting).to.equal(error);
      expect(await other).to.equal(error);
      expect(Date.now() - started).to.be.lessThan(2_000);
    });

    it('batches kafkajs hands over after the rebalance began start no unit; GROUP_JOIN re-arms', async () => {
      const { consumer, units, supervisor } = setup({ rebalanceDrainMs: 5_000 });
      await supervisor.start();
      const error = rebalanceError();
      const first = consumer.deliver('scans', 0, jsonMessages(0, 5)).catch((e: unknown) => e);
      await flush();
      consumer.heartbeatError = error;
      await new Promise((r) => setTimeout(r, 20));
      consumer.heartbeatError = undefined;
      const late = await consumer.deliver('scans', 2, jsonMessages(0, 5)).catch((e: unknown) => e);
      expect(late).to.equal(error);
      expect(units.waiting.map((w) => w.unit.partition)).to.deep.equal([0]); // nothing started for partition 2
      units.ackAll();
      expect(await first).to.equal(error);
      consumer.emit('consumer.group_join');
      const next = consumer.deliver('scans', 2, jsonMessages(0, 5));
      await flush();
      expect(units.waiting.map((w) => w.unit.partition)).to.deep.equal([2]);
      units.ackAll();
      await next;
    });

  });
});

