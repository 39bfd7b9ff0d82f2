/**
 * Whether Firehose is "out": a whole request failed with a retriable error and
 * none has been answered since. The supervisor pauses fetching while it is set
 * (DESIGN invariant 5); the dispatcher keeps retrying the work in flight.
 */
export interface OutageSignal {
  readonly active: boolean;
  /** Called whenever `active` may have changed. */
  onChange(listener: () => void): void;
}

/** A plain outage flag: set on a failed (retriable) request, cleared on the next answered one. */
export class OutageFlag implements OutageSignal {
  private on = false;
  private readonly listeners: Array<() => void> = [];
  get active(): boolean {
    return this.on;
  }
  set(active: boolean): void {
    if (active === this.on) return;
    this.on = active;
    this.listeners.forEach((l) => l());
  }
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }
}
