/**
 * Hand-written SVG plots of an end-to-end run (no plotting dependency):
 * throughput and CPU/GB per variant against ceiling (1), the end-to-end
 * latency distribution (CDF), RSS over time.
 */
import type { E2eResult } from './report';

const W = 720;
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function frame(title: string, h: number, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" font-family="sans-serif" font-size="11">\n<rect width="100%" height="100%" fill="white"/>\n<text x="10" y="18" font-size="13" font-weight="bold">${esc(title)}</text>\n${body}</svg>\n`;
}

/** Horizontal bars, one per run, with an optional reference line (the ceiling). */
function bars(title: string, items: Array<{ label: string; value: number }>, unit: string, reference?: { label: string; value: number }): string {
  const left = 170;
  const right = W - 70;
  const rowH = 20;
  const top = 32;
  const max = Math.max(...items.map((i) => i.value), reference?.value ?? 0) * 1.05 || 1;
  const x = (v: number): number => left + ((right - left) * v) / max;
  let body = '';
  items.forEach((item, k) => {
    const y = top + k * rowH;
    body += `<text x="${left - 6}" y="${y + 13}" text-anchor="end">${esc(item.label)}</text>`;
    body += `<rect x="${left}" y="${y + 3}" width="${Math.max(1, x(item.value) - left).toFixed(1)}" height="${rowH - 6}" fill="#4878a8"/>`;
    body += `<text x="${(x(item.value) + 4).toFixed(1)}" y="${y + 13}">${item.value.toFixed(1)} ${esc(unit)}</text>\n`;
  });
  const h = top + items.length * rowH + 30;
  if (reference) {
    const rx = x(reference.value).toFixed(1);
    body += `<line x1="${rx}" y1="${top - 4}" x2="${rx}" y2="${h - 24}" stroke="#c03030" stroke-dasharray="4 3"/>`;
    body += `<text x="${rx}" y="${h - 10}" fill="#c03030" text-anchor="middle">${esc(reference.label)} ${reference.value.toFixed(1)} ${esc(unit)}</text>\n`;
  }
  return frame(title, h, body);
}

/** A line plot of (x, y) series on shared axes. */
function lines(title: string, series: Array<{ label: string; points: Array<[number, number]> }>, xLabel: string, yLabel: string): string {
  const left = 60;
  const right = W - 20;
  const top = 30;
  const bottom = 250;
  const all = series.flatMap((s) => s.points);
  const maxX = Math.max(...all.map((p) => p[0]), 1e-9);
  const maxY = Math.max(...all.map((p) => p[1]), 1e-9) * 1.05;
  const sx = (v: number): number => left + ((right - left) * v) / maxX;
  const sy = (v: number): number => bottom - ((bottom - top) * v) / maxY;
  const colors = ['#4878a8', '#c03030', '#40a040', '#a060c0', '#d08020', '#208080', '#808080', '#a04040', '#4040a0', '#60a0a0', '#a0a040', '#202020'];
  let body = `<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="black"/><line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="black"/>`;
  for (let k = 0; k <= 4; k++) {
    const yv = (maxY * k) / 4;
    const xv = (maxX * k) / 4;
    body += `<text x="${left - 4}" y="${sy(yv) + 4}" text-anchor="end">${yv.toFixed(yv < 10 ? 1 : 0)}</text>`;
    body += `<text x="${sx(xv)}" y="${bottom + 14}" text-anchor="middle">${xv.toFixed(xv < 10 ? 1 : 0)}</text>`;
  }
  body += `<text x="${(left + right) / 2}" y="${bottom + 30}" text-anchor="middle">${esc(xLabel)}</text>`;
  body += `<text x="14" y="${(top + bottom) / 2}" transform="rotate(-90 14 ${(top + bottom) / 2})" text-anchor="middle">${esc(yLabel)}</text>\n`;
  series.forEach((s, k) => {
    const color = colors[k % colors.length];
    const d = s.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join('');
    body += `<path d="${d}" fill="none" stroke="${color}" stroke-width="1.5"/>`;
    body += `<text x="${right - 150}" y="${top + 12 + k * 13}" fill="${color}">${esc(s.label)}</text>\n`;
  });
  return frame(title, bottom + 42, body);
}

export function plots(r: E2eResult): Record<string, string> {
  const runs = [r.base, ...r.variants];
  const c1 = r.ceilings.gzipEncode;
  const out: Record<string, string> = {
    throughput: bars('Raw MB/s per run (fast sink) against ceiling (1): gzip + encoding on the worker threads', runs.map((v) => ({ label: v.name, value: v.mbPerSec })), 'MB/s', c1 ? { label: 'ceiling (1)', value: c1.mbPerSecond } : undefined),
    cpu: bars('CPU-seconds per GB raw, per run (lower is better)', runs.map((v) => ({ label: v.name, value: v.cpuSecPerGb })), 'CPU-s/GB', c1 ? { label: 'ceiling (1)', value: c1.cpuSecPerGb } : undefined),
    rss: lines('RSS of the consumer process over time', [r.headline, ...runs.filter((x) => x !== r.headline)].map((v) => ({ label: v.name, points: v.rss })), 'seconds since process start', 'RSS MiB'),
    inflight: lines(
      'In-flight budget in use over time (fetched, encoding, awaiting Firehose)',
      [r.headline, ...runs.filter((x) => x !== r.headline)].filter((v) => (v.inflight?.length ?? 0) > 0).map((v) => ({ label: v.name, points: v.inflight })),
      'seconds since process start',
      'in-flight MiB',
    ),
  };
  const latencyRuns = [r.steady, r.base].filter((x): x is NonNullable<typeof x> => !!x && (x.latencyMs?.length ?? 0) > 0);
  if (latencyRuns.length > 0) {
    out.latency = lines(
      'End-to-end latency (Kafka timestamp → acknowledgement), cumulative distribution',
      latencyRuns.map((v) => {
        const sorted = [...(v.latencyMs ?? [])].sort((a, b) => a - b);
        const step = Math.max(1, Math.floor(sorted.length / 200));
        const points: Array<[number, number]> = [];
        for (let i = 0; i < sorted.length; i += step) points.push([sorted[i] / 1000, (100 * (i + 1)) / sorted.length]);
        points.push([sorted[sorted.length - 1] / 1000, 100]);
        return { label: v.name, points };
      }),
      'latency, seconds',
      '% of messages',
    );
  }
  return out;
}
