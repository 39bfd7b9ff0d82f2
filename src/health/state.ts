/**
 * Health indicators as a pure class: the supervisor reports what happened, the
 * admin app asks `liveness(now)` / `readiness(now)`. No timers, no I/O; the clock
 * is injected so the stall rule is tested exactly.
 *
 * Kubernetes semantics (https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/):
 * a failing liveness probe restarts the container, a failing readiness probe only
 * takes the pod out of Service endpoints. This consumer serves no traffic, so
 * readiness mostly documents state (and gates rollouts); liveness must fail only
 * for what a restart can fix.
 *
 * LIVENESS RULE. Alive unless either
 *   1. a fatal, non-recoverable state was reported (kafkajs CRASH with
 *      restart=false, a non-retriable Firehose stream error such as a missing
 *      stream or denied access, any other `fatal(err)`); or
 *   2. work is pending (in-flight units > 0) and nothing has moved for longer
 *      than `stallTimeoutMs` (default 120 s). "Moved" means: a unit completed,
 *      the consumer fetched while idle, or a Firehose call returned (with any
 *      outcome). A Firehose outage is therefore NOT a stall: the dispatcher keeps
 *      retrying and each failed call is evidence the process is alive; a restart
 *      would not cure the outage and would cost a rebalance. Backoff delays must
 *      stay below `stallTimeoutMs` for this to hold.
 * A blocked event loop needs no rule here: the probe itself then times out.
 *
 *   A circuit that is not closed (src/flow/circuit.ts) is not a stall either:
 *   the work waits on purpose and the probe is the movement. A scheduled retry
 *   counts as movement until it is due (graduated waits reach 5 min).
 *
 * READINESS RULE. Ready only when Kafka is connected, the group is joined, the
 * process is not shutting down, no fatal error was reported and every circuit
 * is closed (a missing stream, denied access: readiness down, liveness up).
 */
import type { Clock } from '../clock';
import { AppError } from '../errors';
import type { CircuitSnapshot } from '../flow/circuit';

export const DEFAULT_STALL_TIMEOUT_MS = 120_000;

export interface HealthOptions {
  /** Pending work with no movement for longer than this fails liveness. */
  stallTimeoutMs?: number;
}

export interface CheckResult {
  ok: boolean;
  detail: string;
}

export interface HealthReport {
  ok: boolean;
  checks: Record<string, CheckResult>;
}

export interface FatalInfo {
  code: string;
  message: string;
}

/** A plain copy of every indicator, for /admin/status and tests. */
export interface HealthSnapshot {
  kafkaConnected: boolean;
  groupJoined: boolean;
  /** Clock milliseconds; null before the first progress. */
  lastProgressAt: number | null;
  lastFirehoseAt: number | null;
  /** null until the first Firehose call returns. */
  firehoseOk: boolean | null;
  inflightUnits: number;
  shuttingDown: boolean;
  fatalError: FatalInfo | null;
  /** Circuits reported so far, by name. */
  circuits: CircuitSnapshot[];
}

function fatalInfo(err: unknown): FatalInfo {
  if (err instanceof AppError) return { code: err.code, message: err.message };
  if (err instanceof Error) return { code: err.name, message: err.message };
  return { code: 'FATAL', message: String(err) };
}

export class HealthState {
  private readonly stallTimeoutMs: number;
  private kafkaConnected = false;
  private groupJoined = false;
  private lastProgressAt: number | null = null;
  private lastFirehoseAt: number | null = null;
  private firehoseOk: boolean | null = null;
  private inflightUnits = 0;
  private shuttingDown = false;
  private fatalError: FatalInfo | null = null;
  /** Start of the current pending-work period, so a stall is measured even before the first progress. */
  private pendingSince: number | null = null;
  /** A retry is scheduled until then: waiting for it is movement, not a stall. */
  private retryDueAt = -Infinity;
  private readonly circuits = new Map<string, CircuitSnapshot>();

  constructor(
    private readonly clock: Clock,
    options: HealthOptions = {},
  ) {
    const stall = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
    if (!Number.isFinite(stall) || stall <= 0) {
      throw new RangeError(`stallTimeoutMs must be a positive number, got ${stall}`);
    }
    this.stallTimeoutMs = stall;
  }

  // ── reports from the Kafka side (kafkajs instrumentation events) ──────────

  /** consumer.events.CONNECT */
  consumerConnected(): void {
    this.kafkaConnected = true;
  }

  /** consumer.events.GROUP_JOIN: joining proves the connection too. */
  joinedGroup(): void {
    this.kafkaConnected = true;
    this.groupJoined = true;
    this.progress();
  }

  /** consumer.events.REBALANCING: the member is between generations. */
  rebalancing(): void {
    this.groupJoined = false;
  }

  /** consumer.events.DISCONNECT or STOP. */
  consumerDisconnected(): void {
    this.kafkaConnected = false;
    this.groupJoined = false;
  }

  /**
   * consumer.events.CRASH. With `restart` kafkajs reconnects on its own, so only
   * the connection indicators drop; without it the consumer is gone for good.
   */
  consumerCrashed(err: unknown, restart: boolean): void {
    this.consumerDisconnected();
    if (!restart) this.fatal(err);
  }

  /** A unit completed, or the consumer fetched while it had nothing pending. */
  progress(): void {
    this.lastProgressAt = this.clock.now();
  }

  /** Current number of units not yet acknowledged. */
  setInflightUnits(units: number): void {
    const next = Math.max(0, units);
    if (next > 0 && this.inflightUnits === 0) this.pendingSince = this.clock.now();
    if (next === 0) this.pendingSince = null;
    this.inflightUnits = next;
  }

  // ── reports from the Firehose side ─────────────────────────────────────────

  /** A PutRecordBatch call returned 200 (partial failures included: the stream works). */
  firehoseSucceeded(): void {
    this.firehoseOk = true;
    this.lastFirehoseAt = this.clock.now();
  }

  /**
   * A PutRecordBatch call failed as a whole: the stream is down for now. A
   * permanent cause (missing stream, access denied) arrives as a circuit
   * (`circuit`), not as a fatal error: a restart would not cure it.
   */
  firehoseFailed(_err: unknown): void {
    this.firehoseOk = false;
    this.lastFirehoseAt = this.clock.now();
  }

  /** The dispatcher will try again in `delayMs`: until then, waiting is movement. */
  firehoseRetryScheduled(delayMs: number): void {
    this.retryDueAt = Math.max(this.retryDueAt, this.clock.now() + Math.max(0, delayMs));
  }

  /** A circuit changed state (src/flow/circuit.ts): readiness is down while any is not closed. */
  circuit(snapshot: CircuitSnapshot): void {
    this.circuits.set(snapshot.name, { ...snapshot });
  }

  // ── lifecycle ──────────────────────────────────────────────────────────────

  beginShutdown(): void {
    this.shuttingDown = true;
  }

  /** Records a non-recoverable state; the first cause is kept. */
  fatal(err: unknown): void {
    if (this.fatalError === null) this.fatalError = fatalInfo(err);
  }

  snapshot(): HealthSnapshot {
    return {
      kafkaConnected: this.kafkaConnected,
      groupJoined: this.groupJoined,
      lastProgressAt: this.lastProgressAt,
      lastFirehoseAt: this.lastFirehoseAt,
      firehoseOk: this.firehoseOk,
      inflightUnits: this.inflightUnits,
      shuttingDown: this.shuttingDown,
      fatalError: this.fatalError === null ? null : { ...this.fatalError },
      circuits: [...this.circuits.values()].map((c) => ({ ...c })),
    };
  }

  // ── probes ─────────────────────────────────────────────────────────────────

  liveness(now: number = this.clock.now()): HealthReport {
    return report({ fatal: this.fatalCheck(), progress: this.progressCheck(now) });
  }

  readiness(now: number = this.clock.now()): HealthReport {
    void now; // readiness has no time-based rule; the parameter keeps both probes alike
    return report({
      kafkaConnected: {
        ok: this.kafkaConnected,
        detail: this.kafkaConnected ? 'connected' : 'not connected to Kafka',
      },
      groupJoined: {
        ok: this.groupJoined,
        detail: this.groupJoined ? 'member of the consumer group' : 'not a member of the consumer group',
      },
      shuttingDown: {
        ok: !this.shuttingDown,
        detail: this.shuttingDown ? 'shutting down' : 'running',
      },
      fatal: this.fatalCheck(),
      circuits: this.circuitCheck(),
    });
  }

  private openCircuits(): CircuitSnapshot[] {
    return [...this.circuits.values()].filter((c) => c.state !== 'closed');
  }

  private circuitCheck(): CheckResult {
    const open = this.openCircuits();
    if (open.length === 0) return { ok: true, detail: 'all circuits closed' };
    return { ok: false, detail: open.map((c) => `${c.name} ${c.state}${c.reason ? `: ${c.reason}` : ''}`).join('; ') };
  }

  private fatalCheck(): CheckResult {
    const f = this.fatalError;
    return f === null ? { ok: true, detail: 'no fatal error' } : { ok: false, detail: `${f.code}: ${f.message}` };
  }

  private progressCheck(now: number): CheckResult {
    if (this.inflightUnits === 0 || this.pendingSince === null) {
      return { ok: true, detail: 'no pending work' };
    }
    const open = this.openCircuits();
    if (open.length > 0) return { ok: true, detail: `waiting for the ${open.map((c) => c.name).join(', ')} circuit` };
    const lastMove = Math.max(this.pendingSince, this.lastProgressAt ?? -Infinity, this.lastFirehoseAt ?? -Infinity, Math.min(now, this.retryDueAt));
    const idleMs = Math.max(0, now - lastMove);
    const pending = `${this.inflightUnits} unit(s) pending`;
    if (idleMs > this.stallTimeoutMs) {
      return { ok: false, detail: `stalled: ${pending}, nothing moved for ${Math.round(idleMs)} ms (limit ${this.stallTimeoutMs} ms)` };
    }
    return { ok: true, detail: `${pending}, last movement ${Math.round(idleMs)} ms ago` };
  }
}

function report(checks: Record<string, CheckResult>): HealthReport {
  return { ok: Object.values(checks).every((c) => c.ok), checks };
}
