/**
 * The delivery ledger of one benchmark run: every message of the data set
 * has the id `<prefix>-<i>`; the ledger counts how often each i arrived, so
 * the set check (lost / duplicated / unexpected — a duplicate can hide a
 * loss, so all three, every time) is exact and cheap for 10,000 messages.
 * It also keeps each message's end-to-end latency (Kafka timestamp → the
 * acknowledgement that carried it), first delivery only.
 */
export interface SetCheckFigures {
  expected: number;
  delivered: number;
  lost: number;
  duplicated: number;
  unexpected: number;
  /** A few of the lost and duplicated ids, for the report. */
  examples: string[];
}

const ID_HEAD = /^\{"id":"([^"]+)"/;

export class Ledger {
  private readonly counts: Uint16Array;
  private readonly latencies: number[] = [];
  private unexpected = 0;
  private delivered = 0;

  /** `timestamps[i]`: the Kafka timestamp (ms) of message i. */
  constructor(
    private readonly prefix: string,
    private readonly timestamps: Float64Array,
  ) {
    this.counts = new Uint16Array(timestamps.length);
  }

  /** One delivered message (its raw JSON). Reads only the id at its head. */
  deliver(message: Buffer, ackMs: number): void {
    this.delivered++;
    const m = ID_HEAD.exec(message.subarray(0, 96).toString('latin1'));
    const i = m && m[1].startsWith(`${this.prefix}-`) ? Number(m[1].slice(this.prefix.length + 1)) : -1;
    if (!Number.isInteger(i) || i < 0 || i >= this.counts.length) {
      this.unexpected++;
      return;
    }
    if (this.counts[i] === 0) this.latencies.push(ackMs - this.timestamps[i]);
    if (this.counts[i] < 0xffff) this.counts[i]++;
  }

  /** Delivered ids from another source (the emulator's S3 objects). */
  deliverId(id: string): void {
    this.deliver(Buffer.from(`{"id":${JSON.stringify(id)}`), Number.NaN);
  }

  check(): SetCheckFigures {
    let lost = 0;
    let duplicated = 0;
    const examples: string[] = [];
    this.counts.forEach((c, i) => {
      if (c === 1) return;
      if (c === 0) lost++;
      else duplicated++;
      if (examples.length < 5) examples.push(`${this.prefix}-${i}×${c}`);
    });
    return { expected: this.counts.length, delivered: this.delivered, lost, duplicated, unexpected: this.unexpected, examples };
  }

  /** Latencies in ms (first deliveries), unsorted; NaN-free. */
  latencyMs(): number[] {
    return this.latencies.filter((x) => Number.isFinite(x));
  }
}
