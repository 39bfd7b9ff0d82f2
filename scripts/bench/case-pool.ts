/**
 * Case c: the real Piscina pool (createEncodePool, maxThreads 2, the compiled
 * dist/workers/encode-worker.js) end to end for the default format, against
 * encodeUnit in the main thread on the same units. Each round pushes UNITS
 * units at once (the supervisor keeps several in flight) and waits for all.
 * The ratio is the parallel gain on this machine; on 2 cores the ceiling is 2
 * minus what the main thread and the neighbours take.
 */
import { encodeUnit } from '../../src/pipeline/encode-unit';
import { packUnit } from '../../src/pipeline/pack';
import { createEncodePool } from '../../src/pool/pool';
import type { UnitRequest } from '../../src/pipeline/wire';
import type { BenchContext } from './context';
import { asMessages, encodeOptions, scans, totalBytes, UNIT_MESSAGES, unitRequest } from './fixtures';
import type { BenchRow, CaseResult } from './report';
import { coresBusy, mbPerSecond, perSecond, summarize, timeRounds, type RoundTimes } from './stats';

const UNITS = 6;
const THREADS = 2;

export async function runPoolCase(ctx: BenchContext): Promise<CaseResult> {
  const messages = asMessages(scans(UNIT_MESSAGES));
  const rawPerUnit = totalBytes(messages.map((m) => m.value as Buffer));
  const options = encodeOptions('base64-gzip-lines', 6);
  // Fresh buffers per round (run() transfers them, detaching ours), packed outside the timer.
  const freshUnits = (): UnitRequest[] => Array.from({ length: UNITS }, (_, i) => unitRequest(packUnit(messages), i, options));
  const round = `${UNITS} units (${UNITS * UNIT_MESSAGES} msgs, ${UNITS * rawPerUnit} raw bytes), base64-gzip-lines L6`;
  const rows: BenchRow[] = [];
  const metrics = (ms: number, times: RoundTimes): Record<string, number> => ({
    'units/s': perSecond(UNITS, ms),
    'MB/s': mbPerSecond(UNITS * rawPerUnit, ms),
    'msg/s': perSecond(UNITS * UNIT_MESSAGES, ms),
    'cores busy': coresBusy(times),
  });

  const inThreadTimes = await timeRounds(ctx.plan, {
    setup: freshUnits,
    run: (units) => {
      for (const u of units) encodeUnit(u);
    },
  });
  const inThread = summarize(inThreadTimes.wallMs);
  rows.push({ case: 'c', name: 'in-thread encodeUnit (sequential)', round, summary: inThread, metrics: metrics(inThread.medianMs, inThreadTimes) });

  const pool = createEncodePool({
    minThreads: THREADS,
    maxThreads: THREADS,
    maxQueue: UNITS,
    maxOldGenerationSizeMb: 512,
    taskTimeoutMs: 0,
  });
  try {
    const poolTimes = await timeRounds(ctx.plan, {
      setup: freshUnits,
      run: async (units) => {
        const results = await Promise.all(units.map((u) => pool.run(u)));
        if (results.some((r) => r.rejected.length > 0 || r.rawBytes !== rawPerUnit)) throw new Error('case c: pool result mismatch');
      },
    });
    const viaPool = summarize(poolTimes.wallMs);
    rows.push({ case: 'c', name: `Piscina pool, ${THREADS} threads`, round, summary: viaPool, metrics: metrics(viaPool.medianMs, poolTimes) });
    return {
      rows,
      ratios: [
        { case: 'c', name: 'pool throughput / in-thread', value: inThread.medianMs / viaPool.medianMs, note: `parallel gain with ${THREADS} worker threads (includes transfer both ways)` },
      ],
      notes: [],
    };
  } finally {
    await pool.close();
  }
}
