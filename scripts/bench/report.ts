/**
 * The benchmark's result model, its text table and its JSON file. Ratios are
 * always computed from medians of the same run: comparing against a figure
 * from another day (or another neighbour load) means nothing on a shared box.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Summary } from './stats';

export interface BenchRow {
  /** Case letter: a, b, c, d. */
  case: string;
  name: string;
  /** What one timed round is, e.g. "1 unit (150 msgs, 9.26 MB)". */
  round: string;
  summary: Summary;
  /** Derived figures from the median round (MB/s, msgs/s, compression ratio, ...). */
  metrics: Record<string, number>;
}

export interface BenchRatio {
  case: string;
  name: string;
  value: number;
  /** How to read it. */
  note: string;
}

export interface CaseResult {
  rows: BenchRow[];
  ratios: BenchRatio[];
  notes: string[];
}

export interface BenchReport {
  date: string;
  node: string;
  nproc: number;
  cpu: string;
  /** os.loadavg() (1, 5, 15 min) before and after: the neighbours' share of the machine. */
  loadBefore: number[];
  loadAfter: number[];
  options: { quick: boolean; cases: string[]; warmups: number; rounds: number };
  rows: BenchRow[];
  ratios: BenchRatio[];
  notes: string[];
}

export function machine(): { node: string; nproc: number; cpu: string } {
  const cpus = os.cpus();
  return {
    node: process.version,
    nproc: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    cpu: cpus[0]?.model.trim() ?? 'unknown',
  };
}

/** Significant-enough figures for a table: 3 digits below 100, integers above. */
export function fmt(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 100) return Math.round(value).toLocaleString('en-US');
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  if (abs === 0) return '0';
  if (abs < 0.001) return value.toExponential(2);
  return value.toPrecision(3);
}

function pad(cells: string[], widths: number[], rightAlign: boolean[]): string {
  return cells.map((c, i) => (rightAlign[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
}

export function renderTable(rows: readonly BenchRow[], ratios: readonly BenchRatio[]): string {
  const header = ['case', 'name', 'median ms', 'min ms', 'max ms', 'n', 'figures (from the median round)'];
  const right = [false, false, true, true, true, true, false];
  const body = rows.map((r) => [
    r.case,
    r.name,
    fmt(r.summary.medianMs),
    fmt(r.summary.minMs),
    fmt(r.summary.maxMs),
    String(r.summary.rounds),
    Object.entries(r.metrics)
      .map(([k, v]) => `${k}=${fmt(v)}`)
      .join(' '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const lines = [pad(header, widths, right), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map((b) => pad(b, widths, right))];
  if (ratios.length > 0) {
    lines.push('', 'ratios (same run, medians):');
    const nameWidth = Math.max(...ratios.map((r) => r.name.length));
    for (const r of ratios) lines.push(`  ${r.case}  ${r.name.padEnd(nameWidth)}  ${fmt(r.value).padStart(8)}  ${r.note}`);
  }
  return lines.join('\n');
}

export function writeJson(file: string, report: BenchReport): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}
