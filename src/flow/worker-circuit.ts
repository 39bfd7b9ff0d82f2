/**
 * The worker circuit (issue 6 F3): "the worker is broken" stops consumption
 * instead of dead-lettering the stream.
 *
 * "Broken" is either of: every isolated single of a unit failed in the worker
 * (src/kafka/unit-runner.ts), or the share of recent messages that failed in
 * the worker passed the threshold (./failure-window.ts). Then:
 *
 *   closed ──broken──▶ open ──probeIntervalMs──▶ half-open ──trial: the worker works──▶ closed
 *                       ▲                            │
 *                       └──── trial: the worker is broken ┘
 *
 *  - open: units that need the worker wait in `admit` (abortable: rebalance,
 *    terminate); nothing is dead-lettered or committed. The composition root
 *    holds DOWNSTREAM_ERROR while the circuit is open, so fetching pauses.
 *  - half-open: ONE unit is let through as the trial (`admit` answers 'trial');
 *    the others keep waiting. Fetching resumes while half-open, so that a
 *    trial exists even when a rebalance abandoned every waiting unit (the F1
 *    lesson: a pause that only work in flight can lift never lifts once that
 *    work is gone). The trial's unit judges it (src/kafka/unit-runner.ts: a
 *    task succeeded, or after a message failed alone the canary did; issue
 *    13, defect 5): 'worked' closes the circuit (and clears the failure
 *    window); 'failed' re-opens it; an abandoned trial hands the turn to the
 *    next unit.
 * Time comes from the injected clock (tested with a fake one).
 */
import type { Clock } from '../clock';
import { abortedError } from './abort';
import { Circuit } from './circuit';
import { FailureWindow, type FailureWindowOptions } from './failure-window';

export type Admission = 'closed' | 'trial';

export interface WorkerCircuitOptions {
  readonly clock: Clock;
  /** How long the circuit stays open before the next trial (pool.brokenProbeIntervalMs). */
  readonly probeIntervalMs: number;
  readonly window: FailureWindowOptions;
}

export class WorkerCircuit {
  readonly circuit: Circuit;
  private readonly window: FailureWindow;
  private trialTaken = false;
  private timer: AbortController | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly opts: WorkerCircuitOptions) {
    if (!(opts.probeIntervalMs > 0)) throw new RangeError(`worker circuit probeIntervalMs must be > 0, got ${opts.probeIntervalMs}`);
    this.circuit = new Circuit('worker', opts.clock);
    this.window = new FailureWindow(opts.window);
    this.circuit.onChange(() => this.wake());
  }

  get state(): Circuit['state'] {
    return this.circuit.state;
  }

  /** Worker outcomes of `ok` messages encoded and `failed` messages that failed alone (POOL_BUSY and aborts are not outcomes). Opens the circuit when the failure rate trips. */
  messagesEnded(ok: number, failed: number): void {
    for (let i = 0; i < ok; i++) this.window.record(true);
    for (let i = 0; i < failed; i++) this.window.record(false);
    if (failed > 0 && this.window.tripped && this.circuit.state === 'closed') this.open(`failure rate: ${this.window.describe()}`);
  }

  /** The worker is broken (every isolated single of a unit failed): open (already open: keep its reason and its timer). */
  broken(reason: string): void {
    if (this.circuit.state === 'open') return;
    this.open(reason);
  }

  /**
   * Resolves 'closed' when the worker may be used, 'trial' when this caller is
   * the half-open trial (it must call `trialEnded`); rejects with an
   * AbortedError when `signal` aborts first.
   */
  async admit(signal: AbortSignal): Promise<Admission> {
    for (;;) {
      if (signal.aborted) throw abortedError(signal);
      if (this.circuit.state === 'closed') return 'closed';
      if (this.circuit.state === 'half-open' && !this.trialTaken) {
        this.trialTaken = true;
        return 'trial';
      }
      await this.changed(signal);
    }
  }

  /** The trial's outcome: `worked` = it showed the worker works (see the unit runner); 'abandoned' = aborted before it could tell. */
  trialEnded(outcome: 'worked' | 'failed' | 'abandoned', reason?: string): void {
    this.trialTaken = false;
    if (this.circuit.state !== 'half-open') return;
    if (outcome === 'worked') {
      this.window.reset();
      this.circuit.close();
    } else if (outcome === 'failed') {
      this.open(`trial failed: ${reason ?? this.circuit.snapshot().reason ?? 'worker task failed'}`);
    } else {
      this.wake(); // the next waiting (or next fetched) unit takes the trial
    }
  }

  /** Cancels the pending half-open timer (shutdown). */
  stop(): void {
    this.timer?.abort();
    this.timer = undefined;
  }

  private open(reason: string): void {
    this.circuit.open(reason);
    this.stop();
    const timer = new AbortController();
    this.timer = timer;
    this.opts.clock.sleep(this.opts.probeIntervalMs, timer.signal).then(
      () => {
        if (this.timer === timer) this.timer = undefined;
        this.circuit.halfOpen();
      },
      () => undefined,
    );
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  private changed(signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        this.waiters.delete(done);
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        this.waiters.delete(done);
        reject(abortedError(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(done);
    });
  }
}
