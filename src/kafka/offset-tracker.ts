/**
 * Per-partition offset tracker (DESIGN invariant 1: no loss).
 *
 * A partition's fetched batches are cut into units that complete out of order
 * (src/kafka/partition-lane.ts). The tracker answers one question: up to which offset is *everything* acknowledged
 * (by Firehose or by the dead-letter topic)? Only that contiguous acked prefix is
 * ever resolved and committed; a unit acked early waits behind a slower one.
 *
 * Offsets are kafkajs strings (int64); BigInt keeps them exact.
 */
export type UnitState = 'pending' | 'acked' | 'failed';

interface TrackedUnit {
  readonly id: number;
  readonly firstOffset: bigint;
  readonly lastOffset: bigint;
  state: UnitState;
}

export class OffsetTracker {
  private readonly units: TrackedUnit[] = [];
  /** Index of the first unit not yet reported as committable. */
  private cursor = 0;
  private committed: bigint | null = null;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  /** Units must be registered in offset order, without overlap. */
  register(id: number, firstOffset: string, lastOffset: string): void {
    const first = BigInt(firstOffset);
    const last = BigInt(lastOffset);
    if (last < first) throw new RangeError(`unit ${id}: lastOffset ${lastOffset} < firstOffset ${firstOffset}`);
    const prev = this.units[this.units.length - 1];
    if (prev && first <= prev.lastOffset) {
      throw new RangeError(`unit ${id}: offset ${firstOffset} not after previous unit's last offset ${prev.lastOffset}`);
    }
    this.units.push({ id, firstOffset: first, lastOffset: last, state: 'pending' });
  }

  /**
   * Splits a pending unit in two (the rate limiter admitted only its front):
   * `id` keeps [first, headLast], `tailId` takes [tailFirst, last].
   */
  split(id: number, headLastOffset: string, tailId: number, tailFirstOffset: string): void {
    const index = this.units.findIndex((u) => u.id === id);
    const unit = this.units[index];
    if (!unit) throw new RangeError(`unknown unit ${id} on ${this.topic}[${this.partition}]`);
    if (unit.state !== 'pending') throw new RangeError(`unit ${id} is ${unit.state}; only a pending unit can be split`);
    const headLast = BigInt(headLastOffset);
    const tailFirst = BigInt(tailFirstOffset);
    if (!(unit.firstOffset <= headLast && headLast < tailFirst && tailFirst <= unit.lastOffset)) {
      throw new RangeError(`unit ${id} [${unit.firstOffset}, ${unit.lastOffset}]: cannot split at ${headLastOffset} | ${tailFirstOffset}`);
    }
    this.units.splice(
      index,
      1,
      { id, firstOffset: unit.firstOffset, lastOffset: headLast, state: 'pending' },
      { id: tailId, firstOffset: tailFirst, lastOffset: unit.lastOffset, state: 'pending' },
    );
  }

  ack(id: number): void {
    this.find(id).state = 'acked';
  }

  /** A failed unit blocks the prefix for good: nothing at or after it is committed. */
  fail(id: number): void {
    this.find(id).state = 'failed';
  }

  /**
   * The offset to commit (last acked offset + 1, Kafka's "next to read"), or null
   * when the contiguous acked prefix has not moved since the last call.
   */
  takeCommittable(): string | null {
    let next: bigint | null = null;
    while (this.cursor < this.units.length && this.units[this.cursor].state === 'acked') {
      next = this.units[this.cursor].lastOffset + 1n;
      this.cursor += 1;
    }
    if (next === null) return null;
    this.committed = next;
    // A lane lives as long as its partition is assigned: forget the committed units.
    this.units.splice(0, this.cursor);
    this.cursor = 0;
    return next.toString();
  }

  /** Offset committed so far through this tracker (next to read), or null. */
  get committedOffset(): string | null {
    return this.committed === null ? null : this.committed.toString();
  }

  /** Last offset of the contiguous acked prefix, or null when the first unit is not acked. */
  get resolvedThrough(): string | null {
    return this.committed === null ? null : (this.committed - 1n).toString();
  }

  get pendingUnits(): number {
    return this.units.filter((u) => u.state === 'pending').length;
  }

  get allAcked(): boolean {
    return this.units.every((u) => u.state === 'acked');
  }

  private find(id: number): TrackedUnit {
    const unit = this.units.find((u) => u.id === id);
    if (!unit) throw new RangeError(`unknown unit ${id} on ${this.topic}[${this.partition}]`);
    return unit;
  }
}
