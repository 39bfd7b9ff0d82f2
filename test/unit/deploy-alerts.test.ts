import { expect } from 'chai';
import { catalogMetricTypes, prefixedNamesIn, resolveSeries, unknownSeries } from '../../scripts/deploy/metric-names';
import { markdownAnchors, readRepoText, readRepoYaml } from '../../scripts/deploy/repo-files';

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleFile { groups: { name: string; rules: Rule[] }[] }

const rules = (): Rule[] => (readRepoYaml('deploy', 'prometheus', 'alerts.yml') as RuleFile).groups.flatMap((g) => g.rules);

describe('deploy: PromQL metric-name extraction', () => {
  const catalog = new Map([['wsqc_a_seconds', 'histogram'], ['wsqc_b_total', 'counter'], ['wsqc_c', 'gauge']]);

  it('collects wsqc_ identifiers once each and ignores label values, label names and functions', () => {
    expect(prefixedNamesIn('sum by (le) (rate(wsqc_a_seconds_bucket{job="wsqc_fake"}[5m])) / wsqc_c and wsqc_c'))
      .to.deep.equal(['wsqc_a_seconds_bucket', 'wsqc_c']);
    expect(prefixedNamesIn(`up{job='wsqc_x', le="a\\"wsqc_y"}`)).to.deep.equal([]);
  });

  it('resolves _bucket/_sum/_count to a histogram, never to a counter or gauge', () => {
    expect(resolveSeries('wsqc_a_seconds_bucket', catalog)).to.equal('wsqc_a_seconds');
    expect(resolveSeries('wsqc_a_seconds_count', catalog)).to.equal('wsqc_a_seconds');
    expect(resolveSeries('wsqc_b_total', catalog)).to.equal('wsqc_b_total');
    expect(resolveSeries('wsqc_b_total_count', catalog)).to.equal(undefined);
    expect(resolveSeries('wsqc_c_sum', catalog)).to.equal(undefined);
  });

  it('reports a misspelled metric', () => {
    expect(unknownSeries('rate(wsqc_b_totl[5m]) > wsqc_c', catalog)).to.deep.equal(['wsqc_b_totl']);
  });
});

describe('deploy/prometheus/alerts.yml', () => {
  it('every metric an alert names is declared in the catalog (src/metrics/catalog.ts)', async () => {
    const catalog = await catalogMetricTypes();
    const unknown = rules().flatMap((r) => unknownSeries(r.expr, catalog).map((n) => `${r.alert}: ${n}`));
    expect(unknown).to.deep.equal([]);
    for (const r of rules()) {
      expect(prefixedNamesIn(r.expr).length > 0 || /\bup\b/.test(r.expr), `${r.alert} queries a metric`).to.equal(true);
    }
  });

  it('every alert has for:, a severity, summary, description and a runbook link to an existing section', () => {
    const anchors = markdownAnchors(readRepoText('docs', 'runbook.md'));
    const all = rules();
    expect(all.length).to.be.greaterThan(10);
    for (const r of all) {
      expect(r.alert, 'alerting rules only').to.be.a('string');
      expect(r.for, `${r.alert} for:`).to.match(/^\d+[smh]$/);
      expect(['warning', 'critical'], `${r.alert} severity`).to.include(r.labels?.severity);
      expect(r.annotations?.summary ?? '', `${r.alert} summary`).to.have.length.greaterThan(10);
      expect(r.annotations?.description ?? '', `${r.alert} description`).to.have.length.greaterThan(10);
      const link = /^docs\/runbook\.md#(.+)$/.exec(r.annotations?.runbook_url ?? '');
      expect(link, `${r.alert} runbook_url`).to.not.equal(null);
      expect(link![1], `${r.alert}: runbook anchor`).to.equal(r.alert!.toLowerCase());
      expect(anchors.has(link![1]), `docs/runbook.md has a "${r.alert}" section`).to.equal(true);
    }
  });

  it('the README alert table lists every alert with its for: and severity', () => {
    const readme = readRepoText('README.md');
    for (const r of rules()) {
      expect(readme, r.alert).to.match(new RegExp(`\\| \\[\`${r.alert}\`\\]\\(docs/runbook\\.md#${r.alert!.toLowerCase()}\\) \\|[^|]+\\| ${r.for} \\| ${r.labels!.severity} \\|`));
    }
  });

  it('alert names are unique', () => {
    const names = rules().map((r) => r.alert);
    expect(new Set(names).size).to.equal(names.length);
  });

  // The original service's thresholds (shared reference task list, monitoring sections).
  const thresholds: [alert: string, metric: string, threshold: RegExp][] = [
    ['WsqcPollProcessingSlow', 'wsqc_poll_processing_seconds_bucket', /\)\s*> 1\.2\s*$/],
    ['WsqcWorkerPoolSaturated', 'wsqc_worker_pool_utilization', /> 0\.8$/],
    ['WsqcRateLimitEventsFrequent', 'wsqc_rate_limit_events_total', /\[1h\]\)\) > 10$/],
    ['WsqcPausesFrequent', 'wsqc_consumer_pauses_total', /\[1h\]\)\) > 5$/],
    ['WsqcBatchRejectionHigh', 'wsqc_firehose_requests_total', /> 0\.05\s*$/],
    ['WsqcBufferFullHigh', 'wsqc_buffer_full_events_total', /> 0\.10\s*$/],
    ['WsqcRateLimiterTokensLow', 'wsqc_rate_limiter_utilization', />= 0\.9$/],
    ['WsqcCertificateExpiringSoon', 'wsqc_certificate_expiry_days', /< 30$/],
    ['WsqcCertificateExpiryCritical', 'wsqc_certificate_expiry_days', /< 7$/],
    ['WsqcConsumerLagGrowing', 'wsqc_consumer_lag_messages', /deriv\(wsqc_consumer_lag_messages\[10m\]\)/],
    ['WsqcReadinessDown', 'wsqc_health_status', /probe="readiness"\} == 0$/],
  ];
  for (const [alert, metric, threshold] of thresholds) {
    it(`${alert} keeps the original threshold on ${metric}`, () => {
      const rule = rules().find((r) => r.alert === alert);
      expect(rule, alert).to.not.equal(undefined);
      expect(prefixedNamesIn(rule!.expr)).to.include(metric);
      expect(rule!.expr.trim()).to.match(threshold);
    });
  }

  it('readiness must be down for 5 minutes and lag must grow for 10 before paging', () => {
    expect(rules().find((r) => r.alert === 'WsqcReadinessDown')?.for).to.equal('5m');
    expect(rules().find((r) => r.alert === 'WsqcConsumerLagGrowing')?.for).to.equal('10m');
  });
});
