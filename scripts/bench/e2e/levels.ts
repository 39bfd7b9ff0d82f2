/**
 * The gzip level table (output size against CPU), the measurement that
 * chooses `pipeline.gzipLevel`'s default. Exact encoded sizes and the CPU time
 * of encodeUnit (validation on, as in production) on one thread, levels 1–6,
 * for both gzip formats, over a prefix of the benchmark's data set; the
 * median of 3 interleaved rounds. The rule (README "Performance"): the default
 * is the level with the least CPU whose output is at most 5 % above level 6's.
 */
import { encodeUnit } from '../../../src/pipeline/encode-unit';
import { packUnit } from '../../../src/pipeline/pack';
import type { EncodeOptions, RecordFormat } from '../../../src/pipeline/wire';
import { median } from '../stats';

export interface LevelRow {
  format: RecordFormat;
  level: number;
  outputBytes: number;
  /** Output ÷ level 6's output. */
  sizeVsL6: number;
  cpuSecPerGb: number;
  /** CPU ÷ level 6's CPU. */
  cpuVsL6: number;
}

export const LEVELS = [1, 2, 3, 4, 5, 6] as const;

export function levelTable(messages: Buffer[], base: EncodeOptions, formats: RecordFormat[] = ['base64-gzip-lines', 'gzip-ndjson']): LevelRow[] {
  const units: Buffer[][] = [];
  for (let s = 0; s < messages.length; s += 150) units.push(messages.slice(s, s + 150));
  const raw = messages.reduce((n, m) => n + m.length, 0);
  const rows: LevelRow[] = [];
  for (const format of formats) {
    const cpu = new Map<number, number[]>();
    const out = new Map<number, number>();
    for (let round = 0; round < 3; round++) {
      for (const level of LEVELS) {
        const t0 = process.cpuUsage();
        let bytes = 0;
        for (const u of units) {
          const packed = packUnit(u.map((value, i) => ({ value, offset: String(i), timestamp: '0', key: null })));
          bytes += encodeUnit({ unitId: 0, topic: 't', partition: 0, ...packed, options: { ...base, format, gzipLevel: level } }).result.encodedBytes;
        }
        const t = process.cpuUsage(t0);
        cpu.set(level, [...(cpu.get(level) ?? []), (t.user + t.system) / 1e6]);
        out.set(level, bytes);
      }
    }
    const l6Cpu = median(cpu.get(6) ?? []);
    const l6Out = out.get(6) ?? 1;
    for (const level of LEVELS) {
      const c = median(cpu.get(level) ?? []);
      const o = out.get(level) ?? 0;
      rows.push({ format, level, outputBytes: o, sizeVsL6: o / l6Out, cpuSecPerGb: c / (raw / 1e9), cpuVsL6: c / l6Cpu });
    }
  }
  return rows;
}

/** The rule: least CPU among the levels whose output is at most `slack` above level 6's. */
export function chooseLevel(rows: readonly LevelRow[], format: RecordFormat, slack = 0.05): number {
  const candidates = rows.filter((r) => r.format === format && r.sizeVsL6 <= 1 + slack);
  candidates.sort((a, b) => a.cpuVsL6 - b.cpuVsL6);
  return candidates[0]?.level ?? 6;
}
