/**
 * Whether Firehose is pushing back, as two flags the pause control turns into
 * reasons (src/flow/pause-control.ts):
 *
 *  - bufferFull (BUFFER_FULL): a request or a record was throttled
 *    (ServiceUnavailableException: "buffer full"). Cleared by an answer without
 *    throttling once `quietMs` have passed since the last throttle (hysteresis:
 *    a 10 % per-record throttle does not flap pause/resume on every request).
 *  - network (NETWORK): `threshold` whole requests in a row failed with a
 *    transient error (5xx, timeout, reset, unknown). Cleared by any answer.
 *
 * Answers to real requests clear them (and `nothingToSend`). F1 — when a rebalance aborted the
 * work in flight, nothing is sent any more: the idle probe (src/flow/prober.ts,
 * wired in src/wiring/firehose-probes.ts) then lets one batch through (src/kafka/trial-fetch.ts)
 * whose requests are those answers. (A DescribeDeliveryStream answer used to
 * clear them; it answers through a PutRecordBatch outage, so every probe
 * resumed fetching only for the next requests to fail: NETWORK flapped.)
 */
export interface OutageSignal {
  readonly bufferFull: boolean;
  readonly network: boolean;
  /** Either flag. */
  readonly active: boolean;
  onChange(listener: () => void): void;
}

export interface OutageOptions {
  /** Whole-request transient failures in a row before `network` is set (default 3: the fast retries). */
  readonly threshold?: number;
  /** Quiet time after the last throttle before an answer clears `bufferFull` (default 0). */
  readonly quietMs?: number;
}

export class OutageFlag implements OutageSignal {
  private failuresInARow = 0;
  private full = false;
  private net = false;
  private lastThrottleAt = -Infinity;
  private readonly threshold: number;
  private readonly quietMs: number;
  private readonly listeners: Array<() => void> = [];

  constructor(
    private readonly clock: { now(): number },
    options: OutageOptions = {},
  ) {
    this.threshold = options.threshold ?? 3;
    this.quietMs = options.quietMs ?? 0;
    if (!Number.isInteger(this.threshold) || this.threshold < 1) throw new RangeError(`threshold must be a positive integer, got ${this.threshold}`);
    if (!(this.quietMs >= 0)) throw new RangeError(`quietMs must be >= 0, got ${this.quietMs}`);
  }

  /**
   * Whether the idle probe should ask Firehose (F1): an outage flag holds, nothing
   * is in flight whose requests would clear it, and the Firehose circuit (whose own
   * half-open probe runs instead) is closed.
   */
  idleProbeDue(nothingInFlight: boolean, circuitClosed: boolean): boolean {
    return this.active && nothingInFlight && circuitClosed;
  }

  get bufferFull(): boolean {
    return this.full;
  }

  get network(): boolean {
    return this.net;
  }

  get active(): boolean {
    return this.full || this.net;
  }

  /** Clock ms of the last throttle seen, or undefined. */
  get lastThrottleAtMs(): number | undefined {
    return Number.isFinite(this.lastThrottleAt) ? this.lastThrottleAt : undefined;
  }

  /** A request or some of its records were throttled. */
  throttled(): void {
    this.lastThrottleAt = this.clock.now();
    this.update(true, this.net);
  }

  /** A request failed as a whole with a transient (not throttling) error. */
  requestFailed(): void {
    this.failuresInARow += 1;
    this.update(this.full, this.net || this.failuresInARow >= this.threshold);
  }

  /** A request was answered (even with per-record failures): Firehose is there. */
  requestAnswered(): void {
    this.failuresInARow = 0;
    const quiet = this.clock.now() - this.lastThrottleAt >= this.quietMs;
    this.update(this.full && !quiet, false);
  }

  /**
   * The idle probe answered and there is nothing to send (every assigned
   * partition was tried without a batch, src/kafka/trial-fetch.ts): clear both;
   * the next real request detects a lasting outage again.
   */
  nothingToSend(): void {
    this.failuresInARow = 0;
    this.update(false, false);
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  private update(full: boolean, net: boolean): void {
    if (full === this.full && net === this.net) return;
    this.full = full;
    this.net = net;
    this.listeners.forEach((l) => l());
  }
}
