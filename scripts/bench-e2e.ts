/**
 * `npm run bench:e2e`: the end-to-end benchmark (issue 8). Pre-loads a topic
 * with a fixed seeded data set, then drains it with the real consumer
 * (dist/src/main.js as a child, a fresh group each run) and measures, from
 * the consumer process itself, until the group's lag is 0; against same-run
 * ceilings and variants. Writes bench/results/<date>-<host>.{json,md} and SVG
 * plots. See docs/benchmarks.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Admin } from 'kafkajs';
import { encodeUnit } from '../src/pipeline/encode-unit';
import { packUnit } from '../src/pipeline/pack';
import type { RecordFormat } from '../src/pipeline/wire';
import { BUCKET, EMULATOR, ROOT, createTopics, deleteTopics, readScenario, toolingKafka, type Scenario } from '../test/integration/support/harness';
import { createBucket, createDeliveryStream, deleteDeliveryStream, deleteObjects } from '../test/support/firehose-admin';
import { E2E_USAGE, parseE2eArgs, type E2eArgs, type VariantId } from './bench/e2e/args';
import { consumeOnlyCeiling, poolCeiling } from './bench/e2e/ceilings';
import { runConsumer } from './bench/e2e/consumer-run';
import { buildDataSet, describeData, preload, type DataSet } from './bench/e2e/dataset';
import { measureCeiling, startFastSink, type FastSink } from './bench/e2e/fast-sink';
import { figuresOf, type RunFigures } from './bench/e2e/figures';
import { Ledger } from './bench/e2e/ledger';
import { levelTable } from './bench/e2e/levels';
import { plots } from './bench/e2e/plots';
import { markdown, type BeforeAfter, type E2eResult } from './bench/e2e/report';
import { runSteady } from './bench/e2e/steady';
import { CORES, DEFAULT_FORMAT, defaultEncodeOptions, isDefault, settingsOf, variantConfig, type Overrides } from './bench/e2e/variants';
import { readCommandLine } from './lib/cli';

const SEED = 8;

const status = (line: string): void => void process.stderr.write(`\r\x1b[K${line}`);

interface Ctx {
  args: E2eArgs;
  admin: Admin;
  sink: FastSink;
  data: DataSet;
  topic: string;
  timestamps: Float64Array;
}

async function measuredRun(ctx: Ctx, name: string, sinkKind: 'moto' | 'fast', extra: Overrides, consumerRoot?: string, nodeBinary?: string): Promise<RunFigures> {
  const format = ((extra.pipeline?.format as RecordFormat | undefined) ?? DEFAULT_FORMAT);
  const ledger = new Ledger(ctx.data.prefix, ctx.timestamps);
  let stream = `bench-${Date.now().toString(36)}`;
  let endpoint = ctx.sink.endpoint;
  const prefix = `${stream}/`;
  if (sinkKind === 'moto') {
    await createBucket(EMULATOR, BUCKET);
    await createDeliveryStream(EMULATOR, stream, BUCKET, prefix);
    endpoint = EMULATOR;
  } else {
    stream = 'bench-fast';
    ctx.sink.reset(format, ledger);
  }
  const profile = ctx.args.profileDir ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(ctx.args.profileDir, name.replace(/[^a-z0-9]+/gi, '-'))] : [];
  const t0 = Date.now();
  const figures = await runConsumer(ctx.admin, {
    name,
    topic: ctx.topic,
    stream,
    endpoint,
    extra: { ...extra, firehose: { maxConcurrentRequests: 4, ...extra.firehose } },
    nodeFlags: profile,
    consumerRoot,
    nodeBinary,
    timeoutMs: 600_000,
    progress: (committed) => status(`[${name}] ${committed}/${ctx.data.messages.length} messages committed, ${((Date.now() - t0) / 1000).toFixed(0)} s`),
  });
  if (sinkKind === 'moto') {
    status(`[${name}] reading the emulator's S3 objects for the set check`);
    const scenario: Scenario = { id: stream, topic: ctx.topic, dlq: '', group: '', stream, prefix };
    const read = await readScenario(scenario, format);
    for (const m of read.messages) ledger.deliver(m, Number.NaN);
    await deleteObjects(EMULATOR, BUCKET, prefix).catch(() => undefined);
    await deleteDeliveryStream(EMULATOR, stream).catch(() => undefined);
  }
  const firstRequestMs = sinkKind === 'fast' ? ctx.sink.counters.firstRequestMs : 0;
  if (sinkKind === 'fast') ctx.sink.settle();
  const set = ledger.check();
  status('');
  const r = figuresOf(name, sinkKind, settingsOf(extra), { rawBytes: ctx.data.rawBytes, messages: ctx.data.messages.length }, figures, set, ledger.latencyMs(), firstRequestMs);
  process.stderr.write(
    `${name}: ${r.mbPerSec.toFixed(1)} MB/s, ${r.cpuSecPerGb.toFixed(1)} CPU-s/GB, RSS ${r.peakRssMiB} MiB, ${r.requests} requests, lost/dup/unexpected ${set.lost}/${set.duplicated}/${set.unexpected}, ` +
      `start-up ${r.startupCpuSec?.toFixed(2) ?? 'n/a'} CPU-s, ready after ${r.readySec?.toFixed(2) ?? 'n/a'} s (${r.build})\n`,
  );
  return r;
}

async function sinkCeiling(sink: FastSink, data: DataSet): Promise<number> {
  // One full request's worth of real records (≤ 500, ≤ 4 MiB), decoded like real ones.
  const sample = data.messages.slice(0, 80);
  const { result } = encodeUnit({ unitId: 0, topic: 't', partition: 0, ...packUnit(sample.map((value, i) => ({ value, offset: String(i), timestamp: '0', key: null }))), options: defaultEncodeOptions() });
  const records: Buffer[] = [];
  let raw = 0;
  let bytes = 0;
  for (let r = 0; r + 1 < result.recordBounds.length; r++) {
    const rec = Buffer.from(result.data, result.recordBounds[r], result.recordBounds[r + 1] - result.recordBounds[r]);
    if (bytes + rec.length > 4 * 1024 * 1024) break;
    records.push(rec);
    bytes += rec.length;
    raw += sample[r].length;
  }
  const ceiling = await measureCeiling(sink, records, DEFAULT_FORMAT, raw, 10, new Ledger('ceiling', new Float64Array(0)));
  return ceiling.mbPerSecond;
}

async function main(argv: readonly string[]): Promise<number> {
  const args = readCommandLine(E2E_USAGE, () => parseE2eArgs(argv));
  if (typeof args === 'number') return args;
  const loadStart = os.loadavg();
  const admin = toolingKafka().admin();
  await admin.connect();
  const sink = await startFastSink();
  const topic = `bench.e2e-${Date.now().toString(36)}`;
  const topics = [topic, `${topic}.dlq`];
  try {
    if (args.steadyRate > 0) return await steadyRun(args, admin, sink);
    const { ctx, described } = await preloadedTopic(args, admin, sink, topic);
    return await drainRuns(ctx, described, loadStart);
  } finally {
    await sink.close();
    await deleteTopics(...topics);
    await admin.disconnect();
  }
}

/** --steady: one run at a held rate; exit 1 when its set check fails. */
async function steadyRun(args: E2eArgs, admin: Admin, sink: FastSink): Promise<number> {
  // At most one variant applies to a steady run (the defaults otherwise).
  const variant = args.variants.length === 1 ? variantConfig(args.variants[0] as VariantId) : {};
  const steady = await runSteady({ admin, sink, rate: args.steadyRate, seconds: args.steadySeconds, partitions: args.partitions, seed: SEED, settings: settingsOf(variant), extra: variant, data: args.data });
  process.stderr.write(`data set: ${steady.dataSet.kind}, gzip level 6 ratio ${steady.dataSet.gzip6Ratio.toFixed(2)} : 1 (first ${steady.dataSet.sampled} scans)\n`);
  process.stdout.write(`${JSON.stringify({ ...steady, latencyMs: undefined, rss: undefined }, null, 2)}\n`);
  writeOutputs(args, { steadyOnly: steady });
  return steady.set.lost === 0 && steady.set.duplicated === 0 && steady.set.unexpected === 0 ? 0 : 1;
}

/** The seeded data set, described (its gzip ratio), in a fresh topic, counted there. */
async function preloadedTopic(args: E2eArgs, admin: Admin, sink: FastSink, topic: string): Promise<{ ctx: Ctx; described: ReturnType<typeof describeData> }> {
  status(`generating ${args.sizeMb} MB of seeded scans (${args.data})`);
  const data = buildDataSet(args.sizeMb * 1e6, SEED, args.data);
  status('compressing the data set at gzip level 6 for its ratio');
  const described = describeData(data);
  status('');
  process.stderr.write(`data set: ${data.kind}, ${(data.rawBytes / 1e6).toFixed(1)} MB, gzip level 6 ratio ${described.gzip6Ratio.toFixed(2)} : 1\n`);
  await createTopics({ topic, partitions: args.partitions }, { topic: `${topic}.dlq`, partitions: 1 });
  // Idempotent: a retried send under load must not put a message in the topic twice (the set check would blame the consumer).
  const producer = toolingKafka().producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const timestamps = await preload(producer, topic, args.partitions, data, (sent) => status(`pre-loading ${topic}: ${sent}/${data.messages.length} messages`));
  await producer.disconnect();
  const stored = (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  if (stored !== data.messages.length) throw new Error(`the topic holds ${stored} messages after the pre-load, expected ${data.messages.length}`);
  status('');
  process.stderr.write(`pre-loaded ${data.messages.length} messages, ${(data.rawBytes / 1e6).toFixed(1)} MB raw, ${args.partitions} partitions\n`);
  return { ctx: { args, admin, sink, data, topic, timestamps }, described };
}

/** Every drain of the pre-loaded topic, in order, then the report; exit 1 when any run's set check fails. */
async function drainRuns(ctx: Ctx, described: ReturnType<typeof describeData>, loadStart: number[]): Promise<number> {
  const { args, data } = ctx;
  const sinkCeilingMbPerSec = await sinkCeiling(ctx.sink, data);
  process.stderr.write(`fast sink ceiling: ${sinkCeilingMbPerSec.toFixed(0)} MB/s of raw messages\n`);
  const headline = await measuredRun(ctx, 'headline (defaults)', args.sink, {});
  const beforeAfter = await beforeAfterRuns(ctx, headline);
  const base = args.sink === 'fast' ? headline : await measuredRun(ctx, 'defaults, fast sink', 'fast', {});
  // The ceilings run right after the base run, so the headline ratio compares
  // neighbours in time: the machine's load drifts over a run of many minutes.
  const ceilings = args.ceilings ? await ceilingRuns(ctx) : {};
  const variants: RunFigures[] = [];
  for (const v of args.variants) {
    if (isDefault(v)) continue; // the base run has exactly these settings
    variants.push(await measuredRun(ctx, v, 'fast', variantConfig(v)));
  }
  const levels = args.ceilings ? levelRows(data) : undefined;
  const result: E2eResult = {
    date: new Date().toISOString(),
    host: os.hostname(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    loadAverage: { start: loadStart, end: os.loadavg() },
    dataSet: { ...described, rawMb: data.rawBytes / 1e6, messages: data.messages.length, partitions: args.partitions, seed: SEED },
    sinkCeilingMbPerSec,
    headline,
    base,
    variants,
    ceilings,
    levels,
    beforeAfter: beforeAfter.pairs.length > 0 || beforeAfter.node24.current ? beforeAfter : undefined,
  };
  const table = markdown(result);
  process.stdout.write(`\n${table}\n`);
  writeOutputs(args, { result, table });
  const bad = checkedRuns(result).filter((r) => r.set.lost + r.set.duplicated + r.set.unexpected > 0);
  for (const r of bad) process.stderr.write(`SET CHECK FAILED: ${r.name}: lost ${r.set.lost}, duplicated ${r.set.duplicated}, unexpected ${r.set.unexpected} (e.g. ${r.set.examples.join(', ')})\n`);
  return bad.length === 0 ? 0 : 1;
}

/** Before/after on the headline's own sink, neighbours in time (the load drifts over a run): --baseline pairs, then the Node 24 rows. */
async function beforeAfterRuns(ctx: Ctx, headline: RunFigures): Promise<BeforeAfter> {
  const { args } = ctx;
  const baselineRoot = args.baselineRoot ? path.resolve(args.baselineRoot) : '';
  const baselineName = `baseline ${path.basename(args.baselineRoot)}`;
  const pairs: BeforeAfter['pairs'] = [];
  if (baselineRoot) {
    for (let i = 0; i < args.pairs; i++) {
      const current = i === 0 ? headline : await measuredRun(ctx, `headline (defaults) #${i + 1}`, args.sink, {});
      pairs.push({ current, baseline: await measuredRun(ctx, i === 0 ? baselineName : `${baselineName} #${i + 1}`, args.sink, {}, baselineRoot) });
    }
  }
  const node24: BeforeAfter['node24'] = {};
  if (args.node24) {
    node24.current = await measuredRun(ctx, 'headline on node 24', args.sink, {}, undefined, args.node24);
    if (baselineRoot) node24.baseline = await measuredRun(ctx, `${baselineName} on node 24`, args.sink, {}, baselineRoot, args.node24);
  }
  return { pairs, node24 };
}

async function ceilingRuns(ctx: Ctx): Promise<E2eResult['ceilings']> {
  const ceilings: E2eResult['ceilings'] = {};
  status('ceiling (1): gzip + encoding on the worker threads');
  ceilings.gzipEncode = await poolCeiling(ctx.data, defaultEncodeOptions({ validateJson: false }), CORES);
  status('ceiling (3): encode-only through the pool');
  ceilings.encodePool = await poolCeiling(ctx.data, defaultEncodeOptions(), CORES);
  status('ceiling (2): consume-only');
  ceilings.consumeOnly = await consumeOnlyCeiling(ctx.topic, `bench-consume-only-${Date.now().toString(36)}`, ctx.data.rawBytes);
  status('');
  return ceilings;
}

function levelRows(data: DataSet): E2eResult['levels'] {
  status('gzip level table: levels 1-6, one thread');
  const levels = levelTable(data.messages.slice(0, 500), defaultEncodeOptions());
  status('');
  return levels;
}

/** Every consumer run of the result, each once. */
function checkedRuns(r: E2eResult): RunFigures[] {
  const pairs = r.beforeAfter?.pairs ?? [];
  const node24 = r.beforeAfter?.node24 ?? {};
  const extraRuns = [...pairs.flatMap((p) => (p.current === r.headline ? [p.baseline] : [p.current, p.baseline])), ...[node24.current, node24.baseline].filter((x): x is RunFigures => x !== undefined)];
  return [...(r.base === r.headline ? [r.headline] : [r.headline, r.base]), ...extraRuns, ...r.variants];
}

function writeOutputs(args: E2eArgs, out: { result?: E2eResult; table?: string; steadyOnly?: RunFigures }): void {
  const dir = path.resolve(ROOT, args.outDir);
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().slice(0, 16).replace(/[:T]/g, '-');
  const base = path.join(dir, `${stamp}-${os.hostname()}${args.smoke ? '-smoke' : ''}${out.steadyOnly ? '-steady' : ''}`);
  if (out.steadyOnly) {
    writeFileSync(`${base}.json`, JSON.stringify(out.steadyOnly, null, 1));
    process.stderr.write(`wrote ${base}.json\n`);
    return;
  }
  if (!out.result) return;
  const { latencyMs: _a, ...headline } = out.result.headline;
  const { latencyMs: _b, ...baseRun } = out.result.base;
  const lean = ({ latencyMs: _l, ...r }: RunFigures): Omit<RunFigures, 'latencyMs'> => r;
  const ba = out.result.beforeAfter;
  const beforeAfter = ba && {
    pairs: ba.pairs.map((p) => ({ current: lean(p.current), baseline: lean(p.baseline) })),
    node24: { current: ba.node24.current && lean(ba.node24.current), baseline: ba.node24.baseline && lean(ba.node24.baseline) },
  };
  writeFileSync(`${base}.json`, JSON.stringify({ ...out.result, headline, base: baseRun, variants: out.result.variants.map(lean), beforeAfter }, null, 1));
  writeFileSync(`${base}.md`, `${out.table ?? ''}\n`);
  for (const [name, svg] of Object.entries(plots(out.result))) writeFileSync(`${base}-${name}.svg`, svg);
  process.stderr.write(`wrote ${base}.json, .md and the SVG plots\n`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`\nbench:e2e failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
