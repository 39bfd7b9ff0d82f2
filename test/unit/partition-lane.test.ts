import { expect } from 'chai';
import { RateBacklog } from '../../src/flow/rate-backlog';
import { PartitionLane, type BatchInput, type LaneContext } from '../../src/kafka/partition-lane';
import type { Unit, UnitReport } from '../../src/kafka/unit-runner';
import { AbortedError } from '../../src/errors';
import { silentLogger } from '../../src/logging/types';
import { CountingGate, flush, jsonMessages } from '../support/kafka-fakes';

/** A controllable unit runner: each unit waits until the test settles it. */
class ManualUnits {
  pending = new Map<number, { unit: Unit; resolve: (r: UnitReport) => void; reject: (e: unknown) => void }>();
  aborted: number[] = [];
  run = (unit: Unit, signal: AbortSignal): Promise<UnitReport> =>
    new Promise((resolve, reject) => {
      this.pending.set(unit.id, { unit, resolve, reject });
      signal.addEventListener(
        'abort',
        () => {
          if (!this.pending.has(unit.id)) return; // settled before the abort
          this.aborted.push(unit.id);
          reject(new AbortedError());
        },
        { once: true },
      );
    });
  ack(id: number): void {
    const p = this.pending.get(id)!;
    this.pending.delete(id);
    p.resolve({ messages: p.unit.messages.length } as UnitReport);
  }
  fail(id: number, err: unknown): void {
    this.pending.get(id)!.reject(err);
  }
  started(): Array<[number, string, number]> {
    return [...this.pending.values()].map((p) => [p.unit.id, p.unit.messages[0].offset, p.unit.messages.length]);
  }
}

function lane(units: ManualUnits, commits: string[], overrides: Partial<LaneContext> = {}) {
  let id = 0;
  const failures: string[] = [];
  const gate = new CountingGate();
  const ctx: LaneContext = {
    runUnit: units.run,
    budget: gate,
    commit: (_topic, _partition, next) => commits.push(next),
    nextUnitId: () => ++id,
    maxMessages: 10,
    maxUnitBytes: 1 << 20,
    logger: silentLogger,
    onUnitFailed: (unit, err) => failures.push(`${unit.id}: ${(err as Error).message}`),
    now: () => 0,
    ...overrides,
  };
  return { lane: new PartitionLane('scans', 0, ctx), gate, failures };
}

const batchOf = (from: number, count: number, lastOffset?: string): BatchInput => {
  const messages = jsonMessages(from, count);
  return { topic: 'scans', partition: 0, messages, lastOffset: lastOffset ?? messages[count - 1].offset, highWatermark: String(from + count) };
};

describe('PartitionLane (pipelined: batches are handed over, commits follow the acked prefix)', () => {
  it('cuts units and commits only the contiguous acked prefix as units finish out of order', async () => {
    const units = new ManualUnits();
    const commits: string[] = [];
    const { lane: l } = lane(units, commits);
    expect(l.add(batchOf(1000, 25))).to.equal(3);
    await flush();
    expect([...units.pending.keys()]).to.deep.equal([1, 2, 3]);
    units.ack(3);
    await flush();
    expect(commits).to.deep.equal([]);
    units.ack(1);
    await flush();
    expect(commits).to.deep.equal(['1010']);
    units.ack(2);
    await flush();
    expect(commits).to.deep.equal(['1010', '1025']);
    expect(l.committedOffset).to.equal('1025');
  });

  it('keeps one prefix across batches: a later batch acked first waits behind the earlier one', async () => {
    const units = new ManualUnits();
    const commits: string[] = [];
    const { lane: l } = lane(units, commits);
    l.add(batchOf(0, 10));
    l.add(batchOf(10, 10));
    await flush();
    expect(l.fetchEnd).to.equal('20');
    units.ack(2);
    await flush();
    expect(commits).to.deep.equal([]);
    units.ack(1);
    await flush();
    expect(commits).to.deep.equal(['20']);
  });

  it('skips messages it already holds (a re-fetch after a rejoin) and registers only the new ones', async () => {
    const units = new ManualUnits();
    const { lane: l } = lane(units, []);
    l.add(batchOf(0, 10));
    expect(l.add(batchOf(5, 10))).to.equal(1);
    await flush();
    expect(units.started()).to.deep.equal([
      [1, '0', 10],
      [2, '10', 5],
    ]);
    expect(l.fetchEnd).to.equal('15');
  });

  it('never commits past a failed unit, reports it once and starts nothing more', async () => {
    const units = new ManualUnits();
    const commits: string[] = [];
    const { lane: l, failures, gate } = lane(units, commits);
    l.add(batchOf(1000, 30));
    await flush();
    units.ack(1);
    units.fail(2, new Error('ResourceNotFoundException'));
    units.ack(3);
    await flush();
    expect(failures).to.deep.equal(['2: ResourceNotFoundException']);
    expect(commits).to.deep.equal(['1010']);
    expect(l.add(batchOf(1030, 5)), 'a failed lane takes no more work').to.equal(0);
    expect(gate.inFlight).to.equal(0);
  });

  it('commits past trailing control records when the whole batch is acked', async () => {
    const units = new ManualUnits();
    const commits: string[] = [];
    const { lane: l } = lane(units, commits);
    l.add(batchOf(1000, 5, '1006'));
    await flush();
    units.ack(1);
    await flush();
    expect(commits).to.deep.equal(['1007']);
    expect(l.fetchEnd).to.equal('1007');
  });

  it('close(): aborts running units, drops queued ones, commits nothing for them, releases every byte', async () => {
    const units = new ManualUnits();
    const commits: string[] = [];
    let admits = 0;
    const { lane: l, gate, failures } = lane(units, commits, {
      // the third unit waits for tokens forever: it stays queued
      admit: (unit, signal) =>
        ++admits < 3 ? Promise.resolve(unit.messages.length) : new Promise((_r, reject) => signal.addEventListener('abort', () => reject(new AbortedError('closed')))),
    });
    l.add(batchOf(0, 30));
    await flush();
    units.ack(1);
    await flush();
    expect(gate.inFlight).to.be.greaterThan(0);
    l.close('partition revoked');
    await l.whenIdle();
    await flush();
    expect(units.aborted).to.deep.equal([2]);
    expect(commits).to.deep.equal(['10']);
    expect(failures, 'an abort by the lane is not a failure').to.deep.equal([]);
    expect(gate.inFlight).to.equal(0);
  });

  it('stop(): drops queued units, lets running ones finish and commit', async () => {
    const units = new ManualUnits();
    const commits: string[] = [];
    let admits = 0;
    let admitSecond!: () => void;
    const { lane: l, gate } = lane(units, commits, {
      admit: (unit) => (++admits === 1 ? Promise.resolve(unit.messages.length) : new Promise<number>((r) => (admitSecond = () => r(unit.messages.length)))),
    });
    l.add(batchOf(0, 20));
    await flush();
    l.stop();
    admitSecond();
    await flush();
    expect(units.started().map((s) => s[0]), 'the queued unit never starts').to.deep.equal([1]);
    units.ack(1);
    await l.whenIdle();
    await flush();
    expect(commits).to.deep.equal(['10']);
    expect(gate.inFlight).to.equal(0);
  });

  it('hold(): starts nothing new until release(); running units go on and commit', async () => {
    const units = new ManualUnits();
    const commits: string[] = [];
    const { lane: l } = lane(units, commits);
    l.add(batchOf(0, 10));
    await flush();
    l.hold();
    l.add(batchOf(10, 10));
    await flush();
    expect(units.pending.size).to.equal(1);
    units.ack(1);
    await flush();
    expect(commits).to.deep.equal(['10']);
    l.release();
    await flush();
    expect(units.started()).to.deep.equal([[2, '10', 10]]);
  });

  it('recommit(): hands the committed prefix over again (after a rejoin, under the new generation)', async () => {
    const units = new ManualUnits();
    const commits: string[] = [];
    const { lane: l } = lane(units, commits);
    l.recommit();
    expect(commits).to.deep.equal([]);
    l.add(batchOf(0, 10));
    await flush();
    units.ack(1);
    await flush();
    l.recommit();
    expect(commits).to.deep.equal(['10', '10']);
  });

  describe('rate admission (size-class preset)', () => {
    it('a partial admission splits the unit: the remainder runs as its own unit and commits stay contiguous', async () => {
      const units = new ManualUnits();
      const commits: string[] = [];
      const answers = [4, 6, 10]; // first unit (10 msgs) gets 4, its remainder 6, the second unit 10
      const admitted: number[] = [];
      const { lane: l, gate } = lane(units, commits, {
        admit: async (unit, _signal, remainder) => {
          admitted.push(remainder ? -unit.messages.length : unit.messages.length);
          return Math.min(unit.messages.length, answers.shift() ?? unit.messages.length);
        },
      });
      l.add(batchOf(1000, 20, '1021')); // two trailing control records
      await flush();
      expect(admitted).to.deep.equal([10, -6, 10]); // the 6 left of the first unit ask as a remainder
      expect(units.started()).to.deep.equal([
        [1, '1000', 4],
        [3, '1004', 6],
        [2, '1010', 10],
      ]); // the head keeps its id
      units.ack(3); // the remainder first: nothing committable before the head
      await flush();
      expect(commits).to.deep.equal([]);
      units.ack(1);
      await flush();
      expect(commits).to.deep.equal(['1010']);
      units.ack(2);
      await flush();
      expect(commits).to.deep.equal(['1010', '1022']); // past the control records
      expect(gate.inFlight, 'split bytes add up').to.equal(0);
    });

    it('counts fetched messages into the backlog on arrival and out as each unit starts (a split head at once)', async () => {
      const units = new ManualUnits();
      const backlog = new RateBacklog();
      const seen: number[] = [];
      let release!: () => void;
      const second = new Promise<void>((r) => (release = r));
      let calls = 0;
      const { lane: l } = lane(units, [], {
        backlog,
        admit: async (unit) => {
          calls += 1;
          seen.push(backlog.messages);
          if (calls === 2) await second; // the remainder waits for tokens
          return calls === 1 ? 4 : unit.messages.length;
        },
      });
      l.add(batchOf(1000, 20));
      await flush();
      expect(seen, 'in hand when each admission was asked').to.deep.equal([20, 16]);
      expect(backlog.messages, 'the head of 4 started; 16 wait').to.equal(16);
      let emptied = 0;
      backlog.onEmpty(() => (emptied += 1));
      release();
      await flush();
      expect(backlog.messages).to.equal(0);
      expect(emptied, 'empty once, when the last unit started (before any unit finished)').to.equal(1);
      expect(units.pending.size).to.equal(3);
    });

    it('a lane closed while waiting for tokens takes the rest out of the backlog', async () => {
      const units = new ManualUnits();
      const backlog = new RateBacklog();
      const { lane: l } = lane(units, [], {
        backlog,
        admit: (unit, signal) => (unit.id === 1 ? Promise.resolve(unit.messages.length) : new Promise((_r, reject) => signal.addEventListener('abort', () => reject(new AbortedError('stop'))))),
      });
      l.add(batchOf(0, 20));
      await flush();
      expect(backlog.messages).to.equal(10);
      l.close('stop');
      await flush();
      expect(backlog.messages).to.equal(0);
    });
  });
});
