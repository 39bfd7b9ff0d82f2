/**
 * Case a: encodeUnit in the calling thread, one 150-message unit of the
 * 30/65/100 KB mix per round, for each record format and gzip level. This is
 * the work one Piscina worker does per task, without any thread hop.
 */
import { gzipRatio } from '../../src/generator/ratio';
import { encodeUnit } from '../../src/pipeline/encode-unit';
import { packUnit } from '../../src/pipeline/pack';
import type { RecordFormat } from '../../src/pipeline/wire';
import type { BenchContext } from './context';
import { asMessages, encodeOptions, scans, totalBytes, UNIT_MESSAGES, unitRequest } from './fixtures';
import type { BenchRatio, BenchRow, CaseResult } from './report';
import { mbPerSecond, perSecond, summarize, timeSimple } from './stats';

interface Variant {
  name: string;
  format: RecordFormat;
  level: number;
  validateJson: boolean;
}

const VARIANTS: Variant[] = [
  { name: 'base64-gzip-lines L6', format: 'base64-gzip-lines', level: 6, validateJson: true },
  { name: 'base64-gzip-lines L1', format: 'base64-gzip-lines', level: 1, validateJson: true },
  { name: 'gzip-ndjson L6', format: 'gzip-ndjson', level: 6, validateJson: true },
  { name: 'gzip-ndjson L1', format: 'gzip-ndjson', level: 1, validateJson: true },
  { name: 'ndjson', format: 'ndjson', level: 6, validateJson: true },
  { name: 'ndjson, validateJson off', format: 'ndjson', level: 6, validateJson: false },
];

export const DEFAULT_VARIANT = VARIANTS[0].name;

export async function runEncodeCase(ctx: BenchContext): Promise<CaseResult> {
  const values = scans(UNIT_MESSAGES);
  const rawBytes = totalBytes(values);
  const packed = packUnit(asMessages(values));
  const rows: BenchRow[] = [];
  const medians = new Map<string, number>();
  const sizes = new Map<string, number>();

  for (const v of VARIANTS) {
    const req = unitRequest(packed, 1, encodeOptions(v.format, v.level, v.validateJson));
    // encodeUnit only reads the request, so one packed unit serves every round.
    const check = encodeUnit(req).result;
    if (check.rejected.length > 0 || check.rawBytes !== rawBytes) {
      throw new Error(`case a: ${v.name} rejected ${check.rejected.length} messages; the bench corpus must be clean`);
    }
    const summary = summarize((await timeSimple(ctx.plan, () => void encodeUnit(req))).wallMs);
    medians.set(v.name, summary.medianMs);
    sizes.set(v.name, check.encodedBytes);
    rows.push({
      case: 'a',
      name: v.name,
      round: `encodeUnit of 1 unit (${UNIT_MESSAGES} msgs, ${rawBytes} raw bytes)`,
      summary,
      metrics: {
        'MB/s': mbPerSecond(rawBytes, summary.medianMs),
        'msg/s': perSecond(UNIT_MESSAGES, summary.medianMs),
        'enc/raw': check.encodedBytes / rawBytes,
      },
    });
  }

  ctx.encodeMsPerMessage = (medians.get(DEFAULT_VARIANT) ?? Number.NaN) / UNIT_MESSAGES;
  const m = (name: string): number => medians.get(name) ?? Number.NaN;
  const s = (name: string): number => sizes.get(name) ?? Number.NaN;
  const ratios: BenchRatio[] = [
    { case: 'a', name: 'base64 L6 time / L1 time', value: m('base64-gzip-lines L6') / m('base64-gzip-lines L1'), note: 'how much slower level 6 is than level 1' },
    { case: 'a', name: 'gzip-ndjson L6 time / L1 time', value: m('gzip-ndjson L6') / m('gzip-ndjson L1'), note: 'same for gzip-ndjson' },
    { case: 'a', name: 'L1 size / L6 size (base64)', value: s('base64-gzip-lines L1') / s('base64-gzip-lines L6'), note: 'what level 1 costs in Firehose bytes' },
    { case: 'a', name: 'gzip-ndjson size / base64 size', value: s('gzip-ndjson L6') / s('base64-gzip-lines L6'), note: 'bytes saved by dropping base64 (level 6)' },
    { case: 'a', name: 'ndjson: validate / no validate', value: m('ndjson') / m('ndjson, validateJson off'), note: 'cost of JSON validation where it dominates' },
  ];
  return { rows, ratios, notes: [`cases a-c data set: realistic scans, gzip level 6 ratio ${gzipRatio(values, 6).toFixed(2)} : 1`] };
}
