/**
 * Whether Firehose is "out": `threshold` whole requests in a row failed with a
 * retriable error (throttling, 5xx, timeouts) and none has been answered since.
 * The supervisor pauses fetching while it is set (DESIGN invariant 5); the
 * dispatcher keeps retrying the work in flight. The threshold keeps one
 * throttled request among successful ones from flapping pause/resume.
 */
export interface OutageSignal {
  readonly active: boolean;
  /** Called whenever `active` changes. */
  onChange(listener: () => void): void;
}

export class OutageFlag implements OutageSignal {
  private failuresInARow = 0;
  private on = false;
  private readonly listeners: Array<() => void> = [];

  constructor(private readonly threshold = 3) {
    if (!Number.isInteger(threshold) || threshold < 1) throw new RangeError(`threshold must be a positive integer, got ${threshold}`);
  }

  get active(): boolean {
    return this.on;
  }

  /** A request failed as a whole with a retriable error. */
  requestFailed(): void {
    this.failuresInARow += 1;
    if (this.failuresInARow >= this.threshold) this.set(true);
  }

  /** A request was answered (even with per-record failures): Firehose is there. */
  requestAnswered(): void {
    this.failuresInARow = 0;
    this.set(false);
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  private set(active: boolean): void {
    if (active === this.on) return;
    this.on = active;
    this.listeners.forEach((l) => l());
  }
}
