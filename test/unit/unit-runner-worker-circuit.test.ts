/**
 * F3 with the worker circuit: a broken worker stops consumption (circuit open,
 * nothing dead-lettered or committed) and the waiting unit is delivered once
 * the worker works again; a genuine poison message is still dead-lettered.
 */
import { expect } from 'chai';
import { AbortedError, AppError } from '../../src/errors';
import { WorkerCircuit } from '../../src/flow/worker-circuit';
import type { Unit, UnitReport } from '../../src/kafka/unit-runner';
import type { UnitRequest, UnitResult } from '../../src/pipeline/wire';
import { FakeClock, flush } from '../support/fakes';
import { createTestRunner, InlinePool, jsonMessages, kafkaMessage } from '../support/kafka-fakes';

const PROBE_MS = 30_000;

function setup(opts: { window?: { size: number; ratio: number; minSamples: number }; exitOnBrokenWorker?: boolean; rebalance?: AbortController } = {}) {
  const clock = new FakeClock();
  const circuit = new WorkerCircuit({ clock, probeIntervalMs: PROBE_MS, window: opts.window ?? { size: 20, ratio: 0.5, minSamples: 10 } });
  const moves: string[] = [];
  circuit.circuit.onChange((now) => moves.push(`${now.state}@${clock.now()}`));
  let broken = true;
  const pool = new InlinePool((req) => broken || Buffer.from(req.values).includes('CRASH'));
  const { dispatcher, deadLetters, runner } = createTestRunner(pool, {
    workerCircuit: circuit,
    exitOnBrokenWorker: opts.exitOnBrokenWorker,
    rebalanceSignal: opts.rebalance ? () => opts.rebalance!.signal : undefined,
  });
  return { clock, circuit, moves, pool, dispatcher, deadLetters, runner, repair: () => (broken = false), breakAgain: () => (broken = true) };
}

const unitOf = (messages: Unit['messages'], id = 1): Unit => ({ id, topic: 'scans', partition: 3, messages });

/** Starts a unit; `settled()` tells whether it has finished. */
function start(run: Promise<UnitReport>) {
  let result: UnitReport | undefined;
  let error: unknown;
  const done = run.then(
    (r) => (result = r),
    (e: unknown) => (error = e),
  );
  return { done, settled: () => result !== undefined || error !== undefined, result: () => result, error: () => error };
}

describe('UnitRunner with the worker circuit (F3)', () => {
  it('every single of a unit fails: circuit open, nothing dead-lettered or delivered; the worker works again → the unit is delivered and the circuit closes', async () => {
    const { clock, circuit, moves, pool, dispatcher, deadLetters, runner, repair } = setup();
    const messages = jsonMessages(0, 4);
    const unit = start(runner.run(unitOf(messages), new AbortController().signal));
    await flush();
    expect(circuit.state).to.equal('open');
    expect(circuit.circuit.snapshot().reason).to.match(/^every one of the 4 messages of scans\[3\] from offset 0 failed in the worker alone/);
    expect(unit.settled(), 'the unit waits for the worker; it is not acked').to.equal(false);
    expect(deadLetters.letters, 'a broken worker must not flood the DLQ').to.have.length(0);
    expect(dispatcher.delivered).to.have.length(0);
    const tasksWhileOpen = pool.calls.length;
    expect(tasksWhileOpen, '2 unit attempts + 2 per single').to.equal(2 + 4 * 2);

    await clock.advance(PROBE_MS - 1);
    expect(pool.calls.length, 'no task while the circuit is open').to.equal(tasksWhileOpen);
    repair();
    await clock.advance(1);
    await unit.done;
    expect(unit.error()).to.equal(undefined);
    expect(dispatcher.delivered.map((r) => JSON.parse(r).id)).to.deep.equal(messages.map((m) => JSON.parse(m.value!.toString()).id));
    expect(deadLetters.letters).to.have.length(0);
    expect(unit.result()).to.include({ delivered: 4, deadLettered: 0 });
    expect(moves).to.deep.equal(['open@0', `half-open@${PROBE_MS}`, `closed@${PROBE_MS}`]);
  });

  it('a failed trial re-opens the circuit; the next one delivers', async () => {
    const { clock, circuit, moves, deadLetters, dispatcher, runner, repair } = setup();
    const unit = start(runner.run(unitOf(jsonMessages(0, 3)), new AbortController().signal));
    await flush();
    await clock.advance(PROBE_MS);
    expect(circuit.state, 'the trial failed: every task of it failed').to.equal('open');
    expect(circuit.circuit.snapshot().reason).to.match(/^trial failed: worker crashed/);
    repair();
    await clock.advance(PROBE_MS);
    await unit.done;
    expect(dispatcher.delivered).to.have.length(3);
    expect(deadLetters.letters).to.have.length(0);
    expect(moves).to.deep.equal(['open@0', 'half-open@30000', 'open@30000', 'half-open@60000', 'closed@60000']);
  });

  it('single-message units: the failure rate opens the circuit and holds the rest (only the messages before the threshold are dead-lettered)', async () => {
    const { circuit, deadLetters, runner } = setup({ window: { size: 4, ratio: 0.5, minSamples: 2 } });
    const first = await runner.run(unitOf([kafkaMessage(0, '{"id":"a"}')], 1), new AbortController().signal);
    expect(first.deadLettered, 'one failure is below the minimum sample: a poison message').to.equal(1);
    const second = start(runner.run(unitOf([kafkaMessage(1, '{"id":"b"}')], 2), new AbortController().signal));
    await flush();
    expect(circuit.state).to.equal('open');
    expect(circuit.circuit.snapshot().reason).to.equal('failure rate: 2 of the last 2 messages failed in the worker (threshold 50 %)');
    expect(second.settled()).to.equal(false);
    expect(deadLetters.letters.map((l) => l.offset)).to.deep.equal(['0']);
  });

  it('a genuine poison message among good ones is still dead-lettered (the circuit stays closed)', async () => {
    const { circuit, deadLetters, dispatcher, runner, repair } = setup();
    repair();
    const report = await runner.run(unitOf([kafkaMessage(0, '{"id":"a"}'), kafkaMessage(1, '{"id":"CRASH"}'), kafkaMessage(2, '{"id":"c"}')]), new AbortController().signal);
    expect(deadLetters.letters.map((l) => [l.offset, l.code])).to.deep.equal([['1', 'WORKER_CRASH']]);
    expect(dispatcher.delivered).to.have.length(2);
    expect(report).to.include({ delivered: 2, deadLettered: 1 });
    expect(circuit.state).to.equal('closed');
  });

  it('a trial that shows the worker works closes the circuit, then dead-letters the poison message it held', async () => {
    const { clock, circuit, deadLetters, dispatcher, runner, repair } = setup();
    const unit = start(runner.run(unitOf([kafkaMessage(0, '{"id":"CRASH"}'), kafkaMessage(1, '{"id":"b"}')]), new AbortController().signal));
    await flush();
    expect(circuit.state).to.equal('open');
    repair(); // the worker works now; message 0 is still poison
    await clock.advance(PROBE_MS);
    await unit.done;
    expect(circuit.state).to.equal('closed');
    expect(dispatcher.delivered.map((r) => JSON.parse(r).id)).to.deep.equal(['b']);
    expect(deadLetters.letters.map((l) => [l.offset, l.code])).to.deep.equal([['0', 'WORKER_CRASH']]);
  });

  describe('a run of poison messages in a trial (issue 13, defect 5)', () => {
    /** Fails every task while `broken`, and any task holding a CRASH message with a reason naming it. */
    class ReasonPool extends InlinePool {
      broken = false;
      constructor() {
        super();
      }
      override async run(req: UnitRequest): Promise<UnitResult> {
        const text = Buffer.from(req.values).toString('utf8');
        if (this.broken) {
          this.calls.push(req);
          throw new AppError('WORKER_FAILED', 'worker thread exited with code 1', { retriable: true });
        }
        const crash = /CRASH-\d+/.exec(text);
        if (crash) {
          this.calls.push(req);
          throw new AppError('WORKER_FAILED', `worker crashed on ${crash[0]}`, { retriable: true });
        }
        return super.run(req);
      }
    }

    function poisonSetup() {
      const clock = new FakeClock();
      const circuit = new WorkerCircuit({ clock, probeIntervalMs: PROBE_MS, window: { size: 20, ratio: 0.5, minSamples: 10 } });
      const moves: string[] = [];
      circuit.circuit.onChange((now) => moves.push(`${now.state}@${clock.now()}`));
      const pool = new ReasonPool();
      const { dispatcher, deadLetters, runner } = createTestRunner(pool, { workerCircuit: circuit });
      return { clock, circuit, moves, pool, dispatcher, deadLetters, runner };
    }

    // 12 crashing messages in a row (10 trip the failure window), then 3 good ones.
    const crashes = Array.from({ length: 12 }, (_, i) => kafkaMessage(i, `{"id":"CRASH-${i}"}`));
    const goods = jsonMessages(12, 3);

    it('the trial tells poison from a broken worker: the crashing messages are dead-lettered as WORKER_CRASH with their reasons, the good ones delivered, the circuit closes', async () => {
      const { clock, circuit, moves, dispatcher, deadLetters, runner } = poisonSetup();
      const unit = start(runner.run(unitOf([...crashes, ...goods]), new AbortController().signal));
      await flush();
      expect(circuit.state, 'ten crashing messages in a row trip the failure window').to.equal('open');
      for (let trial = 0; trial < 5 && !unit.settled(); trial++) await clock.advance(PROBE_MS);
      expect(unit.settled(), `the unit is still waiting; circuit ${moves.join(' ')}`).to.equal(true);
      expect(unit.error()).to.equal(undefined);
      expect(deadLetters.letters.map((l) => [l.offset, l.code, l.reason])).to.deep.equal(crashes.map((m, i) => [m.offset, 'WORKER_CRASH', `WORKER_FAILED: worker crashed on CRASH-${i}`]));
      expect(dispatcher.delivered.map((r) => JSON.parse(r).id)).to.deep.equal(['m-12', 'm-13', 'm-14']);
      expect(unit.result()).to.include({ delivered: 3, deadLettered: 12 });
      expect(circuit.state).to.equal('closed');
      expect(moves, 'one trial, no cycling').to.deep.equal(['open@0', `half-open@${PROBE_MS}`, `closed@${PROBE_MS}`]);
    });

    for (const count of [2, 12]) {
      it(`a unit whose ${count} messages are ALL poison (the circuit opens on it): the canary tells, all ${count} are dead-lettered and the circuit closes`, async () => {
        const { clock, circuit, moves, dispatcher, deadLetters, runner } = poisonSetup();
        const poison = crashes.slice(0, count);
        const unit = start(runner.run(unitOf(poison), new AbortController().signal));
        await flush();
        expect(circuit.state).to.equal('open');
        for (let trial = 0; trial < 5 && !unit.settled(); trial++) await clock.advance(PROBE_MS);
        expect(unit.settled(), `the unit is still waiting; circuit ${moves.join(' ')}`).to.equal(true);
        expect(deadLetters.letters.map((l) => [l.offset, l.code, l.reason])).to.deep.equal(poison.map((m, i) => [m.offset, 'WORKER_CRASH', `WORKER_FAILED: worker crashed on CRASH-${i}`]));
        expect(dispatcher.delivered).to.have.length(0);
        expect(moves).to.deep.equal(['open@0', `half-open@${PROBE_MS}`, `closed@${PROBE_MS}`]);
      });
    }

    it('a worker that fails every task, the canary included, still opens the circuit and dead-letters nothing; each trial costs a handful of tasks', async () => {
      const { clock, circuit, moves, pool, dispatcher, deadLetters, runner } = poisonSetup();
      pool.broken = true;
      const unit = start(runner.run(unitOf([...crashes, ...goods]), new AbortController().signal));
      await flush();
      expect(circuit.state).to.equal('open');
      const before = pool.calls.length;
      await clock.advance(PROBE_MS);
      expect(circuit.state, 'the trial failed').to.equal('open');
      expect(circuit.circuit.snapshot().reason).to.match(/^trial failed: .*worker thread exited with code 1/);
      expect(pool.calls.length - before, 'the unit twice, its first message twice, one canary').to.equal(5);
      await clock.advance(PROBE_MS * 2);
      expect(unit.settled()).to.equal(false);
      expect(deadLetters.letters, 'a broken worker must not flood the DLQ').to.have.length(0);
      expect(dispatcher.delivered).to.have.length(0);
      expect(moves).to.deep.equal(['open@0', 'half-open@30000', 'open@30000', 'half-open@60000', 'open@60000', 'half-open@90000', 'open@90000']);
      pool.broken = false;
      await clock.advance(PROBE_MS);
      await unit.done;
      expect(deadLetters.letters.map((l) => l.offset), 'once it works, the poison goes as poison').to.deep.equal(crashes.map((m) => m.offset));
      expect(dispatcher.delivered).to.have.length(3);
      expect(circuit.state).to.equal('closed');
    });
  });

  it('a unit waiting on the open circuit is abandoned at once when a rebalance starts (AbortedError, nothing dead-lettered)', async () => {
    const rebalance = new AbortController();
    const { deadLetters, runner } = setup({ rebalance });
    const unit = start(runner.run(unitOf(jsonMessages(0, 2)), new AbortController().signal));
    await flush();
    expect(unit.settled()).to.equal(false);
    rebalance.abort(new AbortedError('rebalance in progress'));
    await unit.done;
    expect(unit.error()).to.be.instanceOf(AbortedError);
    expect(deadLetters.letters).to.have.length(0);
  });

  it('pool.exitOnBrokenWorker: WORKER_BROKEN as before (exit 2), nothing dead-lettered', async () => {
    const { deadLetters, runner } = setup({ exitOnBrokenWorker: true });
    const err = await runner.run(unitOf(jsonMessages(0, 4)), new AbortController().signal).catch((e: unknown) => e);
    expect((err as AppError).code).to.equal('WORKER_BROKEN');
    expect(deadLetters.letters).to.have.length(0);
  });

  it('pool.exitOnBrokenWorker: the failure rate passing the threshold is WORKER_BROKEN too', async () => {
    const { deadLetters, runner } = setup({ exitOnBrokenWorker: true, window: { size: 4, ratio: 0.5, minSamples: 2 } });
    await runner.run(unitOf([kafkaMessage(0, '{"id":"a"}')], 1), new AbortController().signal);
    const err = await runner.run(unitOf([kafkaMessage(1, '{"id":"b"}')], 2), new AbortController().signal).catch((e: unknown) => e);
    expect((err as AppError).code).to.equal('WORKER_BROKEN');
    expect((err as AppError).message).to.match(/the worker failure rate passed the threshold at scans\[3\] from offset 1/);
    expect(deadLetters.letters.map((l) => l.offset), 'only the one before the threshold').to.deep.equal(['0']);
  });
});
