/**
 * The process-wide "rebalancing" signal (review finding F4).
 *
 * kafkajs tells a member about a rebalance only through the heartbeat or commit of
 * a batch in progress (REBALANCE_IN_PROGRESS and friends); its REBALANCING event
 * fires only after the fetch round has settled. Meanwhile every batch of that
 * fetch round still runs: kafkajs's worker queue keeps handing the batches it
 * already fetched to eachBatch until all of them settle
 * (kafkajs 2.2.4 src/consumer/workerQueue.js: Promise.allSettled over the round).
 * Each of those batches would find out on its own, one heartbeat later, and then
 * wait out the rebalance drain — with units parked in the rate limiter that is
 * the full drain deadline (25 s) per batch, one after another.
 *
 * So the first batch that learns of the rebalance trips this signal: every batch
 * in progress starts its drain at once, waits in the rate limiters are abandoned
 * (nothing was sent for them), and batches handed over after that return without
 * starting a unit. GROUP_JOIN (the new generation) re-arms it.
 */
export class RebalanceSignal {
  private controller = new AbortController();
  private cause: unknown;
  private readonly listeners: Array<(cause: unknown) => void> = [];

  /** Aborted while a rebalance is in progress; a fresh signal after `rearm`. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get tripped(): boolean {
    return this.controller.signal.aborted;
  }

  /** The error that tripped it (the kafkajs protocol error), for rethrowing to kafkajs. */
  get reason(): unknown {
    return this.cause;
  }

  /** A rebalance has started; idempotent until `rearm`. */
  trip(cause: unknown): void {
    if (this.tripped) return;
    this.cause = cause;
    this.controller.abort(cause);
    for (const listener of [...this.listeners]) listener(cause);
  }

  /** The member joined a new generation. */
  rearm(): void {
    if (!this.tripped) return;
    this.controller = new AbortController();
    this.cause = undefined;
  }

  /** Called on every trip; returns the unsubscribe function. */
  onTrip(listener: (cause: unknown) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }
}
