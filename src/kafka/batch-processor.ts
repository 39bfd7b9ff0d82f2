/**
 * One kafkajs batch of one partition, processed to the end.
 *
 *   batch ─▶ cut into units ─▶ (gate: in-flight bytes) ─▶ UnitRunner, concurrently
 *                                                           │ acked, out of order
 *   commit ◀── contiguous acked prefix ◀── OffsetTracker ◀──┘
 *
 * Units start in offset order and may finish in any order; after each ack the
 * contiguous acked prefix is resolved and committed (explicit offset, last + 1),
 * one commit at a time per partition. A unit that fails (abort, fatal Firehose
 * error) blocks the prefix: nothing at or after it is committed, so kafkajs
 * redelivers it to whoever owns the partition next.
 */
import type { KafkaMessage } from 'kafkajs';
import { AbortedError } from '../errors';
import type { Logger } from '../logging/types';
import { cutUnits, valueBytes } from '../pipeline/units';
import { OffsetTracker } from './offset-tracker';
import type { Unit, UnitReport } from './unit-runner';

export interface BatchInput {
  topic: string;
  partition: number;
  messages: KafkaMessage[];
  /** Highest offset in the fetched batch, control records included. */
  lastOffset: string;
}

export interface InFlightGate {
  waitForRoom(bytes: number, signal: AbortSignal): Promise<void>;
  reserve(bytes: number): void;
  release(bytes: number): void;
}

export interface BatchContext {
  runUnit(unit: Unit, signal: AbortSignal): Promise<UnitReport>;
  gate: InFlightGate;
  /**
   * Rate admission (size-class preset): how many messages from the unit's front may
   * start now (1..n). Fewer than n splits the unit; the rest asks again next, as a
   * `remainder`.
   */
  admit?(unit: Unit, signal: AbortSignal, remainder: boolean): Promise<number>;
  /**
   * Fetched work in hand (src/flow/rate-backlog.ts): the batch's messages count in
   * on arrival and out as their units start; the rest when the batch stops starting units.
   */
  backlog?: { fetched(n: number): void; settled(n: number): void };
  /** Resolve (kafkajs bookkeeping) and commit `nextOffset` = last acked + 1. */
  commit(nextOffset: string): Promise<void>;
  /** True once a graceful stop has begun: start no new units. */
  stopping(): boolean;
  nextUnitId(): number;
  maxMessages: number;
  maxUnitBytes: number;
  logger: Logger;
  onUnitAcked?(unit: Unit, report: UnitReport, seconds: number): void;
  onGateChange?(): void;
  now(): number;
}

export interface BatchOutcome {
  units: number;
  started: number;
  acked: number;
  committedOffset: string | null;
}

export async function processBatch(batch: BatchInput, ctx: BatchContext, signal: AbortSignal): Promise<BatchOutcome> {
  const slices = cutUnits(batch.messages, ctx.maxMessages, ctx.maxUnitBytes);
  const tracker = new OffsetTracker(batch.topic, batch.partition);
  const units: Unit[] = slices.map((messages) => ({
    id: ctx.nextUnitId(),
    topic: batch.topic,
    partition: batch.partition,
    messages,
  }));
  units.forEach((u, i) => {
    const last = i === units.length - 1 ? maxOffset(u.messages[u.messages.length - 1].offset, batch.lastOffset) : u.messages[u.messages.length - 1].offset;
    tracker.register(u.id, u.messages[0].offset, last);
  });

  let failure: unknown;
  let commitChain: Promise<void> = Promise.resolve();
  const commitPrefix = (): Promise<void> => {
    commitChain = commitChain.then(async () => {
      const next = tracker.takeCommittable();
      if (next !== null) await ctx.commit(next);
    });
    return commitChain;
  };

  const running: Promise<void>[] = [];
  let started = 0;
  let acked = 0;
  const queue = [...units];
  let splits = 0;
  const remainders = new Set<Unit>();
  let inHand = batch.messages.length;
  ctx.backlog?.fetched(inHand);
  try {
    for (let unit = queue.shift(); unit !== undefined; unit = queue.shift()) {
      if (signal.aborted || ctx.stopping() || failure !== undefined) break;
      if (ctx.admit) {
        let admitted: number;
        try {
          admitted = await ctx.admit(unit, signal, remainders.has(unit));
        } catch (err) {
          // Aborted while waiting for tokens (stop, rebalance): nothing started, redelivered later.
          if (!(err instanceof AbortedError)) failure = err;
          break;
        }
        if (signal.aborted || ctx.stopping()) break;
        if (admitted < unit.messages.length) {
          const [head, tail] = splitUnit(unit, admitted, ctx.nextUnitId());
          tracker.split(unit.id, head.messages[head.messages.length - 1].offset, tail.id, tail.messages[0].offset);
          unit = head;
          queue.unshift(tail);
          remainders.add(tail);
          splits += 1;
        }
      }
      const current = unit;
      const bytes = current.messages.reduce((n, m) => n + valueBytes(m), 0);
      try {
        await ctx.gate.waitForRoom(bytes, signal);
      } catch {
        break; // aborted while waiting for room
      }
      if (signal.aborted || ctx.stopping()) break;
      ctx.gate.reserve(bytes);
      ctx.onGateChange?.();
      started += 1;
      inHand -= current.messages.length;
      ctx.backlog?.settled(current.messages.length);
      const t0 = ctx.now();
      running.push(
        ctx
          .runUnit(current, signal)
          .then(async (report) => {
            tracker.ack(current.id);
            acked += 1;
            ctx.onUnitAcked?.(current, report, (ctx.now() - t0) / 1000);
            await commitPrefix();
          })
          .catch((err: unknown) => {
            tracker.fail(current.id);
            if (failure === undefined) failure = err;
          })
          .finally(() => {
            ctx.gate.release(bytes);
            ctx.onGateChange?.();
          }),
      );
    }
  } finally {
    ctx.backlog?.settled(inHand); // stopped, aborted or failed before the end: not in hand any more
  }
  await Promise.all(running);
  await commitChain.catch((err: unknown) => {
    if (failure === undefined) failure = err;
  });
  if (failure !== undefined) throw failure;
  if (signal.aborted) throw new AbortedError('batch abandoned');
  return { units: units.length + splits, started, acked, committedOffset: tracker.committedOffset };
}

/** The first `count` messages keep the unit's id; the rest become a new unit. */
function splitUnit(unit: Unit, count: number, tailId: number): [Unit, Unit] {
  return [
    { ...unit, messages: unit.messages.slice(0, count) },
    { ...unit, id: tailId, messages: unit.messages.slice(count) },
  ];
}

function maxOffset(a: string, b: string): string {
  return BigInt(a) >= BigInt(b) ? a : b;
}
