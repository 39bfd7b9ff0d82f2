import { expect } from 'chai';
import { catalogMetricTypes, prefixedNamesIn, resolveSeries, unknownSeries } from '../../scripts/deploy/metric-names';
import { readRepoText } from '../../scripts/deploy/repo-files';
import { PAUSE_REASONS, pauseReasonLabel } from '../../src/flow/pause-reasons';

interface Target { refId?: string; expr?: string; datasource?: { type?: string; uid?: string } }
interface Panel {
  id?: number;
  type?: string;
  title?: string;
  gridPos?: { h: number; w: number; x: number; y: number };
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
}
interface Variable { name: string; type: string; query?: string | { query: string } }
interface Dashboard {
  uid?: string;
  title?: string;
  schemaVersion?: number;
  templating?: { list: Variable[] };
  panels?: Panel[];
}

const load = (): Dashboard => JSON.parse(readRepoText('deploy', 'grafana', 'dashboard.json')) as Dashboard;
const dataPanels = (d: Dashboard): Panel[] => (d.panels ?? []).filter((p) => p.type !== 'row');
const queries = (d: Dashboard): string[] => [
  ...dataPanels(d).flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? '')),
  ...(d.templating?.list ?? []).filter((v) => v.type === 'query').map((v) => (typeof v.query === 'string' ? v.query : v.query?.query ?? '')),
];

/** Problems with the dashboard's shape (what Grafana needs to import and render it). */
function shapeProblems(d: Dashboard): string[] {
  const problems: string[] = [];
  if (!d.uid || !d.title || typeof d.schemaVersion !== 'number') problems.push('uid, title and schemaVersion are required');
  const dsVar = (d.templating?.list ?? []).find((v) => v.type === 'datasource');
  if (dsVar?.query !== 'prometheus') problems.push('a datasource variable of type prometheus is required');
  const ids = new Set<number>();
  for (const p of d.panels ?? []) {
    const name = `panel ${p.id} "${p.title}"`;
    if (typeof p.id !== 'number' || ids.has(p.id)) problems.push(`${name}: id missing or repeated`);
    ids.add(p.id ?? -1);
    const g = p.gridPos;
    if (!g || g.w < 1 || g.h < 1 || g.x < 0 || g.x + g.w > 24 || g.y < 0) problems.push(`${name}: gridPos outside the 24-column grid`);
    if (p.type === 'row') continue;
    if (!p.title) problems.push(`${name}: no title`);
    if (p.datasource?.uid !== `\${${dsVar?.name ?? 'datasource'}}`) problems.push(`${name}: datasource is not the variable`);
    const targets = p.targets ?? [];
    if (targets.length === 0) problems.push(`${name}: no targets`);
    const refIds = targets.map((t) => t.refId);
    if (new Set(refIds).size !== refIds.length || refIds.some((r) => !r)) problems.push(`${name}: refIds missing or repeated`);
    for (const t of targets) if (!t.expr?.trim()) problems.push(`${name} ${t.refId}: empty expr`);
  }
  return problems;
}

describe('deploy/grafana/dashboard.json', () => {
  it('is a dashboard Grafana can import: panels with targets on the datasource variable', () => {
    const d = load();
    expect(dataPanels(d).length).to.be.greaterThan(15);
    expect(shapeProblems(d)).to.deep.equal([]);
  });

  it('every query names at least one catalog metric, and only catalog metrics', async () => {
    const catalog = await catalogMetricTypes();
    for (const expr of queries(load())) {
      expect(prefixedNamesIn(expr).length, expr).to.be.greaterThan(0);
      expect(unknownSeries(expr, catalog), expr).to.deep.equal([]);
    }
  });

  it('covers throughput, lag, pauses, circuit, rate limiter, Firehose, pool, latency, certificates, memory, event loop', async () => {
    const catalog = await catalogMetricTypes();
    const used = new Set(queries(load()).flatMap((e) => prefixedNamesIn(e)).map((n) => resolveSeries(n, catalog)));
    for (const metric of [
      'wsqc_messages_consumed_total', 'wsqc_firehose_records_sent_total', 'wsqc_bytes_consumed_total',
      'wsqc_consumer_lag_messages', 'wsqc_pause_active', 'wsqc_circuit_state', 'wsqc_rate_limiter_utilization',
      'wsqc_rate_limiter_tokens', 'wsqc_firehose_requests_total', 'wsqc_records_per_request', 'wsqc_bytes_per_request',
      'wsqc_worker_pool_utilization', 'wsqc_worker_pool_queue_depth', 'wsqc_end_to_end_latency_seconds',
      'wsqc_poll_processing_seconds', 'wsqc_certificate_expiry_days', 'wsqc_nodejs_heap_size_used_bytes',
      'wsqc_nodejs_eventloop_lag_p99_seconds', 'wsqc_health_status', 'wsqc_health_indicator_status',
    ]) {
      expect(used.has(metric), metric).to.equal(true);
    }
  });

  it('the checks catch a broken copy: unknown metric, missing targets, panel off the grid', async () => {
    const catalog = await catalogMetricTypes();
    const broken = load();
    const [first, second] = dataPanels(broken);
    first.targets = [{ refId: 'A', expr: 'rate(wsqc_messages_consumd_total[5m])', datasource: first.datasource }];
    second.targets = [];
    second.gridPos = { h: 8, w: 12, x: 18, y: 0 };
    expect(unknownSeries(first.targets[0].expr!, catalog)).to.deep.equal(['wsqc_messages_consumd_total']);
    const problems = shapeProblems(broken);
    expect(problems.some((p) => p.includes('no targets'))).to.equal(true);
    expect(problems.some((p) => p.includes('gridPos'))).to.equal(true);
  });

  it('the pause panel names every pause reason of the registry (src/flow/pause-reasons.ts)', () => {
    const panel = dataPanels(load()).find((p) => (p.targets ?? []).some((t) => (t.expr ?? '').includes('wsqc_pause_active')));
    const description = (panel as { description?: string } | undefined)?.description ?? '';
    expect(PAUSE_REASONS.map(pauseReasonLabel).filter((label) => !description.includes(label))).to.deep.equal([]);
  });
});
