/**
 * Case e: JSON validation alone (issue 12 item 3), MB/s of raw scans on one
 * thread: the production scanner (src/pipeline/json-scan.ts: isUtf8, then the
 * WebAssembly grammar) against the JavaScript scanner it replaced, kept as the
 * differential test's reference (test/support/json-scan-reference.ts), in the
 * same run, on one 150-scan unit of the realistic and of the hard data set.
 * A round validates every scan of the unit once; the two scanners alternate
 * round by round so that the neighbours' load falls on both alike. Besides
 * wall-clock MB/s, `MB/CPU-s` divides by the CPU time the process spent in
 * the round (process.cpuUsage): the speed of one core while it runs the scan,
 * which a machine shared with other jobs does not drag down as it does the
 * wall clock (only the scanning thread works during a round).
 */
import { gzipRatio } from '../../src/generator/ratio';
import type { DataKind } from '../../src/generator/wifi-scan';
import { isJsonWithinDepth } from '../../src/pipeline/json-scan';
import { referenceIsJsonWithinDepth } from '../../test/support/json-scan-reference';
import type { BenchContext } from './context';
import { scans, totalBytes, UNIT_MESSAGES } from './fixtures';
import type { BenchRatio, BenchRow, CaseResult } from './report';
import { mbPerSecond, median, summarize } from './stats';

const SCANNERS = [
  { name: 'JS scanner before issue 12 (reference)', validate: referenceIsJsonWithinDepth },
  { name: 'isUtf8 + WebAssembly scanner', validate: isJsonWithinDepth },
] as const;

function validateAll(validate: (b: Uint8Array, d: number) => boolean, unit: readonly Buffer[]): void {
  for (const m of unit) if (!validate(m, 64)) throw new Error('case e: a bench scan was refused; the corpus must be valid');
}

export async function runValidateCase(ctx: BenchContext): Promise<CaseResult> {
  const rows: BenchRow[] = [];
  const ratios: BenchRatio[] = [];
  const notes: string[] = [];
  for (const data of ['realistic', 'hard'] as DataKind[]) {
    const unit = scans(UNIT_MESSAGES, data);
    const raw = totalBytes(unit);
    const times: number[][] = SCANNERS.map(() => []);
    const cpu: number[][] = SCANNERS.map(() => []);
    for (let round = 0; round < ctx.plan.warmups + ctx.plan.rounds; round++) {
      SCANNERS.forEach((s, k) => {
        const cpuStart = process.cpuUsage();
        const start = process.hrtime.bigint();
        validateAll(s.validate, unit);
        const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
        const used = process.cpuUsage(cpuStart);
        if (round >= ctx.plan.warmups) {
          times[k].push(wallMs);
          cpu[k].push((used.user + used.system) / 1000);
        }
      });
    }
    const perCpu = SCANNERS.map((s, k) => {
      const summary = summarize(times[k]);
      const cpuMs = median(cpu[k]);
      rows.push({
        case: 'e',
        name: `${data}: ${s.name}`,
        round: `validate ${UNIT_MESSAGES} scans (${raw} raw bytes)`,
        summary,
        metrics: { 'MB/s': mbPerSecond(raw, summary.medianMs), 'MB/CPU-s': mbPerSecond(raw, cpuMs) },
      });
      return mbPerSecond(raw, cpuMs);
    });
    ratios.push({ case: 'e', name: `${data}: new / old MB per CPU-s`, value: perCpu[1] / perCpu[0], note: 'validation speed-up per core, same run' });
    notes.push(`case e ${data} data set: gzip level 6 ratio ${gzipRatio(unit, 6).toFixed(2)} : 1`);
  }
  return Promise.resolve({ rows, ratios, notes });
}
