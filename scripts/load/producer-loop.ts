/**
 * The producer's loop, behind a narrow Sender so it runs against kafkajs in
 * the CLI and against a fake in tests: pace (open loop, see pace.ts), cut
 * batches under maxBatchBytes, keep up to inFlight requests outstanding, log
 * progress every few seconds, stop cleanly when the signal aborts (no new
 * sends; the outstanding ones are awaited and counted).
 *
 * A send that fails after kafkajs's own retries ends the run: the loop stops
 * sending, waits for the rest, and returns the error next to the stats of what
 * the broker did acknowledge (a result, not an exception: the caller still
 * has to report the count and disconnect).
 */
import type { Clock } from '../../src/clock';
import { delayUntil, dueBy } from './pace';
import type { ProduceOptions } from './produce-args';
import { scanAt } from './scan-source';

export interface OutMessage {
  key: string;
  value: Buffer;
  /** Absent: the client's partitioner decides (by key). */
  partition?: number;
}

export interface Sender {
  send(messages: OutMessage[]): Promise<void>;
}

export interface ProduceStats {
  /** Acknowledged by the broker. */
  produced: number;
  bytes: number;
  /** The highest k whose message was acknowledged (-1 = none); ids are `${idPrefix}-${k}`. */
  lastIndex: number;
  elapsedMs: number;
}

export interface ProduceOutcome {
  stats: ProduceStats;
  /** The first failed send's error; null when the run ended by count or signal. */
  error: unknown;
}

export type LoopOptions = Pick<
  ProduceOptions,
  'count' | 'rate' | 'sizes' | 'seed' | 'idPrefix' | 'logEverySec' | 'maxBatchBytes' | 'inFlight'
>;

export interface LoopDeps {
  sender: Sender;
  clock: Clock;
  /** One progress line (no payloads: counts and sizes only). */
  log: (line: string) => void;
  signal: AbortSignal;
  /** Round-robin partition count; null = leave partitioning to the client (by key). */
  partitionCount: number | null;
  /**
   * Lets timers and signal handlers run between batches. Without it an
   * unthrottled run against a sender that settles in microtasks (the dry run)
   * never returns to the event loop, and SIGINT is never seen. Default:
   * setImmediate.
   */
  yieldToEvents?: () => Promise<void>;
}

export function progressLine(stats: ProduceStats): string {
  const seconds = stats.elapsedMs / 1000;
  const rate = seconds > 0 ? stats.produced / seconds : 0;
  return (
    `${seconds.toFixed(1)} s: ${stats.produced} produced, ${(stats.bytes / 1e6).toFixed(2)} MB, ` +
    `${rate.toFixed(1)} msg/s, ${(stats.bytes / 1e6 / Math.max(seconds, 1e-9)).toFixed(2)} MB/s`
  );
}

/** Next batch: messages from `next` up to (not including) `end`, at most maxBatchBytes (always at least one). */
function buildBatch(o: LoopOptions, next: number, end: number, partitionCount: number | null): { messages: OutMessage[]; bytes: number } {
  const messages: OutMessage[] = [];
  let bytes = 0;
  for (let k = next; k < end; k++) {
    const scan = scanAt(o, k);
    if (messages.length > 0 && bytes + scan.value.length > o.maxBatchBytes) break;
    messages.push({ key: scan.id, value: scan.value, ...(partitionCount === null ? {} : { partition: k % partitionCount }) });
    bytes += scan.value.length;
  }
  return { messages, bytes };
}

export async function runProducerLoop(o: LoopOptions, deps: LoopDeps): Promise<ProduceOutcome> {
  const { clock, signal } = deps;
  const start = clock.now();
  const stats: ProduceStats = { produced: 0, bytes: 0, lastIndex: -1, elapsedMs: 0 };
  const inFlight = new Set<Promise<void>>();
  let failure: unknown = null;
  let next = 0;
  let nextLog = start + o.logEverySec * 1000;
  const limit = o.count === 0 ? Number.POSITIVE_INFINITY : o.count;
  const yieldToEvents = deps.yieldToEvents ?? (() => new Promise<void>((resolve) => setImmediate(resolve)));

  const maybeLog = (): void => {
    const now = clock.now();
    if (now < nextLog) return;
    stats.elapsedMs = now - start;
    deps.log(progressLine(stats));
    while (nextLog <= now) nextLog += o.logEverySec * 1000;
  };

  while (!signal.aborted && failure === null && next < limit) {
    maybeLog();
    const elapsed = clock.now() - start;
    const due = Math.min(dueBy(elapsed, o.rate), limit);
    if (next >= due) {
      // At least 1 ms: float rounding at a due boundary must not spin on sleep(0).
      const wait = Math.max(1, Math.min(delayUntil(next, elapsed, o.rate), nextLog - clock.now()));
      try {
        await clock.sleep(wait, signal);
      } catch {
        break; // aborted
      }
      continue;
    }
    if (inFlight.size >= o.inFlight) {
      await Promise.race(inFlight);
      continue;
    }
    const first = next;
    const batch = buildBatch(o, first, due, deps.partitionCount);
    next += batch.messages.length;
    const task = deps.sender.send(batch.messages).then(
      () => {
        stats.produced += batch.messages.length;
        stats.bytes += batch.bytes;
        stats.lastIndex = Math.max(stats.lastIndex, first + batch.messages.length - 1);
      },
      (err: unknown) => {
        failure ??= err;
      },
    );
    inFlight.add(task);
    void task.then(() => inFlight.delete(task));
    await yieldToEvents();
  }

  await Promise.all(inFlight);
  stats.elapsedMs = clock.now() - start;
  return { stats, error: failure };
}
