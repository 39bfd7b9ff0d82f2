/**
 * Which catalog metrics a PromQL expression names — shared by the alert-rule and
 * dashboard checks (test/unit/deploy-*.test.ts), so a rule or panel can never
 * query a metric that src/metrics/catalog.ts does not declare.
 *
 * Not a PromQL parser: the metric names we own all start with `wsqc_`, label
 * names never do, and label values are string literals, which are removed
 * first (`{job="wsqc_x"}` names no metric). What is left is matched as PromQL
 * identifiers ([a-zA-Z_:][a-zA-Z0-9_:]*, Prometheus data model docs).
 */
import { Registry } from 'prom-client';
import { METRIC_PREFIX, createMetrics } from '../../src/metrics/catalog';

/** Double-, single- and back-quoted PromQL strings, with backslash escapes. */
const STRING_LITERAL = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g;
const IDENTIFIER = /[a-zA-Z_:][a-zA-Z0-9_:]*/g;
/** Series a histogram (or summary) exposes besides its own name. */
const SERIES_SUFFIXES = ['_bucket', '_sum', '_count'] as const;

/** Identifiers in `expr` that start with the service's prefix, in order of first use. */
export function prefixedNamesIn(expr: string, prefix: string = METRIC_PREFIX): string[] {
  const names = new Set<string>();
  for (const match of expr.replace(STRING_LITERAL, '""').matchAll(IDENTIFIER)) {
    if (match[0].startsWith(prefix)) names.add(match[0]);
  }
  return [...names];
}

/** name → prom-client type ('counter' | 'gauge' | 'histogram' | 'summary'), default metrics included. */
export async function catalogMetricTypes(): Promise<Map<string, string>> {
  const registry = new Registry();
  createMetrics(registry);
  const metrics = await registry.getMetricsAsJSON();
  return new Map(metrics.map((m) => [m.name, String(m.type)]));
}

/**
 * The catalog metric a queried series belongs to, or undefined: `x_bucket`,
 * `x_sum` and `x_count` resolve to `x` only when `x` is a histogram or summary.
 */
export function resolveSeries(series: string, catalog: ReadonlyMap<string, string>): string | undefined {
  if (catalog.has(series)) return series;
  for (const suffix of SERIES_SUFFIXES) {
    if (!series.endsWith(suffix)) continue;
    const base = series.slice(0, -suffix.length);
    const type = catalog.get(base);
    if (type === 'histogram' || type === 'summary') return base;
  }
  return undefined;
}

/** Queried `wsqc_` series of `expr` that resolve to no catalog metric. */
export function unknownSeries(expr: string, catalog: ReadonlyMap<string, string>): string[] {
  return prefixedNamesIn(expr).filter((name) => resolveSeries(name, catalog) === undefined);
}
