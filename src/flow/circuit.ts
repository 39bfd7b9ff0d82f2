/**
 * Circuits (issue 6 §3, F3): `firehose` (the stream, its key or our
 * credentials are wrong: ResourceNotFound, AccessDenied, KMS), `kafka` (kafkajs
 * crashed, the coordinator is lost: ./coordinator-watch.ts) and `worker` (the
 * encode worker is broken: ./worker-circuit.ts). Wired in src/wiring/circuits.ts.
 *
 *   closed ──open(reason)──▶ open ──probe due──▶ half-open ──probe ok──▶ closed
 *                             ▲                      │
 *                             └──── probe failed ────┘
 *
 * Pure state with listeners; the probing loop is src/flow/prober.ts. Health
 * and metrics read `snapshot()`; they do not decide. Waiting deliveries park on
 * `whenClosed` and resend once the circuit closes, so nothing is dropped.
 */
import { abortedError } from './abort';

/** The three circuits (src/wiring/circuits.ts); also the metric label `circuit`. */
export type CircuitName = 'firehose' | 'kafka' | 'worker';
export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitSnapshot {
  readonly name: CircuitName;
  readonly state: CircuitState;
  /** Clock ms of the last transition (construction for a circuit never opened). */
  readonly sinceMs: number;
  /** Why it opened (kept through half-open); absent while closed. */
  readonly reason?: string;
}

export type CircuitListener = (now: CircuitSnapshot, before: CircuitSnapshot) => void;

export class Circuit {
  private current: CircuitSnapshot;
  private readonly listeners: CircuitListener[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly name: CircuitName,
    private readonly clock: { now(): number },
  ) {
    this.current = { name, state: 'closed', sinceMs: clock.now() };
  }

  get state(): CircuitState {
    return this.current.state;
  }

  snapshot(): CircuitSnapshot {
    return { ...this.current };
  }

  /** Opens (or keeps open, with the newer reason); from half-open it means the probe failed. */
  open(reason: string): void {
    if (this.current.state === 'open' && this.current.reason === reason) return;
    this.move('open', reason);
  }

  /** A probe is about to run. Only from open. */
  halfOpen(): void {
    if (this.current.state !== 'open') return;
    this.move('half-open', this.current.reason);
  }

  close(): void {
    if (this.current.state === 'closed') return;
    this.move('closed', undefined);
    for (const wake of [...this.waiters]) wake();
  }

  onChange(listener: CircuitListener): void {
    this.listeners.push(listener);
  }

  /** Resolves when the circuit is closed (now, or once it closes); rejects with an AbortedError if `signal` aborts first. */
  whenClosed(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortedError(signal));
    if (this.current.state === 'closed') return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        this.waiters.delete(done);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        this.waiters.delete(done);
        reject(abortedError(signal as AbortSignal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(done);
    });
  }

  private move(state: CircuitState, reason: string | undefined): void {
    const before = this.current;
    this.current = reason === undefined ? { name: this.name, state, sinceMs: this.clock.now() } : { name: this.name, state, sinceMs: this.clock.now(), reason };
    for (const l of this.listeners) l(this.snapshot(), before);
  }
}
