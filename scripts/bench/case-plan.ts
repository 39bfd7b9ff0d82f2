/**
 * Case d: sub-batch planning (planSubBatches) over 10,000 record sizes, a check
 * that the pure planner is noise next to encoding. Record sizes are the
 * default format's: base64 of gzip ≈ 0.57 of the raw 30/65/100 KB mix.
 */
import { sizeMix } from '../../src/generator/wifi-scan';
import { planSubBatches } from '../../src/pipeline/plan';
import type { BenchContext } from './context';
import { BENCH_SEED, DEFAULT_LIMITS } from './fixtures';
import type { BenchRatio, CaseResult } from './report';
import { summarize, timeSimple } from './stats';

const RECORDS = 10_000;
const CALLS_PER_ROUND = 100;
const ENCODED_OVER_RAW = 0.57;

export async function runPlanCase(ctx: BenchContext): Promise<CaseResult> {
  const sizes = sizeMix(RECORDS, BENCH_SEED).map((s) => Math.round(s * ENCODED_OVER_RAW));
  let batches = 0;
  const times = await timeSimple(ctx.plan, () => {
    for (let i = 0; i < CALLS_PER_ROUND; i++) batches = planSubBatches(sizes, DEFAULT_LIMITS).length;
  });
  const summary = summarize(times.wallMs);
  const msPerCall = summary.medianMs / CALLS_PER_ROUND;
  const ratios: BenchRatio[] = [];
  if (ctx.encodeMsPerMessage !== undefined && Number.isFinite(ctx.encodeMsPerMessage)) {
    ratios.push({
      case: 'd',
      name: 'plan 10k / encode 10k msgs',
      value: msPerCall / (ctx.encodeMsPerMessage * RECORDS),
      note: 'planning time as a share of encoding the same messages (case a, default format)',
    });
  }
  return {
    rows: [
      {
        case: 'd',
        name: `planSubBatches, ${RECORDS} records`,
        round: `${CALLS_PER_ROUND} calls`,
        summary,
        metrics: { 'us/call': msPerCall * 1000, 'ns/record': (msPerCall * 1e6) / RECORDS, batches },
      },
    ],
    ratios,
    notes: [],
  };
}
