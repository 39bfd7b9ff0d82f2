import { expect } from 'chai';
import { Registry, register as globalRegistry } from 'prom-client';
import { AppError } from '../../src/errors';
import { silentLogger } from '../../src/logging/types';
import { METRIC_PREFIX, createMetrics } from '../../src/metrics/catalog';
import { coalesceObserver } from '../../src/wiring/coalesce-observer';
import { boundedLabel, createEvents, errorMeta } from '../../src/metrics/events';
import { createRecordingLogger, seriesValue } from './metrics-helpers';

const ALLOWED_LABELS = new Set([
  'topic', 'partition', 'format', 'code', 'outcome', 'reason', 'size_class', 'version',
  'circuit', 'to', 'bucket', 'store', 'subject', 'cause', 'probe', 'indicator', 'trigger',
]);

const EXPECTED_NAMES = [
  'messages_consumed_total',
  'bytes_consumed_total',
  'units_started_total',
  'units_completed_total',
  'unit_duration_seconds',
  'worker_task_seconds',
  'worker_failures_total',
  'firehose_requests_total',
  'firehose_records_sent_total',
  'firehose_bytes_sent_total',
  'firehose_records_failed_total',
  'firehose_request_seconds',
  'firehose_retries_total',
  'records_per_request',
  'bytes_per_request',
  'dead_letters_total',
  'offsets_committed_total',
  'commit_lag_messages',
  'inflight_bytes',
  'inflight_units',
  'consumer_paused',
  'consumer_pauses_total',
  'rebalances_total',
  'rate_limiter_wait_seconds_total',
  'coalesce_units_per_request',
  'coalesce_flushes_total',
  'coalesce_wait_seconds',
  'coalesce_queued_bytes',
  'message_size_class_total',
  'message_bytes',
  'encoded_ratio',
  'pause_active',
  'pause_seconds',
  'circuit_state',
  'circuit_transitions_total',
  'rate_limiter_tokens',
  'rate_limiter_utilization',
  'rate_limit_events_total',
  'rate_limiter_bytes_per_second',
  'buffer_full_events_total',
  'poll_processing_seconds',
  'consumer_lag_messages',
  'worker_pool_utilization',
  'worker_pool_queue_depth',
  'worker_threads_started_total',
  'end_to_end_latency_seconds',
  'certificate_expiry_days',
  'duplicates_resent_total',
  'health_status',
  'health_indicator_status',
  'build_info',
].map((n) => METRIC_PREFIX + n);

function setup(): { registry: Registry; metrics: ReturnType<typeof createMetrics> } {
  const registry = new Registry();
  return { registry, metrics: createMetrics(registry, { defaultMetrics: false, version: '1.2.3' }) };
}

describe('metrics catalog', () => {
  it('declares every metric of the catalog on the given registry', async () => {
    const { registry } = setup();
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name);
    expect(names).to.have.members(EXPECTED_NAMES);
  });

  it('prefixes every name with wsqc_ and uses bounded label names only', async () => {
    const registry = new Registry();
    createMetrics(registry);
    for (const metric of await registry.getMetricsAsJSON()) {
      expect(metric.name.startsWith(METRIC_PREFIX), metric.name).to.equal(true);
    }
    for (const name of EXPECTED_NAMES) {
      const labelNames = (registry.getSingleMetric(name) as unknown as { labelNames: string[] }).labelNames;
      for (const label of labelNames) expect(ALLOWED_LABELS.has(label), `${name}{${label}}`).to.equal(true);
    }
  });

  it('never touches the global registry', () => {
    const before = globalRegistry.getMetricsAsArray().length;
    createMetrics(new Registry());
    expect(globalRegistry.getMetricsAsArray().length).to.equal(before);
    expect(globalRegistry.getSingleMetric('wsqc_messages_consumed_total')).to.equal(undefined);
  });

  it('allows several catalogs side by side (one per registry)', () => {
    expect(() => {
      createMetrics(new Registry());
      createMetrics(new Registry());
    }).not.to.throw();
  });

  it('collects the default process metrics with the prefix, unless disabled', async () => {
    const withDefaults = new Registry();
    createMetrics(withDefaults);
    expect(await withDefaults.metrics()).to.contain('wsqc_process_cpu_user_seconds_total');
    const { registry } = setup();
    expect(await registry.metrics()).not.to.contain('process_cpu_user_seconds_total');
  });

  it('sets build_info{version} to 1', async () => {
    const { registry } = setup();
    expect(await seriesValue(registry, 'wsqc_build_info', { version: '1.2.3' })).to.equal(1);
  });
});

describe('metrics events', () => {
  it('messagesConsumed counts messages and bytes per topic', async () => {
    const { registry, metrics } = setup();
    const events = createEvents(metrics, silentLogger);
    events.messagesConsumed('wifi-scans', 0, 3, 150_000);
    events.messagesConsumed('wifi-scans', 1, 2, 50_000);
    expect(await seriesValue(registry, 'wsqc_messages_consumed_total', { topic: 'wifi-scans' })).to.equal(5);
    expect(await seriesValue(registry, 'wsqc_bytes_consumed_total', { topic: 'wifi-scans' })).to.equal(200_000);
  });

  it('unit outcomes are counted by outcome and acks observe the duration', async () => {
    const { registry, metrics } = setup();
    const logger = createRecordingLogger();
    const events = createEvents(metrics, logger);
    events.unitStarted('t', 0, 10, 1000);
    events.unitStarted('t', 0, 10, 1000);
    events.unitStarted('t', 0, 10, 1000);
    events.unitAcked('t', 0, 10, 0.5);
    events.unitAbandoned('t', 0, 10, 'rebalance');
    events.unitFailed('t', 0, new AppError('BOOM', 'it broke', { retriable: true }));
    expect(await seriesValue(registry, 'wsqc_units_started_total')).to.equal(3);
    for (const outcome of ['acked', 'abandoned', 'failed']) {
      expect(await seriesValue(registry, 'wsqc_units_completed_total', { outcome })).to.equal(1);
    }
    expect(await seriesValue(registry, 'wsqc_unit_duration_seconds_count')).to.equal(1);
    expect(await seriesValue(registry, 'wsqc_unit_duration_seconds_sum')).to.equal(0.5);
    const failed = logger.entries.find((e) => e.message === 'unit failed');
    expect(failed?.level).to.equal('error');
    expect(failed?.meta).to.include({ code: 'BOOM', retriable: true, topic: 't', partition: 0 });
  });

  it('firehoseRequest counts, observes and logs by outcome', async () => {
    const { registry, metrics } = setup();
    const logger = createRecordingLogger();
    const events = createEvents(metrics, logger);
    events.firehoseRequest('ok', 500, 4_000_000, 0.2);
    events.firehoseRequest('throttled', 100, 1_000_000, 0.1);
    expect(await seriesValue(registry, 'wsqc_firehose_requests_total', { outcome: 'ok' })).to.equal(1);
    expect(await seriesValue(registry, 'wsqc_firehose_requests_total', { outcome: 'throttled' })).to.equal(1);
    expect(await seriesValue(registry, 'wsqc_firehose_records_sent_total')).to.equal(600);
    expect(await seriesValue(registry, 'wsqc_firehose_bytes_sent_total')).to.equal(5_000_000);
    expect(await seriesValue(registry, 'wsqc_records_per_request_count')).to.equal(2);
    expect(await seriesValue(registry, 'wsqc_bytes_per_request_sum')).to.equal(5_000_000);
    expect(await seriesValue(registry, 'wsqc_firehose_request_seconds_count')).to.equal(2);
    expect(logger.entries.map((e) => e.level)).to.deep.equal(['debug', 'warn']);
  });

  it('partialFailure counts failed records per bounded code', async () => {
    const { registry, metrics } = setup();
    const logger = createRecordingLogger();
    const events = createEvents(metrics, logger);
    events.partialFailure(7, 500, { ServiceUnavailableException: 5, 'free text with spaces': 2, InternalFailure: 0 });
    expect(
      await seriesValue(registry, 'wsqc_firehose_records_failed_total', { code: 'ServiceUnavailableException' }),
    ).to.equal(5);
    expect(await seriesValue(registry, 'wsqc_firehose_records_failed_total', { code: 'other' })).to.equal(2);
    expect(await seriesValue(registry, 'wsqc_firehose_records_failed_total', { code: 'InternalFailure' })).to.equal(
      undefined,
    );
    expect(logger.entries[0]).to.deep.include({ level: 'warn' });
    expect(logger.entries[0].meta).to.deep.equal({
      failed: 7,
      total: 500,
      codes: { ServiceUnavailableException: 5, other: 2 },
    });
  });

  it('retryScheduled and rateLimiterWaited count', async () => {
    const { registry, metrics } = setup();
    const events = createEvents(metrics, silentLogger);
    events.retryScheduled('throttled', 200, 1);
    events.retryScheduled('throttled', 400, 2);
    events.rateLimiterWaited(0.25);
    events.rateLimiterWaited(0.5);
    expect(await seriesValue(registry, 'wsqc_firehose_retries_total', { reason: 'throttled' })).to.equal(2);
    expect(await seriesValue(registry, 'wsqc_rate_limiter_wait_seconds_total')).to.equal(0.75);
  });

  it('deadLettered logs coordinates and counts by code', async () => {
    const { registry, metrics } = setup();
    const logger = createRecordingLogger();
    const events = createEvents(metrics, logger);
    events.deadLettered('wifi-scans', 3, '12345', 'INVALID_JSON', 'unexpected token at position 17');
    expect(await seriesValue(registry, 'wsqc_dead_letters_total', { code: 'INVALID_JSON' })).to.equal(1);
    expect(logger.entries).to.deep.equal([
      {
        level: 'warn',
        message: 'message dead-lettered',
        meta: {
          topic: 'wifi-scans',
          partition: 3,
          offset: '12345',
          code: 'INVALID_JSON',
          reason: 'unexpected token at position 17',
        },
      },
    ]);
  });

  it('commitLag exports per partition and a rebalance drops partitions no longer owned', async () => {
    const { registry, metrics } = setup();
    const events = createEvents(metrics, silentLogger);
    events.commitLag('t', 0, 10);
    events.commitLag('t', 1, 20);
    events.commitLag('u', 0, 5);
    events.offsetsCommitted('t', 0, '100');
    expect(await seriesValue(registry, 'wsqc_commit_lag_messages', { topic: 't', partition: '1' })).to.equal(20);
    expect(await seriesValue(registry, 'wsqc_offsets_committed_total', { topic: 't' })).to.equal(1);

    events.rebalance({ t: [1, 2] });
    expect(await seriesValue(registry, 'wsqc_rebalances_total')).to.equal(1);
    expect(await seriesValue(registry, 'wsqc_commit_lag_messages', { topic: 't', partition: '0' })).to.equal(undefined);
    expect(await seriesValue(registry, 'wsqc_commit_lag_messages', { topic: 'u', partition: '0' })).to.equal(undefined);
    expect(await seriesValue(registry, 'wsqc_commit_lag_messages', { topic: 't', partition: '1' })).to.equal(20);
  });

  it('pauseHeld / pauseReleased drive pause_active, pause_seconds, the paused gauge and count pauses by reason', async () => {
    const { registry, metrics } = setup();
    const logger = createRecordingLogger();
    const events = createEvents(metrics, logger);
    events.pauseHeld('in_flight_cap', ['in_flight_cap']);
    expect(await seriesValue(registry, 'wsqc_consumer_paused')).to.equal(1);
    expect(await seriesValue(registry, 'wsqc_pause_active', { reason: 'in_flight_cap' })).to.equal(1);
    events.pauseHeld('network', ['in_flight_cap', 'network']);
    events.pauseReleased('in_flight_cap', 2.5, false, ['network']);
    expect(await seriesValue(registry, 'wsqc_consumer_paused'), 'network still holds').to.equal(1);
    expect(await seriesValue(registry, 'wsqc_pause_active', { reason: 'in_flight_cap' })).to.equal(0);
    events.pauseReleased('network', 7, true, []);
    expect(await seriesValue(registry, 'wsqc_consumer_paused')).to.equal(0);
    expect(await seriesValue(registry, 'wsqc_consumer_pauses_total', { reason: 'in_flight_cap' })).to.equal(1);
    expect(await seriesValue(registry, 'wsqc_consumer_pauses_total', { reason: 'network' })).to.equal(1);
    expect(await seriesValue(registry, 'wsqc_pause_seconds_sum', { reason: 'network' })).to.equal(7);
    expect(await seriesValue(registry, 'wsqc_pause_seconds_count', { reason: 'in_flight_cap' })).to.equal(1);
    expect(logger.entries.map((e) => e.message)).to.deep.equal(['consumer paused', 'consumer paused', 'pause reason released', 'consumer resumed']);
  });

  it('inflight sets the gauges; workerTask observes time and the encoded ratio per format', async () => {
    const { registry, metrics } = setup();
    const events = createEvents(metrics, silentLogger);
    events.inflight(4, 400_000);
    events.workerTask('gzip-ndjson', 0.02, 100_000, 25_000);
    events.workerTask('gzip-ndjson', 0.01, 0, 0); // empty unit: no ratio
    expect(await seriesValue(registry, 'wsqc_inflight_units')).to.equal(4);
    expect(await seriesValue(registry, 'wsqc_inflight_bytes')).to.equal(400_000);
    expect(await seriesValue(registry, 'wsqc_worker_task_seconds_count', { format: 'gzip-ndjson' })).to.equal(2);
    expect(await seriesValue(registry, 'wsqc_encoded_ratio_sum', { format: 'gzip-ndjson' })).to.equal(0.25);
    expect(await seriesValue(registry, 'wsqc_encoded_ratio_count', { format: 'gzip-ndjson' })).to.equal(1);
  });

  it('workerFailure counts and logs the error without a stack', async () => {
    const { registry, metrics } = setup();
    const logger = createRecordingLogger();
    createEvents(metrics, logger).workerFailure(new Error('worker exited'));
    expect(await seriesValue(registry, 'wsqc_worker_failures_total')).to.equal(1);
    expect(logger.entries[0].meta).to.deep.equal({ errorName: 'Error', error: 'worker exited' });
  });

  it('workerThreadStarted counts wsqc_worker_threads_started_total without logging', async () => {
    const { registry, metrics } = setup();
    const logger = createRecordingLogger();
    const events = createEvents(metrics, logger);
    events.workerThreadStarted();
    events.workerThreadStarted();
    expect(await seriesValue(registry, 'wsqc_worker_threads_started_total')).to.equal(2);
    expect(logger.entries).to.deep.equal([]);
  });

  it('sizeClasses and messageSizes feed the size metrics', async () => {
    const { registry, metrics } = setup();
    const events = createEvents(metrics, silentLogger);
    events.sizeClasses({ small: { count: 2 }, medium: { count: 0 }, large: { count: 1 } });
    events.messageSizes([30_000, 90_000]);
    expect(await seriesValue(registry, 'wsqc_message_size_class_total', { size_class: 'small' })).to.equal(2);
    expect(await seriesValue(registry, 'wsqc_message_size_class_total', { size_class: 'medium' })).to.equal(undefined);
    expect(await seriesValue(registry, 'wsqc_message_size_class_total', { size_class: 'large' })).to.equal(1);
    expect(await seriesValue(registry, 'wsqc_message_bytes_sum')).to.equal(120_000);
  });

  it('fatal logs at error level', () => {
    const { metrics } = setup();
    const logger = createRecordingLogger();
    createEvents(metrics, logger).fatal(new AppError('STREAM_NOT_FOUND', 'delivery stream missing'));
    expect(logger.entries[0].level).to.equal('error');
    expect(logger.entries[0].meta).to.include({ code: 'STREAM_NOT_FOUND', retriable: false });
  });

  it('ignores negative and non-finite amounts instead of throwing', async () => {
    const { registry, metrics } = setup();
    const events = createEvents(metrics, silentLogger);
    expect(() => events.messagesConsumed('t', 0, -1, Number.NaN)).not.to.throw();
    expect(await seriesValue(registry, 'wsqc_messages_consumed_total', { topic: 't' })).to.equal(0);
  });
});

describe('coalesceObserver', () => {
  it('counts each coalesced delivery by trigger, its units and wait, and sets the queued bytes', async () => {
    const { registry, metrics } = setup();
    const observer = coalesceObserver(metrics);
    observer.flushed({ trigger: 'full', callers: 3, records: 120, bytes: 4_000_000, waitedMs: 20 });
    observer.flushed({ trigger: 'linger', callers: 1, records: 10, bytes: 300_000, waitedMs: 50 });
    observer.queued(12_345);
    expect(await seriesValue(registry, 'wsqc_coalesce_flushes_total', { trigger: 'full' })).to.equal(1);
    expect(await seriesValue(registry, 'wsqc_coalesce_flushes_total', { trigger: 'linger' })).to.equal(1);
    expect(await seriesValue(registry, 'wsqc_coalesce_units_per_request_sum', {})).to.equal(4);
    expect(await seriesValue(registry, 'wsqc_coalesce_wait_seconds_sum', {})).to.be.closeTo(0.07, 1e-9);
    expect(await seriesValue(registry, 'wsqc_coalesce_queued_bytes', {})).to.equal(12_345);
  });
});

describe('boundedLabel / errorMeta', () => {
  const cases: Array<[string, string]> = [
    ['ServiceUnavailableException', 'ServiceUnavailableException'],
    ['INVALID_JSON', 'INVALID_JSON'],
    ['has space', 'other'],
    ['', 'other'],
    ['x'.repeat(65), 'other'],
    ['{"ssid":"home"}', 'other'],
  ];
  for (const [input, expected] of cases) {
    it(`boundedLabel(${JSON.stringify(input.slice(0, 20))}) = ${expected}`, () => {
      expect(boundedLabel(input)).to.equal(expected);
    });
  }

  it('errorMeta handles non-Error values', () => {
    expect(errorMeta('plain')).to.deep.equal({ error: 'plain' });
  });
});
