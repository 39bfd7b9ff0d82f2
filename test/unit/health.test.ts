import { expect } from 'chai';
import type { Clock } from '../../src/clock';
import { AppError, FirehoseError } from '../../src/errors';
import { DEFAULT_STALL_TIMEOUT_MS, HealthState } from '../../src/health/state';

/** A clock whose time only moves when the test says so. */
function manualClock(start = 1_000): Clock & { advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    sleep: () => Promise.resolve(),
    advance(ms) {
      t += ms;
    },
  };
}

type Step = (h: HealthState, clock: ReturnType<typeof manualClock>) => void;

const connectAndJoin: Step = (h) => {
  h.consumerConnected();
  h.joinedGroup();
};

describe('HealthState readiness', () => {
  const table: Array<{ name: string; steps: Step[]; ok: boolean; failing: string[] }> = [
    { name: 'fresh state is not ready', steps: [], ok: false, failing: ['kafkaConnected', 'groupJoined'] },
    { name: 'connected but not joined', steps: [(h) => h.consumerConnected()], ok: false, failing: ['groupJoined'] },
    { name: 'connected and joined', steps: [connectAndJoin], ok: true, failing: [] },
    { name: 'GROUP_JOIN alone proves the connection', steps: [(h) => h.joinedGroup()], ok: true, failing: [] },
    {
      name: 'rebalancing leaves the group',
      steps: [connectAndJoin, (h) => h.rebalancing()],
      ok: false,
      failing: ['groupJoined'],
    },
    {
      name: 'disconnect clears both',
      steps: [connectAndJoin, (h) => h.consumerDisconnected()],
      ok: false,
      failing: ['kafkaConnected', 'groupJoined'],
    },
    {
      name: 'crash with restart clears connection, not fatal',
      steps: [connectAndJoin, (h) => h.consumerCrashed(new Error('broker gone'), true)],
      ok: false,
      failing: ['kafkaConnected', 'groupJoined'],
    },
    {
      name: 'crash without restart is fatal',
      steps: [connectAndJoin, (h) => h.consumerCrashed(new Error('broker gone'), false)],
      ok: false,
      failing: ['kafkaConnected', 'groupJoined', 'fatal'],
    },
    {
      name: 'rejoin after crash with restart is ready again',
      steps: [connectAndJoin, (h) => h.consumerCrashed(new Error('x'), true), connectAndJoin],
      ok: true,
      failing: [],
    },
    {
      name: 'shutting down is not ready',
      steps: [connectAndJoin, (h) => h.beginShutdown()],
      ok: false,
      failing: ['shuttingDown'],
    },
    {
      name: 'retriable Firehose failure does not affect readiness',
      steps: [connectAndJoin, (h) => h.firehoseFailed(new FirehoseError('THROTTLED', 'slow down', true))],
      ok: true,
      failing: [],
    },
    {
      name: 'a non-retriable Firehose failure is not fatal: its circuit decides',
      steps: [connectAndJoin, (h) => h.firehoseFailed(new FirehoseError('STREAM_NOT_FOUND', 'no stream', false))],
      ok: true,
      failing: [],
    },
    {
      name: 'an open Firehose circuit takes readiness down',
      steps: [connectAndJoin, (h) => h.circuit({ name: 'firehose', state: 'open', sinceMs: 0, reason: 'ResourceNotFoundException' })],
      ok: false,
      failing: ['circuits'],
    },
    {
      name: 'a half-open circuit is still not ready',
      steps: [connectAndJoin, (h) => h.circuit({ name: 'kafka', state: 'half-open', sinceMs: 0 })],
      ok: false,
      failing: ['circuits'],
    },
    {
      name: 'F3: an open worker circuit takes readiness down',
      steps: [connectAndJoin, (h) => h.circuit({ name: 'worker', state: 'open', sinceMs: 0, reason: 'every one of the 4 messages failed in the worker alone' })],
      ok: false,
      failing: ['circuits'],
    },
    {
      name: 'a circuit closed again is ready',
      steps: [connectAndJoin, (h) => h.circuit({ name: 'firehose', state: 'open', sinceMs: 0 }), (h) => h.circuit({ name: 'firehose', state: 'closed', sinceMs: 5 })],
      ok: true,
      failing: [],
    },
  ];

  for (const row of table) {
    it(row.name, () => {
      const clock = manualClock();
      const h = new HealthState(clock);
      for (const step of row.steps) step(h, clock);
      const r = h.readiness(clock.now());
      expect(r.ok).to.equal(row.ok);
      const failing = Object.entries(r.checks)
        .filter(([, c]) => !c.ok)
        .map(([n]) => n);
      expect(failing).to.have.members(row.failing);
      expect(Object.keys(r.checks)).to.have.members(['kafkaConnected', 'groupJoined', 'shuttingDown', 'fatal', 'circuits']);
    });
  }
});

describe('HealthState liveness', () => {
  const T = 10_000;
  const table: Array<{ name: string; steps: Step[]; ok: boolean; failing: string[] }> = [
    { name: 'fresh state is alive', steps: [], ok: true, failing: [] },
    {
      name: 'idle for a long time with nothing pending is alive',
      steps: [connectAndJoin, (_h, c) => c.advance(10 * T)],
      ok: true,
      failing: [],
    },
    {
      name: 'pending work within the limit is alive',
      steps: [connectAndJoin, (h) => h.setInflightUnits(2), (_h, c) => c.advance(T)],
      ok: true,
      failing: [],
    },
    {
      name: 'pending work with no movement past the limit is a stall',
      steps: [connectAndJoin, (h) => h.setInflightUnits(2), (_h, c) => c.advance(T + 1)],
      ok: false,
      failing: ['progress'],
    },
    {
      name: 'a scheduled retry longer than the limit is waiting, not a stall (graduated 5 min steps)',
      steps: [connectAndJoin, (h) => h.setInflightUnits(1), (h) => h.firehoseRetryScheduled(3 * T), (_h, c) => c.advance(3 * T)],
      ok: true,
      failing: [],
    },
    {
      name: 'past a scheduled retry by more than the limit is a stall again',
      steps: [connectAndJoin, (h) => h.setInflightUnits(1), (h) => h.firehoseRetryScheduled(T), (_h, c) => c.advance(2 * T + 1)],
      ok: false,
      failing: ['progress'],
    },
    {
      name: 'an open circuit is waiting on purpose: liveness stays up',
      steps: [connectAndJoin, (h) => h.setInflightUnits(1), (h) => h.circuit({ name: 'firehose', state: 'open', sinceMs: 0 }), (_h, c) => c.advance(10 * T)],
      ok: true,
      failing: [],
    },
    {
      name: 'F3: units waiting on the open worker circuit are not a stall: liveness stays up',
      steps: [connectAndJoin, (h) => h.setInflightUnits(1), (h) => h.circuit({ name: 'worker', state: 'open', sinceMs: 0 }), (_h, c) => c.advance(10 * T)],
      ok: true,
      failing: [],
    },
    {
      name: 'progress resets the stall timer',
      steps: [
        connectAndJoin,
        (h) => h.setInflightUnits(2),
        (_h, c) => c.advance(T - 1),
        (h) => h.progress(),
        (_h, c) => c.advance(T - 1),
      ],
      ok: true,
      failing: [],
    },
    {
      name: 'a Firehose outage with retries returning is not a stall',
      steps: [
        connectAndJoin,
        (h) => h.setInflightUnits(1),
        (_h, c) => c.advance(T - 1),
        (h) => h.firehoseFailed(new FirehoseError('SERVICE_UNAVAILABLE', '503', true)),
        (_h, c) => c.advance(T - 1),
        (h) => h.firehoseFailed(new FirehoseError('SERVICE_UNAVAILABLE', '503', true)),
        (_h, c) => c.advance(T - 1),
      ],
      ok: true,
      failing: [],
    },
    {
      name: 'old progress does not excuse a newly pending unit that never moves',
      steps: [
        connectAndJoin,
        (_h, c) => c.advance(5 * T),
        (h) => h.setInflightUnits(1),
        (_h, c) => c.advance(T + 1),
      ],
      ok: false,
      failing: ['progress'],
    },
    {
      name: 'draining to zero pending clears a stall',
      steps: [connectAndJoin, (h) => h.setInflightUnits(3), (_h, c) => c.advance(2 * T), (h) => h.setInflightUnits(0)],
      ok: true,
      failing: [],
    },
    {
      name: 'a fatal error fails liveness',
      steps: [(h) => h.fatal(new AppError('CONFIG_INVALID', 'bad'))],
      ok: false,
      failing: ['fatal'],
    },
    {
      name: 'shutting down stays alive (draining must not be killed)',
      steps: [connectAndJoin, (h) => h.beginShutdown(), (h) => h.setInflightUnits(1), (_h, c) => c.advance(T)],
      ok: true,
      failing: [],
    },
  ];

  for (const row of table) {
    it(row.name, () => {
      const clock = manualClock();
      const h = new HealthState(clock, { stallTimeoutMs: T });
      for (const step of row.steps) step(h, clock);
      const r = h.liveness(clock.now());
      expect(r.ok, JSON.stringify(r)).to.equal(row.ok);
      const failing = Object.entries(r.checks)
        .filter(([, c]) => !c.ok)
        .map(([n]) => n);
      expect(failing).to.have.members(row.failing);
    });
  }

  it('uses the injected clock when no time is passed', () => {
    const clock = manualClock();
    const h = new HealthState(clock, { stallTimeoutMs: T });
    h.setInflightUnits(1);
    clock.advance(T + 1);
    expect(h.liveness().ok).to.equal(false);
    expect(h.liveness().checks.progress.detail).to.match(/^stalled: 1 unit\(s\) pending/);
  });

  it('defaults stallTimeoutMs to 120 s', () => {
    expect(DEFAULT_STALL_TIMEOUT_MS).to.equal(120_000);
    const clock = manualClock();
    const h = new HealthState(clock);
    h.setInflightUnits(1);
    clock.advance(120_000);
    expect(h.liveness().ok).to.equal(true);
    clock.advance(1);
    expect(h.liveness().ok).to.equal(false);
  });

  for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
    it(`rejects stallTimeoutMs = ${bad}`, () => {
      expect(() => new HealthState(manualClock(), { stallTimeoutMs: bad })).to.throw(RangeError);
    });
  }
});

describe('HealthState snapshot and fatal', () => {
  it('keeps the first fatal cause', () => {
    const h = new HealthState(manualClock());
    h.fatal(new AppError('FIRST', 'root cause'));
    h.fatal(new AppError('SECOND', 'consequence'));
    expect(h.snapshot().fatalError).to.deep.equal({ code: 'FIRST', message: 'root cause' });
    expect(h.liveness().checks.fatal.detail).to.equal('FIRST: root cause');
  });

  it('reports every indicator', () => {
    const clock = manualClock(500);
    const h = new HealthState(clock);
    expect(h.snapshot()).to.deep.equal({
      kafkaConnected: false,
      groupJoined: false,
      lastProgressAt: null,
      lastFirehoseAt: null,
      firehoseOk: null,
      inflightUnits: 0,
      shuttingDown: false,
      fatalError: null,
      circuits: [],
    });
    h.joinedGroup();
    clock.advance(10);
    h.firehoseSucceeded();
    h.setInflightUnits(-5);
    expect(h.snapshot()).to.deep.include({
      kafkaConnected: true,
      groupJoined: true,
      lastProgressAt: 500,
      lastFirehoseAt: 510,
      firehoseOk: true,
      inflightUnits: 0,
    });
  });

  it('non-Error fatal values are described', () => {
    const h = new HealthState(manualClock());
    h.fatal('string reason');
    expect(h.snapshot().fatalError).to.deep.equal({ code: 'FATAL', message: 'string reason' });
  });
});
