/**
 * The worker failure rate over the most recent messages (issue 6 F3: "or the
 * worker failure rate passes a threshold").
 *
 * A ring of the last `size` outcomes, one per message the worker was asked
 * for: it succeeded (encoded in a unit or on its own) or it failed on its own
 * twice (a poison message). It is `tripped` when at least `minSamples`
 * outcomes are held and the share of failures among them is at least `ratio`.
 *
 * Why messages and not worker tasks: one poison message costs four failed
 * tasks (two attempts of its unit, two of itself alone) against one task per
 * good neighbour, so two poison messages in the first small units after
 * start-up would look like a broken worker. Counted per message, it takes as
 * many poison messages as good ones. Pure; POOL_BUSY and aborted tasks are not
 * outcomes and are never recorded.
 */
export interface FailureWindowOptions {
  /** Outcomes kept (the last N messages). */
  readonly size: number;
  /** Share of failures, 0 < ratio ≤ 1, at which the window trips. */
  readonly ratio: number;
  /** Fewer outcomes than this never trip (start-up, after a reset). */
  readonly minSamples: number;
}

export class FailureWindow {
  private readonly ring: boolean[] = [];
  private next = 0;
  private failed = 0;

  constructor(private readonly opts: FailureWindowOptions) {
    if (!Number.isInteger(opts.size) || opts.size < 1) throw new RangeError(`failure window size must be an integer ≥ 1, got ${opts.size}`);
    if (!(opts.ratio > 0 && opts.ratio <= 1)) throw new RangeError(`failure ratio must be in (0, 1], got ${opts.ratio}`);
    if (!Number.isInteger(opts.minSamples) || opts.minSamples < 1 || opts.minSamples > opts.size) {
      throw new RangeError(`failure window minSamples must be an integer in [1, size=${opts.size}], got ${opts.minSamples}`);
    }
  }

  /** Records one message's outcome (`true` = the worker encoded it). */
  record(ok: boolean): void {
    const failed = !ok;
    if (this.ring.length < this.opts.size) {
      this.ring.push(failed);
    } else {
      if (this.ring[this.next]) this.failed -= 1;
      this.ring[this.next] = failed;
      this.next = (this.next + 1) % this.opts.size;
    }
    if (failed) this.failed += 1;
  }

  get samples(): number {
    return this.ring.length;
  }

  get failures(): number {
    return this.failed;
  }

  get tripped(): boolean {
    return this.ring.length >= this.opts.minSamples && this.failed >= this.opts.ratio * this.ring.length;
  }

  /** Forgets every outcome (the worker was shown to work again). */
  reset(): void {
    this.ring.length = 0;
    this.next = 0;
    this.failed = 0;
  }

  /** e.g. "12 of the last 20 messages failed in the worker". */
  describe(): string {
    return `${this.failed} of the last ${this.ring.length} messages failed in the worker (threshold ${Math.round(this.opts.ratio * 100)} %)`;
  }
}
