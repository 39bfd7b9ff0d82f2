/**
 * The one metrics catalog (STYLE: "One metrics catalog", after Sentry arroyo's
 * `utils/metric_defs.py`). Every metric the service exports is declared here with
 * its name, help and label names; nothing else in the code base constructs a
 * prom-client metric. Code that wants to count something calls a function of
 * `createEvents` (./events.ts), which logs and counts together.
 *
 * Rules this file keeps:
 * - A dedicated Registry is passed in; the prom-client global registry is never
 *   touched, so tests and several app instances do not collide.
 * - Names start with `wsqc_` (wifi-scan-queue-consumer).
 * - Labels are bounded: topic, partition (as a string, bounded by the assignment),
 *   format, code, outcome, reason, size_class, version, circuit, to, bucket, store,
 *   subject (a certificate's CN, bounded by the stores), cause, probe, indicator,
 *   trigger (full | linger).
 *   Never a payload, a key, a message id, an offset or a secret (DESIGN invariant 8).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const METRIC_PREFIX = 'wsqc_';

export type UnitOutcome = 'acked' | 'abandoned' | 'failed';
export type FirehoseOutcome = 'ok' | 'partial' | 'throttled' | 'error';
export type SizeClassName = 'small' | 'medium' | 'large';
/** Label values of the pause-control reasons (src/flow pause control: RATE_LIMIT, BUFFER_FULL, ...). */
export type { PauseReasonLabel } from '../flow/pause-reasons';
export type { CircuitName } from '../flow/circuit';
/** wsqc_circuit_state values: 0 closed, 1 half-open, 2 open. */
export type CircuitStateLabel = 'closed' | 'half_open' | 'open';
export type RateBucketLabel = 'records' | 'bytes' | 'requests' | 'size_class';
export type { CertificateStore, ProbeLabel } from '../labels';
export type DuplicateCause = 'timeout' | 'rebalance';
/** Why the coalescer cut a request (src/firehose/coalescer.ts FlushTrigger). */
export type FlushTriggerLabel = 'full' | 'linger';

const KB = 1_000;
const MiB = 1024 * 1024;

/**
 * Bucket layouts. Messages are 30–100 KB WiFi scans, so message_bytes is dense
 * between 10 KB and 200 KB and ends at the Firehose record limit (1,024,000 bytes).
 * Request buckets end at the PutRecordBatch limits (500 records, 4 MiB).
 */
export const BUCKETS = {
  messageBytes: [10 * KB, 20 * KB, 30 * KB, 40 * KB, 50 * KB, 65 * KB, 80 * KB, 100 * KB, 150 * KB, 200 * KB, 500 * KB, 1_024_000],
  encodedRatio: [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 1.1, 1.5],
  unitSeconds: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
  workerSeconds: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  requestSeconds: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  recordsPerRequest: [1, 5, 10, 25, 50, 100, 200, 300, 400, 500],
  bytesPerRequest: [16 * 1024, 64 * 1024, 256 * 1024, 512 * 1024, 1 * MiB, 2 * MiB, 3 * MiB, 4 * MiB],
  pauseSeconds: [0.1, 1, 5, 7.5, 15, 30, 60, 120, 300, 900, 3600],
  pollSeconds: [0.01, 0.05, 0.1, 0.25, 0.5, 0.8, 1, 1.2, 2, 5, 10, 30],
  latencySeconds: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900],
  unitsPerRequest: [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64],
  coalesceWaitSeconds: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
} as const;

export interface Metrics {
  readonly registry: Registry;
  // Kafka side
  readonly messagesConsumed: Counter<'topic'>;
  readonly bytesConsumed: Counter<'topic'>;
  readonly offsetsCommitted: Counter<'topic'>;
  readonly commitLag: Gauge<'topic' | 'partition'>;
  readonly rebalances: Counter;
  readonly consumerPaused: Gauge;
  readonly consumerPauses: Counter<'reason'>;
  readonly messageSizeClass: Counter<'size_class'>;
  readonly messageBytes: Histogram;
  // units and workers
  readonly unitsStarted: Counter;
  readonly unitsCompleted: Counter<'outcome'>;
  readonly unitDuration: Histogram;
  readonly inflightBytes: Gauge;
  readonly inflightUnits: Gauge;
  readonly workerTaskSeconds: Histogram<'format'>;
  readonly workerFailures: Counter;
  readonly encodedRatio: Histogram<'format'>;
  // Firehose side
  readonly firehoseRequests: Counter<'outcome'>;
  readonly firehoseRecordsSent: Counter;
  readonly firehoseBytesSent: Counter;
  readonly firehoseRecordsFailed: Counter<'code'>;
  readonly firehoseRequestSeconds: Histogram;
  readonly firehoseRetries: Counter<'reason'>;
  readonly recordsPerRequest: Histogram;
  readonly bytesPerRequest: Histogram;
  readonly deadLetters: Counter<'code'>;
  readonly rateLimiterWaitSeconds: Counter;
  // request coalescing (issue 8)
  readonly coalesceUnitsPerRequest: Histogram;
  readonly coalesceFlushes: Counter<'trigger'>;
  readonly coalesceWaitSeconds: Histogram;
  readonly coalesceQueuedBytes: Gauge;
  // control layer: pause control, circuits, rate limiting
  readonly pauseActive: Gauge<'reason'>;
  readonly pauseSeconds: Histogram<'reason'>;
  readonly circuitState: Gauge<'circuit'>;
  readonly circuitTransitions: Counter<'circuit' | 'to'>;
  readonly rateLimiterTokens: Gauge<'bucket'>;
  readonly rateLimiterUtilization: Gauge<'bucket'>;
  readonly rateLimitEvents: Counter<'bucket'>;
  readonly rateLimiterBytesPerSecond: Gauge;
  readonly bufferFullEvents: Counter;
  // operations: poll cycle, pool, latency, certificates, health
  readonly pollProcessingSeconds: Histogram;
  readonly consumerLag: Gauge<'topic' | 'partition'>;
  readonly workerPoolUtilization: Gauge;
  readonly workerPoolQueueDepth: Gauge;
  readonly workerThreadsStarted: Counter;
  readonly endToEndLatencySeconds: Histogram;
  readonly certificateExpiryDays: Gauge<'store' | 'subject'>;
  readonly duplicatesResent: Counter<'cause'>;
  readonly healthStatus: Gauge<'probe'>;
  readonly healthIndicatorStatus: Gauge<'indicator'>;
  // process
  readonly buildInfo: Gauge<'version'>;
}

export interface CreateMetricsOptions {
  /** Value of wsqc_build_info{version}; set to 1 when given. */
  version?: string;
  /** Node.js process metrics (wsqc_process_*, wsqc_nodejs_*); default true. */
  defaultMetrics?: boolean;
}

/** Declares every metric on `registry` (never the global one). */
export function createMetrics(registry: Registry, options: CreateMetricsOptions = {}): Metrics {
  const registers = [registry];
  const name = (n: string): string => METRIC_PREFIX + n;
  const counter = <L extends string>(n: string, help: string, labelNames: readonly L[] = []): Counter<L> =>
    new Counter<L>({ name: name(n), help, labelNames, registers });
  const gauge = <L extends string>(n: string, help: string, labelNames: readonly L[] = []): Gauge<L> =>
    new Gauge<L>({ name: name(n), help, labelNames, registers });
  const histogram = <L extends string>(
    n: string,
    help: string,
    buckets: readonly number[],
    labelNames: readonly L[] = [],
  ): Histogram<L> => new Histogram<L>({ name: name(n), help, labelNames, buckets: [...buckets], registers });

  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  }

  const metrics: Metrics = {
    registry,
    messagesConsumed: counter('messages_consumed_total', 'Kafka messages handed to the pipeline.', ['topic']),
    bytesConsumed: counter('bytes_consumed_total', 'Raw Kafka message value bytes handed to the pipeline.', ['topic']),
    offsetsCommitted: counter('offsets_committed_total', 'Offset commits of a contiguous acknowledged prefix.', ['topic']),
    commitLag: gauge(
      'commit_lag_messages',
      'Highest consumed offset minus committed offset, per assigned partition.',
      ['topic', 'partition'],
    ),
    rebalances: counter('rebalances_total', 'Consumer group joins (each rebalance ends with one).'),
    consumerPaused: gauge('consumer_paused', '1 while fetching is paused for any reason (see wsqc_pause_active), else 0.'),
    consumerPauses: counter('consumer_pauses_total', 'Times a pause reason was taken (PauseReasonLabel), including while another already held.', ['reason']),
    messageSizeClass: counter(
      'message_size_class_total',
      'Messages by raw size class: small <=30 KB, medium 31-80 KB, large >80 KB.',
      ['size_class'],
    ),
    messageBytes: histogram('message_bytes', 'Raw Kafka message value size in bytes.', BUCKETS.messageBytes),

    unitsStarted: counter('units_started_total', 'Work units cut from Kafka batches and started.'),
    unitsCompleted: counter('units_completed_total', 'Work units finished, by outcome.', ['outcome']),
    unitDuration: histogram(
      'unit_duration_seconds',
      'Time from a unit being cut to every record being acknowledged.',
      BUCKETS.unitSeconds,
    ),
    inflightBytes: gauge('inflight_bytes', 'Raw message bytes held by units not yet acknowledged.'),
    inflightUnits: gauge('inflight_units', 'Units not yet acknowledged.'),
    workerTaskSeconds: histogram(
      'worker_task_seconds',
      'Wall time of one encode task in the worker pool, queueing included.',
      BUCKETS.workerSeconds,
      ['format'],
    ),
    workerFailures: counter('worker_failures_total', 'Encode tasks that failed as a whole (crash, timeout, error).'),
    encodedRatio: histogram(
      'encoded_ratio',
      'Encoded bytes divided by raw bytes, per unit.',
      BUCKETS.encodedRatio,
      ['format'],
    ),

    firehoseRequests: counter('firehose_requests_total', 'PutRecordBatch calls, by outcome.', ['outcome']),
    firehoseRecordsSent: counter(
      'firehose_records_sent_total',
      'Records carried by PutRecordBatch calls, resends included; acknowledged = sent - failed.',
    ),
    firehoseBytesSent: counter('firehose_bytes_sent_total', 'Raw Data bytes carried by PutRecordBatch calls.'),
    firehoseRecordsFailed: counter(
      'firehose_records_failed_total',
      'Records that PutRecordBatch refused individually, by error code.',
      ['code'],
    ),
    firehoseRequestSeconds: histogram(
      'firehose_request_seconds',
      'Latency of one PutRecordBatch call.',
      BUCKETS.requestSeconds,
    ),
    firehoseRetries: counter('firehose_retries_total', 'Resends scheduled, by reason.', ['reason']),
    recordsPerRequest: histogram('records_per_request', 'Records in one PutRecordBatch call.', BUCKETS.recordsPerRequest),
    bytesPerRequest: histogram('bytes_per_request', 'Raw Data bytes in one PutRecordBatch call.', BUCKETS.bytesPerRequest),
    deadLetters: counter('dead_letters_total', 'Messages written to the dead-letter topic, by reason code.', ['code']),
    rateLimiterWaitSeconds: counter(
      'rate_limiter_wait_seconds_total',
      'Time spent waiting on the Firehose rate limiter.',
    ),

    // Request coalescing (issue 8). Wired by src/wiring/coalesce-observer.ts.
    coalesceUnitsPerRequest: histogram('coalesce_units_per_request', 'Units (coalescer callers) with records in one coalesced PutRecordBatch delivery.', BUCKETS.unitsPerRequest),
    coalesceFlushes: counter('coalesce_flushes_total', 'Coalesced deliveries cut, by trigger: full (a limit reached) or linger (the oldest record waited firehose.coalesce.lingerMs).', ['trigger']),
    coalesceWaitSeconds: histogram('coalesce_wait_seconds', 'Time the oldest record of a coalesced delivery waited in the coalescer (linger, or every request slot busy).', BUCKETS.coalesceWaitSeconds),
    coalesceQueuedBytes: gauge('coalesce_queued_bytes', 'Encoded bytes waiting in the coalescer for a request.'),

    // Control layer (issue 6). Wired by src/flow and the supervisor.
    pauseActive: gauge('pause_active', '1 while this pause reason holds fetching paused, else 0.', ['reason']),
    pauseSeconds: histogram('pause_seconds', 'Length of each pause, from the reason being set to it being cleared.', BUCKETS.pauseSeconds, ['reason']),
    circuitState: gauge('circuit_state', 'Circuit state: 0 closed, 1 half-open (probing), 2 open.', ['circuit']),
    circuitTransitions: counter('circuit_transitions_total', 'Circuit state changes, by circuit and new state.', ['circuit', 'to']),
    rateLimiterTokens: gauge('rate_limiter_tokens', 'Tokens available in each rate-limiter bucket.', ['bucket']),
    rateLimiterUtilization: gauge('rate_limiter_utilization', 'Share of each bucket in use: 1 - tokens / capacity (0..1).', ['bucket']),
    rateLimitEvents: counter('rate_limit_events_total', 'Units a bucket could not serve whole at once (partial take or wait).', ['bucket']),
    rateLimiterBytesPerSecond: gauge('rate_limiter_bytes_per_second', 'Current bytes/s rate after AIMD throttling adjustment.'),
    bufferFullEvents: counter('buffer_full_events_total', 'PutRecordBatch calls answered with ServiceUnavailableException for the request or any record.'),

    // Operations (issue 7). Wired by the supervisor, the pool and src/health.
    pollProcessingSeconds: histogram('poll_processing_seconds', 'Time to process one fetched batch (one eachBatch call).', BUCKETS.pollSeconds),
    consumerLag: gauge('consumer_lag_messages', 'Log end offset (high watermark) minus committed offset, per assigned partition.', ['topic', 'partition']),
    workerPoolUtilization: gauge('worker_pool_utilization', 'Worker pool utilisation (0..1), as Piscina reports it.'),
    workerPoolQueueDepth: gauge('worker_pool_queue_depth', 'Encode tasks waiting for a worker thread.'),
    workerThreadsStarted: counter('worker_threads_started_total', 'Worker threads started by the pool (churn shows as growth after start-up).'),
    endToEndLatencySeconds: histogram('end_to_end_latency_seconds', 'From the Kafka message timestamp to the Firehose acknowledgement of its record.', BUCKETS.latencySeconds),
    certificateExpiryDays: gauge('certificate_expiry_days', 'Days until each keystore and truststore certificate expires (negative once expired).', ['store', 'subject']),
    duplicatesResent: counter('duplicates_resent_total', 'Messages sent again after a timeout or a rebalance (possible duplicates downstream).', ['cause']),
    healthStatus: gauge('health_status', 'Probe result: 1 up, 0 down.', ['probe']),
    healthIndicatorStatus: gauge('health_indicator_status', 'Each health indicator: 1 up, 0 down.', ['indicator']),

    buildInfo: gauge('build_info', 'Always 1; the version label says which build runs.', ['version']),
  };

  if (options.version !== undefined) {
    metrics.buildInfo.set({ version: options.version }, 1);
  }
  return metrics;
}
