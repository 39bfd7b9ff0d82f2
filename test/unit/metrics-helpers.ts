/** Test helpers for the metrics catalog: a recording logger and metric readers. */
import type { Registry } from 'prom-client';
import type { Logger, LogMeta } from '../../src/logging/types';

export interface LogEntry {
  level: 'error' | 'warn' | 'info' | 'debug';
  message: string;
  meta?: LogMeta;
}

export function createRecordingLogger(): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry['level']) =>
    (message: string, meta?: LogMeta): void => {
      entries.push({ level, message, meta });
    };
  const logger: Logger & { entries: LogEntry[] } = {
    entries,
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    child: () => logger,
  };
  return logger;
}

/**
 * The value of one series. For a histogram, `name` may end in _count or _sum.
 * Returns undefined when the series does not exist.
 */
export async function seriesValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  const base = name.replace(/_(count|sum)$/, '');
  const metric = registry.getSingleMetric(registry.getSingleMetric(name) ? name : base);
  if (!metric) return undefined;
  const data = await metric.get();
  const wanted = Object.entries(labels);
  const found = data.values.find(
    (v) =>
      ((v as { metricName?: string }).metricName ?? data.name) === name &&
      wanted.every(([k, val]) => String((v.labels as Record<string, unknown>)[k]) === val) &&
      Object.keys(v.labels).filter((k) => k !== 'le').length === wanted.length,
  );
  return found?.value;
}
