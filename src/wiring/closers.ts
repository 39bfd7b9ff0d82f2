/**
 * What a stopping service stops and closes, in one order: timers and probes
 * first, then the clients in the reverse order they were opened, the admin API
 * last (probes keep answering while the consumer drains). Runs once.
 */
export class Closers {
  private readonly stops: Array<() => unknown> = [];
  private readonly closes: Array<() => unknown> = [];
  private last: (() => unknown) | undefined;
  private ran = false;

  constructor(...stops: Array<() => unknown>) {
    this.stops.push(...stops);
  }

  /** A timer or probe loop to stop. */
  stop(fn: () => unknown): void {
    this.stops.push(fn);
  }

  /** A client to close (the later opened, the earlier closed). */
  close(fn: () => unknown): void {
    this.closes.push(fn);
  }

  /** Closed after everything else. */
  closeLast(fn: () => unknown): void {
    this.last = fn;
  }

  async run(): Promise<void> {
    if (this.ran) return;
    this.ran = true;
    for (const fn of this.stops) await fn();
    for (const fn of [...this.closes].reverse()) await fn();
    await this.last?.();
  }
}
