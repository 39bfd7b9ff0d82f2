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
  aborted: number[] = [];
  run = (unit: Unit, signal: AbortSignal): Promise<UnitReport> =>
    new Promise((resolve, reject) => {
      this.waiting.push({ unit, resolve: () => resolve({ messages: unit.messages.length } as UnitReport), reject });
      signal.addEventListener(
        'abort',
        () => {
          this.aborted.push(unit.id);
          reject(new AbortedError());
        },
        { once: true },
      );
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
      commitRetryMs: 5,
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
  const rebalanceError = (): Error => Object.assign(new Error('The group is rebalancing'), { type: 'REBALANCE_IN_PROGRESS' });
  const tick = (ms = 20): Promise<void> => new Promise((r) => setTimeout(r, ms));

  it('runs kafkajs with auto-resolve and auto-commit off (invariant 1)', async () => {
    const { consumer, supervisor } = setup();
    await supervisor.start();
    expect(consumer.runConfig).to.include({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 2 });
  });

  it('pipelined: eachBatch returns before Firehose acks, having moved the fetch position; commits follow the acked prefix', async () => {
    const { consumer, units, supervisor } = setup();
    await supervisor.start();
    await consumer.deliver('scans', 4, jsonMessages(50, 15)); // returns with both units still running
    expect(consumer.resolved, 'the fetch position moved past the batch').to.deep.equal(['64']);
    expect(units.waiting).to.have.length(2);
    expect(consumer.commits).to.deep.equal([]);
    await consumer.deliver('scans', 4, jsonMessages(65, 5)); // the next round of the same partition
    expect(units.waiting).to.have.length(3);
    units.waiting[0].resolve();
    await flush();
    units.waiting[2].resolve(); // the third unit first: waits behind the second
    await flush();
    units.waiting[1].resolve();
    await tick(5);
    expect(consumer.commits.map((c) => `${c.partition}@${c.offset}`)).to.deep.equal(['4@60', '4@70']);
  });

  it('commits the latest acked offset of every partition in one request, one request at a time', async () => {
    const { consumer, units, supervisor } = setup();
    await supervisor.start();
    consumer.holdCommits = true;
    await consumer.deliver('scans', 0, jsonMessages(0, 5));
    await consumer.deliver('scans', 1, jsonMessages(0, 5));
    units.waiting[0].resolve(); // partition 0 commits alone (held)
    await flush();
    units.waiting[1].resolve(); // partition 1 waits for it
    await flush();
    await consumer.deliver('scans', 0, jsonMessages(5, 5));
    units.waiting[2].resolve();
    await flush();
    consumer.releaseCommits();
    await tick(5);
    expect(consumer.commits.map((c) => `${c.partition}@${c.offset}`)).to.deep.equal(['0@5', '1@5', '0@10']);
  });

  it('holds the fetch round while the in-flight budget is spent (IN_FLIGHT_CAP), heartbeating, and lets go when it drains', async () => {
    const { consumer, units, supervisor, pause } = setup({ cap: 10 });
    const seen: string[] = [];
    pause.onChange((c) => seen.push(`${c.kind} ${c.reason}`));
    await supervisor.start();
    let returned = false;
    const batch = consumer.deliver('scans', 0, jsonMessages(0, 3)).then(() => (returned = true));
    await tick(30);
    expect(returned, 'the round is held').to.equal(false);
    expect(consumer.paused).to.equal(1);
    expect(pause.reasons).to.deep.equal(['IN_FLIGHT_CAP']);
    expect(consumer.heartbeats).to.be.greaterThan(1);
    units.ackAll();
    await batch;
    expect(consumer.resumed).to.equal(1);
    expect(seen).to.deep.equal(['hold IN_FLIGHT_CAP', 'release IN_FLIGHT_CAP']);
  });

  it('reports failed heartbeats and commits (the kafka circuit decides whether the coordinator is lost); a failed commit is retried, not fatal', async () => {
    const { consumer, units, ev, supervisor } = setup({ cap: 10 });
    const failed: string[] = [];
    ev.kafkaRequestFailed = (what, err) => failed.push(`${what}: ${(err as Error).message}`);
    await supervisor.start();
    consumer.heartbeatError = new Error('Connection error: connect ECONNREFUSED');
    consumer.commitError = new Error('Connection error: connect ECONNREFUSED');
    const batch = consumer.deliver('scans', 0, jsonMessages(0, 3));
    await tick(20);
    units.ackAll();
    await batch;
    await tick(20);
    expect(failed).to.include('heartbeat: Connection error: connect ECONNREFUSED');
    expect(failed).to.include('commit: Connection error: connect ECONNREFUSED');
    expect(consumer.commits).to.deep.equal([]);
    consumer.commitError = undefined;
    await tick(20);
    expect(consumer.commits.map((c) => c.offset)).to.deep.equal(['3']);
    expect(ev.log).to.not.include('fatal');
  });

  describe('rebalances', () => {
    it('learnt by a held round: no new unit starts, running units finish and commit, then the error goes back to kafkajs', async () => {
      const { consumer, units, supervisor } = setup({ cap: 100 });
      await supervisor.start();
      const held = consumer.deliver('scans', 0, jsonMessages(0, 25)); // 3 units, over the budget
      await flush();
      expect(units.waiting).to.have.length(3);
      const error = rebalanceError();
      consumer.heartbeatError = error;
      await tick(20);
      const late = await consumer.deliver('scans', 1, jsonMessages(0, 5)).catch((e: unknown) => e);
      expect(late, 'a batch handed over after the rebalance was learnt').to.equal(error);
      expect(units.waiting.map((w) => w.unit.partition)).to.deep.equal([0, 0, 0]);
      units.ackAll();
      let caught: unknown;
      await held.catch((e) => (caught = e));
      expect(caught).to.equal(error);
      expect(consumer.commits.map((c) => c.offset), 'commits land while the group prepares the rebalance').to.deep.equal(['10', '25']);
    });

    it('the held round lets kafkajs rejoin after rebalanceDrainMs even with units still running', async () => {
      const { consumer, supervisor } = setup({ cap: 10, rebalanceDrainMs: 20 });
      await supervisor.start();
      const held = consumer.deliver('scans', 0, jsonMessages(0, 15));
      await flush();
      consumer.heartbeatError = rebalanceError();
      const caught = await held.catch((e: unknown) => e);
      expect(caught).to.equal(consumer.heartbeatError);
      expect(consumer.commits).to.deep.equal([]);
    });

    it('GROUP_JOIN: a revoked partition\'s units are aborted and never committed; a kept one goes on from where it left off, committed again under the new generation', async () => {
      const { consumer, units, supervisor } = setup();
      await supervisor.start();
      await consumer.deliver('scans', 0, jsonMessages(0, 15)); // units 1 (0-9) and 2 (10-14)
      await consumer.deliver('scans', 1, jsonMessages(0, 5)); // unit 3
      units.waiting[0].resolve();
      await tick(5);
      expect(consumer.commits.map((c) => `${c.partition}@${c.offset}`)).to.deep.equal(['0@10']);
      consumer.emit('consumer.rebalancing');
      await consumer.deliver('scans', 0, jsonMessages(15, 5)).catch(() => undefined); // left for after the rejoin
      consumer.emit('consumer.group_join', { memberAssignment: { scans: [0] } });
      expect(consumer.seeks, 'kafkajs would fetch partition 0 from the committed 10').to.deep.equal(['scans[0]@15']);
      expect(units.aborted, "the revoked partition's unit is aborted").to.deep.equal([3]);
      units.waiting.find((w) => w.unit.id === 2)!.resolve();
      await tick(5);
      expect(consumer.commits.map((c) => `${c.partition}@${c.offset}`)).to.deep.equal(['0@10', '0@10', '0@15']);
      expect(consumer.commits.some((c) => c.partition === 1)).to.equal(false);
      await consumer.deliver('scans', 0, jsonMessages(15, 5)); // kafkajs fetches from the seek
      expect(units.waiting.at(-1)!.unit.messages[0].offset).to.equal('15');
    });

    it('a commit answered REBALANCE_IN_PROGRESS holds the lanes and the offset until the new assignment', async () => {
      const { consumer, units, supervisor } = setup();
      await supervisor.start();
      consumer.commitError = rebalanceError();
      await consumer.deliver('scans', 0, jsonMessages(0, 5));
      units.ackAll();
      await tick(10);
      expect(consumer.commits).to.deep.equal([]);
      await consumer.deliver('scans', 0, jsonMessages(5, 5)).catch(() => undefined);
      expect(units.waiting, 'no unit starts while the rebalance is under way').to.have.length(0);
      consumer.commitError = undefined;
      consumer.emit('consumer.group_join', { memberAssignment: { scans: [0] } });
      await tick(10);
      expect(consumer.commits.map((c) => c.offset)).to.deep.equal(['5']);
    });
  });

  describe("probeFetch (the idle probe's real request while paused)", () => {
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
      await consumer.deliver('scans', 2, jsonMessages(0, 3));
      expect(consumer.calls.at(-1), 'one batch is the trial').to.equal('pause scans');
      expect(units.waiting, 'the trial batch runs its units').to.have.length(1);
      expect(pause.paused).to.equal(true);
      units.ackAll();
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

    for (const later of ['MANUAL', 'RATE_LIMIT', 'DOWNSTREAM_ERROR'] as const) {
      it(`defect 4: a ${later} hold after a trial opened re-pauses the trial partition${later === 'RATE_LIMIT' ? '' : ', and its batch starts no unit'}`, async () => {
        const pause = new PauseControl(systemClock);
        const { consumer, units, supervisor } = setup({ pause });
        await supervisor.start();
        consumer.emit('consumer.group_join', { memberAssignment: { scans: [0] } });
        pause.hold('NETWORK');
        expect(supervisor.probeFetch()).to.deep.equal({ topic: 'scans', partition: 0 });
        expect(consumer.calls.at(-1)).to.equal('resume scans[0]');
        pause.hold(later);
        expect(consumer.calls.at(-1), 'the last consumer call is a pause').to.equal('pause scans');
        if (later === 'RATE_LIMIT') return; // a rate pause lets fetched work queue for admission
        await consumer.deliver('scans', 0, jsonMessages(0, 3)); // fetched by the trial before the pause reached kafkajs
        expect(units.waiting, 'no unit starts').to.have.length(0);
        expect(consumer.resolved, 'left unresolved: fetched again on resume').to.deep.equal([]);
      });
    }

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

  it('stop(): pauses fetching, drops queued units, drains running ones and their commits, then disconnects', async () => {
    let admits = 0;
    const { consumer, units, supervisor, ev } = setup({
      // the second unit never gets tokens: it stays queued
      admit: (unit, signal) =>
        ++admits === 1 ? Promise.resolve(unit.messages.length) : new Promise((_r, reject) => signal.addEventListener('abort', () => reject(new AbortedError('closed')))),
    });
    await supervisor.start();
    await consumer.deliver('scans', 1, jsonMessages(0, 15));
    const stopped = supervisor.stop();
    await flush();
    expect(consumer.paused).to.equal(1);
    expect(consumer.disconnected).to.equal(false);
    units.ackAll();
    await stopped;
    expect(consumer.commits.map((c) => c.offset)).to.deep.equal(['10']);
    expect(consumer.disconnected).to.equal(true);
    expect(await supervisor.done).to.deep.equal({ reason: 'stopped' });
    expect(ev.log).to.include('paused shutdown');
  });

  it('stop(): abandons units still running at the drain deadline, committing nothing for them', async () => {
    const { consumer, supervisor } = setup({ drainTimeoutMs: 20 });
    await supervisor.start();
    await consumer.deliver('scans', 1, jsonMessages(0, 5));
    await supervisor.stop();
    expect(consumer.commits).to.deep.equal([]);
    expect(consumer.disconnected).to.equal(true);
  });

  it('a non-retriable delivery error ends consumption as fatal without committing', async () => {
    const { consumer, units, supervisor, ev } = setup();
    await supervisor.start();
    await consumer.deliver('scans', 2, jsonMessages(0, 5));
    const err = new FirehoseError('ResourceNotFoundException', 'stream not found', false);
    units.waiting[0].reject(err);
    const end = await supervisor.done;
    expect(end).to.deep.equal({ reason: 'fatal', error: err });
    expect(consumer.commits).to.deep.equal([]);
    expect(ev.log).to.include('fatal');
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
});
