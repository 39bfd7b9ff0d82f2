/**
 * Fetched work in hand: messages kafkajs has handed to the batch handlers that
 * have not yet started as a unit (that is, not yet passed the rate admission).
 *
 * Why the rate pause needs it (src/flow/rate-pause.ts, `work-exhausted`): the
 * pause stops *fetching*, but kafkajs fetches the next round only after every
 * handler of this round has returned (kafkajs/src/consumer/fetcher.js: "fetches
 * data ..., waits for workerQueue to drain and repeats"). Once the backlog is
 * empty, a pause still in force stops nothing but the consumer itself.
 *
 * Pure counting; `onEmpty` listeners run synchronously when the count drops to 0.
 */
export class RateBacklog {
  private count = 0;
  private readonly listeners: Array<() => void> = [];

  /** Messages in hand now. */
  get messages(): number {
    return this.count;
  }

  /** A batch of `n` messages was handed over. */
  fetched(n: number): void {
    assertCount(n);
    this.count += n;
  }

  /** `n` of them left the backlog: started as a unit, or abandoned with their batch. */
  settled(n: number): void {
    assertCount(n);
    if (n > this.count) throw new RangeError(`settled(${n}) exceeds the ${this.count} messages in hand`);
    this.count -= n;
    if (n > 0 && this.count === 0) for (const l of this.listeners) l();
  }

  onEmpty(listener: () => void): void {
    this.listeners.push(listener);
  }
}

function assertCount(n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`message count must be an integer >= 0, got ${n}`);
}
