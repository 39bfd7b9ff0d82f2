/**
 * Case b: what it costs to hand a unit to a worker, copy-once (DESIGN
 * invariant 6) against the naive ways, isolated with an echo worker that does
 * nothing with the bytes.
 *
 * kafkajs decodes a fetch response by slicing one big Buffer, so message
 * values are views into it. Structured clone serializes a view together with
 * its whole backing ArrayBuffer; V8's serializer does so once per postMessage
 * (it deduplicates objects within one message), so:
 *   clone, one message per unit   copies the whole fetch buffer once per unit
 *   clone, one message per view   copies the whole fetch buffer once per message
 *   copy-once                     packUnit copies just the unit's values, then
 *                                 the buffer is transferred (moved, no copy)
 * Two unit sizes: the full 150-message unit, and 15 messages (about 1 MB,
 * roughly one partition's share of a fetch at kafkajs's 1 MiB
 * maxBytesPerPartition default), where the naive clone's overhead is largest.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { packUnit, type PackableMessage } from '../../src/pipeline/pack';
import type { BenchContext } from './context';
import type { EchoReply } from './echo-worker';
import { fetchBuffer, totalBytes } from './fixtures';
import type { BenchRatio, BenchRow, CaseResult } from './report';
import { median, summarize, timeSimple, type RoundPlan } from './stats';

const FETCH_BYTES = 10 * 1024 * 1024;
const UNIT_SIZES = [150, 15];
const MB = 1e6;

type Mode = 'clone-unit' | 'clone-per-view' | 'copy-once';

const MODE_NAMES: Record<Mode, string> = {
  'clone-unit': 'clone views, 1 postMessage/unit',
  'clone-per-view': 'clone views, 1 postMessage/msg',
  'copy-once': 'copy-once: packUnit + transfer',
};

class Echo {
  private readonly worker: Worker;

  constructor() {
    this.worker = new Worker(path.join(__dirname, 'echo-worker.js'));
    this.worker.unref();
  }

  /** Posts one message and resolves with the worker's reply; `syncMs` gets the time the post call blocked. */
  send(msg: unknown, transfer: ArrayBuffer[], syncMs: { total: number }): Promise<EchoReply> {
    return new Promise<EchoReply>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.worker.once('error', onError);
      this.worker.once('message', (reply: EchoReply) => {
        this.worker.off('error', onError);
        resolve(reply);
      });
      const start = process.hrtime.bigint();
      this.worker.postMessage(msg, transfer);
      syncMs.total += Number(process.hrtime.bigint() - start) / 1e6;
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

interface RoundStats {
  syncMs: number[];
  clonedBytes: number;
}

/** One round: deliver the unit to the worker in the given mode; returns bytes that arrived as copies. */
async function deliver(echo: Echo, mode: Mode, messages: readonly PackableMessage[], sync: { total: number }): Promise<number> {
  const meta = messages.map((m) => ({ offset: m.offset, timestamp: m.timestamp, key: null }));
  if (mode === 'clone-unit') {
    return (await echo.send({ meta, values: messages.map((m) => m.value) }, [], sync)).bytes;
  }
  if (mode === 'clone-per-view') {
    let bytes = 0;
    for (let i = 0; i < messages.length; i++) bytes += (await echo.send({ meta: meta[i], value: messages[i].value }, [], sync)).bytes;
    return bytes;
  }
  const start = process.hrtime.bigint();
  const packed = packUnit(messages);
  sync.total += Number(process.hrtime.bigint() - start) / 1e6;
  await echo.send(packed, [packed.values, packed.valueBounds.buffer as ArrayBuffer], sync);
  return 0; // moved, not copied; packUnit's one copy is the unit's own bytes
}

async function measure(echo: Echo, mode: Mode, messages: readonly PackableMessage[], plan: RoundPlan): Promise<{ samples: number[]; stats: RoundStats }> {
  const stats: RoundStats = { syncMs: [], clonedBytes: 0 };
  let round = 0;
  const { wallMs: samples } = await timeSimple(plan, async () => {
    const sync = { total: 0 };
    const cloned = await deliver(echo, mode, messages, sync);
    if (round++ >= plan.warmups) {
      stats.syncMs.push(sync.total);
      stats.clonedBytes = cloned;
    }
  });
  return { samples, stats };
}

export async function runTransferCase(ctx: BenchContext): Promise<CaseResult> {
  const fetch = fetchBuffer(FETCH_BYTES, 200);
  if (fetch.messages.length < Math.max(...UNIT_SIZES)) {
    throw new Error(`case b: the ${FETCH_BYTES}-byte fetch holds only ${fetch.messages.length} scans`);
  }
  const echo = new Echo();
  const rows: BenchRow[] = [];
  const ratios: BenchRatio[] = [];
  try {
    for (const n of UNIT_SIZES) {
      const messages = fetch.messages.slice(0, n);
      const unitBytes = totalBytes(messages.map((m) => m.value as Buffer));
      const medians: Partial<Record<Mode, number>> = {};
      for (const mode of ['copy-once', 'clone-unit', 'clone-per-view'] as Mode[]) {
        // Per-view cloning moves n × 10 MiB per round: fewer rounds keep the run short.
        const plan = mode === 'clone-per-view' && n > 20 ? { warmups: 1, rounds: Math.min(3, ctx.plan.rounds) } : ctx.plan;
        const { samples, stats } = await measure(echo, mode, messages, plan);
        const summary = summarize(samples);
        medians[mode] = summary.medianMs;
        rows.push({
          case: 'b',
          name: `${n} msgs: ${MODE_NAMES[mode]}`,
          round: `deliver 1 unit (${n} msgs, ${unitBytes} bytes) from a ${FETCH_BYTES}-byte fetch buffer and await the echo`,
          summary,
          metrics: {
            'unit MB': unitBytes / MB,
            'cloned MB': stats.clonedBytes / MB,
            'main-thread ms': median(stats.syncMs),
          },
        });
      }
      ratios.push(
        { case: 'b', name: `${n} msgs: clone-unit / copy-once`, value: (medians['clone-unit'] ?? NaN) / (medians['copy-once'] ?? NaN), note: 'round-trip time, naive one-message clone vs copy-once' },
        { case: 'b', name: `${n} msgs: clone-per-msg / copy-once`, value: (medians['clone-per-view'] ?? NaN) / (medians['copy-once'] ?? NaN), note: 'round-trip time, per-message clone vs copy-once' },
      );
    }
  } finally {
    await echo.terminate();
  }
  return {
    rows,
    ratios,
    notes: [
      `case b: the fetch buffer holds ${fetch.messages.length} scans (${FETCH_BYTES} bytes); "cloned MB" is what the worker received as fresh copies.`,
    ],
  };
}
