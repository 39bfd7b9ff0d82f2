import { expect } from 'chai';
import { RateBacklog } from '../../src/flow/rate-backlog';
import { processBatch, type BatchContext } from '../../src/kafka/batch-processor';
import type { Unit, UnitReport } from '../../src/kafka/unit-runner';
import { AbortedError } from '../../src/errors';
import { silentLogger } from '../../src/logging/types';
import { CountingGate, flush, jsonMessages } from '../support/kafka-fakes';

/** A controllable unit runner: each unit waits until the test settles it. */
class ManualUnits {
  pending = new Map<number, { unit: Unit; resolve: (r: UnitReport) => void; reject: (e: unknown) => void }>();
  run = (unit: Unit, signal: AbortSignal): Promise<UnitReport> =>
    new Promise((resolve, reject) => {
      this.pending.set(unit.id, { unit, resolve, reject });
      signal.addEventListener('abort', () => reject(new AbortedError()), { once: true });
    });
  ack(id: number): void {
    const p = this.pending.get(id)!;
    p.resolve({ messages: p.unit.messages.length } as UnitReport);
  }
  fail(id: number, err: unknown): void {
    this.pending.get(id)!.reject(err);
  }
}

function context(units: ManualUnits, commits: string[], overrides: Partial<BatchContext> = {}): BatchContext {
  let id = 0;
  return {
    runUnit: units.run,
    gate: new CountingGate(),
    commit: async (next) => {
      commits.push(next);
    },
    stopping: () => false,
    nextUnitId: () => ++id,
    maxMessages: 10,
    maxUnitBytes: 1 << 20,
    logger: silentLogger,
    now: () => 0,
    ...overrides,
  };
}

const batchOf = (count: number, lastOffset?: string) => {
  const messages = jsonMessages(1000, count);
  return { topic: 'scans', partition: 0, messages, lastOffset: lastOffset ?? messages[count - 1].offset };
};

describe('processBatch', () => {
  it('cuts units and commits only the contiguous acked prefix as units finish out of order', async () => {
    const units = new ManualUnits();
    const commits: string[] = [];
    const done = processBatch(batchOf(25), context(units, commits), new AbortController().signal);
    await flush();
    expect([...units.pending.keys()]).to.deep.equal([1, 2, 3]);
    units.ack(3);
    await flush();
    expect(commits).to.deep.equal([]);
    units.ack(1);
    await flush();
    expect(commits).to.deep.equal(['1010']);
    units.ack(2);
    const outcome = await done;
    expect(commits).to.deep.equal(['1010', '1025']);
    expect(outcome).to.include({ units: 3, started: 3, acked: 3, committedOffset: '1025' });
  });

  it('never commits past a failed unit and rethrows its error', async () => {
    const units = new ManualUnits();
    const commits: string[] = [];
    const done = processBatch(batchOf(30), context(units, commits), new AbortController().signal);
    await flush();
    units.ack(1);
    units.fail(2, new Error('ResourceNotFoundException'));
    units.ack(3);
    let caught: unknown;
    await done.catch((e) => (caught = e));
    expect((caught as Error).message).to.equal('ResourceNotFoundException');
    expect(commits).to.deep.equal(['1010']);
  });

  it('commits past trailing control records when the whole batch is acked', async () => {
    const units = new ManualUnits();
    const commits: string[] = [];
    const done = processBatch(batchOf(5, '1006'), context(units, commits), new AbortController().signal);
    await flush();
    units.ack(1);
    await done;
    expect(commits).to.deep.equal(['1007']);
  });

  it('abandons unfinished units on abort (rebalance) without committing them', async () => {
    const units = new ManualUnits();
    const commits: string[] = [];
    const abort = new AbortController();
    const done = processBatch(batchOf(20), context(units, commits), abort.signal);
    await flush();
    units.ack(1);
    await flush();
    abort.abort();
    let caught: unknown;
    await done.catch((e) => (caught = e));
    expect(caught).to.be.instanceOf(AbortedError);
    expect(commits).to.deep.equal(['1010']);
  });

  it('starts no new unit once stopping, and commits what finished', async () => {
    const units = new ManualUnits();
    const commits: string[] = [];
    let stopping = false;
    const gate = new CountingGate();
    let release!: () => void;
    gate.waitForRoom = () => new Promise<void>((r) => (release = r));
    const done = processBatch(batchOf(20), context(units, commits, { stopping: () => stopping, gate }), new AbortController().signal);
    await flush();
    expect(units.pending.size).to.equal(0);
    release();
    await flush();
    expect(units.pending.size).to.equal(1);
    stopping = true;
    release();
    units.ack(1);
    const outcome = await done;
    expect(outcome).to.include({ units: 2, started: 1, acked: 1, committedOffset: '1010' });
    expect(commits).to.deep.equal(['1010']);
  });

  it('releases every reserved in-flight byte, success or failure', async () => {
    const units = new ManualUnits();
    const gate = new CountingGate();
    const done = processBatch(batchOf(20), context(units, [], { gate }), new AbortController().signal);
    await flush();
    expect(gate.inFlight).to.be.greaterThan(0);
    units.ack(1);
    units.fail(2, new Error('x'));
    await done.catch(() => undefined);
    expect(gate.inFlight).to.equal(0);
  });

  describe('rate admission (size-class preset)', () => {
    it('a partial admission splits the unit: the remainder runs as its own unit and commits stay contiguous', async () => {
      const units = new ManualUnits();
      const commits: string[] = [];
      const answers = [4, 6, 10]; // first unit (10 msgs) gets 4, its remainder 6, the second unit 10
      const admitted: number[] = [];
      const done = processBatch(
        batchOf(20, '1021'), // two trailing control records
        context(units, commits, {
          admit: async (unit, _signal, remainder) => {
            admitted.push(remainder ? -unit.messages.length : unit.messages.length);
            return Math.min(unit.messages.length, answers.shift() ?? unit.messages.length);
          },
        }),
        new AbortController().signal,
      );
      await flush();
      const started = [...units.pending.values()].map((p) => [p.unit.id, p.unit.messages[0].offset, p.unit.messages.length]);
      expect(admitted).to.deep.equal([10, -6, 10]); // the 6 left of the first unit ask as a remainder
      expect(started).to.deep.equal([[1, '1000', 4], [3, '1004', 6], [2, '1010', 10]]); // the head keeps its id
      units.ack(3); // the remainder first: nothing committable before the head
      await flush();
      expect(commits).to.deep.equal([]);
      units.ack(1);
      await flush();
      expect(commits).to.deep.equal(['1010']);
      units.ack(2);
      const outcome = await done;
      expect(commits).to.deep.equal(['1010', '1022']); // past the control records
      expect(outcome).to.include({ units: 3, started: 3, acked: 3 });
    });

    it('a wait for tokens aborted by a rebalance starts nothing more and commits nothing for it', async () => {
      const units = new ManualUnits();
      const commits: string[] = [];
      const rebalance = new AbortController();
      let calls = 0;
      const done = processBatch(
        batchOf(20),
        context(units, commits, {
          admit: (unit) => {
            calls += 1;
            if (calls === 1) return Promise.resolve(unit.messages.length);
            return new Promise((_resolve, reject) => rebalance.signal.addEventListener('abort', () => reject(new AbortedError('rebalance'))));
          },
        }),
        new AbortController().signal,
      );
      await flush();
      expect(units.pending.size).to.equal(1);
      rebalance.abort();
      await flush();
      units.ack([...units.pending.keys()][0]);
      const outcome = await done;
      expect(outcome).to.include({ started: 1, acked: 1 });
      expect(commits).to.deep.equal(['1010']);
    });

    it('counts the batch into the backlog on arrival and out as each unit starts (a split head at once)', async () => {
      const units = new ManualUnits();
      const backlog = new RateBacklog();
      const seen: number[] = [];
      let release!: () => void;
      const second = new Promise<void>((r) => (release = r));
      let calls = 0;
      const done = processBatch(
        batchOf(20),
        context(units, [], {
          backlog,
          admit: async (unit) => {
            calls += 1;
            seen.push(backlog.messages);
            if (calls === 2) await second; // the remainder waits for tokens
            return calls === 1 ? 4 : unit.messages.length;
          },
        }),
        new AbortController().signal,
      );
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
      for (const id of [...units.pending.keys()]) units.ack(id);
      await done;
      expect(backlog.messages).to.equal(0);
    });

    it('a batch that stops starting units (abort while waiting for tokens) takes the rest out of the backlog', async () => {
      const units = new ManualUnits();
      const backlog = new RateBacklog();
      const abort = new AbortController();
      const done = processBatch(
        batchOf(20),
        context(units, [], {
          backlog,
          admit: (unit, signal) => (unit.id === 1 ? Promise.resolve(unit.messages.length) : new Promise((_r, reject) => signal.addEventListener('abort', () => reject(new AbortedError('stop'))))),
        }),
        abort.signal,
      );
      await flush();
      expect(backlog.messages).to.equal(10);
      abort.abort();
      await done.catch(() => undefined);
      expect(backlog.messages).to.equal(0);
    });
  });
});
