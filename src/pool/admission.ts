/**
 * The encode port's admission rule, shared by the worker pool (./pool.ts) and the
 * inline engine (./inline-encoder.ts): at most `capacity` tasks in flight
 * (POOL_BUSY, retriable, beyond it), none after close() began (POOL_CLOSED), and
 * a drain that waits for every accepted task to settle.
 */
import { AppError } from '../errors';

export class Admission {
  /** Accepted and not yet settled; updated before the caller sees the outcome. */
  private active = 0;
  private closing = false;
  /** Settled markers of accepted tasks, for drain(). */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly capacity: number) {}

  get inFlightCount(): number {
    return this.active;
  }

  /** Runs `start` if there is room; the returned promise settles after the count went down. */
  admit<T>(start: () => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new AppError('POOL_CLOSED', 'encode pool is closed', { retriable: false }));
    if (this.active >= this.capacity) {
      return Promise.reject(new AppError('POOL_BUSY', `encode pool is full (${this.active} tasks in flight)`, { retriable: true }));
    }
    this.active++;
    const task = start().finally(() => {
      this.active--;
    });
    const tracked = task.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.add(tracked);
    void tracked.then(() => this.inFlight.delete(tracked));
    return task;
  }

  /** Refuses new tasks from now on. */
  close(): void {
    this.closing = true;
  }

  /** Resolves once every task accepted so far has settled. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }
}
