/**
 * The one configuration schema. Every key has doc, format, default and env
 * (the helpers below make it impossible to forget one); `sensitive` keys also
 * accept `<ENV>_FILE` (see load.ts) and are redacted everywhere.
 *
 * Limits that come from a service are checked against the named constants in
 * src/pipeline/limits.ts, so a config can never ask Firehose for more than it
 * accepts (STYLE: "values above the service's limits fail").
 */
import type convict from 'convict';
import { MAX_BYTES_PER_BATCH, MAX_RECORD_BYTES, MAX_RECORDS_PER_BATCH } from '../pipeline/limits';
import {
  KEYSTORE_TYPES,
  LOG_FORMATS,
  LOG_LEVELS,
  NODE_ENVS,
  RATE_LIMIT_MODES,
  POOL_ENGINES,
  RECORD_FORMATS,
  type AppConfig,
} from './types';

type Leaf<T> = convict.SchemaObj<T> & { doc: string; format: string; env: string };
type Extra = { maxReason?: string; nonEmpty?: boolean; minItems?: number };

const MiB = 1024 * 1024;
const HOUR_MS = 3_600_000;

function int(doc: string, def: number, env: string, min: number, max: number, extra: Extra = {}): Leaf<number> {
  return { doc, format: 'int-range', default: def, env, min, max, ...extra };
}
function num(doc: string, def: number, env: string, min: number, max: number): Leaf<number> {
  return { doc, format: 'number-range', default: def, env, min, max };
}
function flag(doc: string, def: boolean, env: string): Leaf<boolean> {
  return { doc, format: 'flag', default: def, env };
}
function text(doc: string, def: string, env: string, extra: Extra = {}): Leaf<string> {
  return { doc, format: 'text', default: def, env, ...extra };
}
function oneOf<T extends string>(doc: string, values: readonly T[], def: T, env: string): Leaf<T> {
  return { doc, format: 'one-of', default: def, env, values };
}
function list(doc: string, format: string, def: string[], env: string): Leaf<readonly string[]> {
  return { doc, format, default: def, env, minItems: 1 };
}
function secret(doc: string, env: string): Leaf<string> {
  return { doc: `${doc} Also read from ${env}_FILE (a file holding the value).`, format: 'text', default: '', env, sensitive: true };
}

export const schema: convict.Schema<AppConfig> = {
  env: oneOf('Deployment environment; also picks config/<env>.json.', NODE_ENVS, 'development', 'NODE_ENV'),
  kafka: {
    brokers: list('Bootstrap brokers, host:port (comma separated in the environment).', 'broker-list', ['127.0.0.1:9093'], 'KAFKA_BROKERS'),
    clientId: text('Kafka client id.', 'wifi-scan-queue-consumer', 'KAFKA_CLIENT_ID', { nonEmpty: true }),
    groupId: text('Consumer group id; every pod of the deployment shares it.', 'wifi-scan-queue-consumer', 'KAFKA_GROUP_ID', { nonEmpty: true }),
    topics: list('Source topics (comma separated in the environment).', 'topic-list', ['wifi-scans'], 'KAFKA_TOPICS'),
    fromBeginning: flag('A new group starts at the earliest offset (else the latest).', true, 'KAFKA_FROM_BEGINNING'),
    tls: {
      enabled: flag('Connect to Kafka over TLS (mutual TLS with a client certificate).', true, 'KAFKA_TLS_ENABLED'),
      keystoreType: oneOf('Client key material: pkcs12 keystore + truststore, or pem files.', KEYSTORE_TYPES, 'pkcs12', 'KAFKA_KEYSTORE_TYPE'),
      keystorePath: text('PKCS12 keystore with the client key and certificate chain (pkcs12).', 'certs/kafka.keystore.p12', 'KAFKA_KEYSTORE_PATH'),
      keystorePassword: secret('Password of the PKCS12 keystore and of the key inside it.', 'KAFKA_KEYSTORE_PASSWORD'),
      truststorePath: text('PKCS12 truststore with the CA certificates that sign the brokers (pkcs12).', 'certs/kafka.truststore.p12', 'KAFKA_TRUSTSTORE_PATH'),
      truststorePassword: secret('Password of the PKCS12 truststore.', 'KAFKA_TRUSTSTORE_PASSWORD'),
      certPath: text('PEM client certificate, optionally followed by its chain (pem).', '', 'KAFKA_CERT_PATH'),
      keyPath: text('PEM client private key, optionally encrypted (pem).', '', 'KAFKA_KEY_PATH'),
      keyPassword: secret('Password of an encrypted PEM key (pem).', 'KAFKA_KEY_PASSWORD'),
      caPath: text('PEM CA certificates that sign the brokers (pem).', '', 'KAFKA_CA_PATH'),
      servername: text('TLS SNI / host name to verify; "" = the broker host.', '', 'KAFKA_TLS_SERVERNAME'),
      insecureSkipVerify: flag('Do not verify the broker certificate. Development only: refused when env=production.', false, 'KAFKA_TLS_INSECURE_SKIP_VERIFY'),
      resourceRoot: text('Directory that relative TLS paths resolve against; "" = the application root (the directory with package.json).', '', 'KAFKA_TLS_RESOURCE_ROOT'),
    },
    connection: {
      connectionTimeoutMs: int('TCP + TLS connect timeout.', 10_000, 'KAFKA_CONNECTION_TIMEOUT_MS', 100, 300_000),
      requestTimeoutMs: int('Kafka request timeout.', 30_000, 'KAFKA_REQUEST_TIMEOUT_MS', 100, 600_000),
      retry: {
        initialRetryTimeMs: int('kafkajs retry: first delay.', 300, 'KAFKA_RETRY_INITIAL_MS', 1, 60_000),
        maxRetryTimeMs: int('kafkajs retry: largest delay.', 30_000, 'KAFKA_RETRY_MAX_MS', 1, 600_000),
        retries: int('kafkajs retry: attempts before an error surfaces.', 10, 'KAFKA_RETRIES', 0, 1_000),
      },
      startupRetryForeverMs: int('How long to keep retrying an unreachable broker at start-up before giving up; 0 = forever.', 0, 'KAFKA_STARTUP_RETRY_FOREVER_MS', 0, 24 * HOUR_MS),
    },
    consumer: {
      sessionTimeoutMs: int('Group session timeout.', 45_000, 'KAFKA_SESSION_TIMEOUT_MS', 6_000, 1_800_000, { maxReason: 'broker default group.max.session.timeout.ms' }),
      heartbeatIntervalMs: int('Heartbeat interval; at most a third of the session timeout.', 15_000, 'KAFKA_HEARTBEAT_INTERVAL_MS', 100, 600_000),
      rebalanceTimeoutMs: int('How long the group waits for members to rejoin during a rebalance.', 300_000, 'KAFKA_REBALANCE_TIMEOUT_MS', 1_000, HOUR_MS),
      minBytes: int('Fetch min bytes (4608 KiB: a fetch returns once this much is ready, or after maxWaitTimeMs).', 4_718_592, 'KAFKA_MIN_BYTES', 1, 1024 * MiB),
      maxWaitTimeMs: int('Fetch max wait.', 500, 'KAFKA_MAX_WAIT_TIME_MS', 0, 60_000),
      maxBytesPerPartition: int('Fetch max bytes per partition (Kafka still returns a larger first message). Default 4 MiB, with maxBytes 16 MiB: peak RSS 331-352 instead of 502-521 MiB in the benchmark, at 0.76-1.00x the drain rate of 10/50 MiB (README "Performance").', 4 * MiB, 'KAFKA_MAX_BYTES_PER_PARTITION', 1, 1024 * MiB),
      maxBytes: int('Fetch max bytes per request (see maxBytesPerPartition).', 16 * MiB, 'KAFKA_MAX_BYTES', 1, 1024 * MiB),
      partitionsConsumedConcurrently: int('Partitions processed concurrently by this pod.', 3, 'KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY', 1, 1_000),
      coordinatorLostAfterMs: int('The kafka circuit opens (readiness down) when, while a member of the group, no heartbeat, commit or join succeeds for this long; a NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE answer opens it at once. Above heartbeatIntervalMs (default: twice it).', 30_000, 'KAFKA_COORDINATOR_LOST_AFTER_MS', 100, HOUR_MS),
    },
    dlq: {
      enabled: flag('Send undeliverable messages to a dead-letter topic (otherwise the consumer stops on them).', true, 'KAFKA_DLQ_ENABLED'),
      topic: { doc: 'Dead-letter topic; "" = "<source topic>.dlq".', format: 'topic-or-empty', default: '', env: 'KAFKA_DLQ_TOPIC' },
      maxBatchBytes: int(
        "Bytes per dead-letter produce batch; letters are sent in chunks under the smaller of this and the DLQ topic's max.message.bytes (read at start-up). Default under the broker's 1 MiB default.",
        1_000_000,
        'KAFKA_DLQ_MAX_BATCH_BYTES',
        1_024,
        100 * MiB,
        { maxReason: 'broker default socket.request.max.bytes' },
      ),
    },
  },
  batch: {
    maxMessages: int('Messages per unit of work sent to a worker.', 150, 'BATCH_MAX_MESSAGES', 1, 10_000),
    maxBytes: int('Message bytes per unit of work (a unit is cut before it passes this cap).', 16 * MiB, 'BATCH_MAX_BYTES', 1_024, 1024 * MiB),
  },
  pipeline: {
    format: oneOf('Record format on the Firehose side (see README).', RECORD_FORMATS, 'base64-gzip-lines', 'PIPELINE_FORMAT'),
    gzipLevel: int('gzip level; 0 = store. Default 5: the least CPU with output within 5 % of level 6 on the realistic benchmark data set (README "Performance").', 5, 'PIPELINE_GZIP_LEVEL', 0, 9),
    envelope: flag('Wrap each message with its topic, partition, offset, timestamp and key.', false, 'PIPELINE_ENVELOPE'),
    aggregate: flag('Pack several messages into one Firehose record (up to the record limit).', false, 'PIPELINE_AGGREGATE'),
    validateJson: flag('Parse each message; invalid JSON goes to the dead-letter topic.', true, 'PIPELINE_VALIDATE_JSON'),
    maxJsonDepth: int('Deepest nesting accepted by JSON validation.', 64, 'PIPELINE_MAX_JSON_DEPTH', 1, 10_000),
  },
  pool: {
    engine: oneOf('Where units are encoded: workers (the worker-thread pool) or inline (zlib on libuv\'s thread pool, validation on the main thread; a measured variant, see README "Performance").', POOL_ENGINES, 'workers', 'POOL_ENGINE'),
    minThreads: int('Worker threads kept alive; 0 = maxThreads (no thread churn: every thread lives as long as the pool).', 0, 'POOL_MIN_THREADS', 0, 1_024),
    maxThreads: int('Largest worker pool; 0 = os.availableParallelism().', 0, 'POOL_MAX_THREADS', 0, 1_024),
    idleTimeoutMs: int('How long a thread above minThreads may sit idle before it exits (piscina idleTimeout).', 60_000, 'POOL_IDLE_TIMEOUT_MS', 0, 24 * HOUR_MS),
    maxQueue: int('Units waiting for a worker before the pool refuses work.', 64, 'POOL_MAX_QUEUE', 0, 100_000),
    maxOldGenerationSizeMb: int('Heap limit of each worker.', 512, 'POOL_MAX_OLD_GENERATION_SIZE_MB', 16, 65_536),
    taskTimeoutMs: int('A unit that takes longer is treated as a worker failure.', 60_000, 'POOL_TASK_TIMEOUT_MS', 100, HOUR_MS),
    brokenThreshold: {
      ratio: num('F3: the worker is broken (the worker circuit opens) when at least this share of the recent messages failed in the worker on their own.', 0.5, 'POOL_BROKEN_THRESHOLD_RATIO', 0.01, 1),
      window: int('F3: how many recent messages (worker outcomes) the failure rate is taken over.', 20, 'POOL_BROKEN_THRESHOLD_WINDOW', 1, 10_000),
      minSamples: int('F3: the failure rate is not judged on fewer messages than this (at most pool.brokenThreshold.window).', 10, 'POOL_BROKEN_THRESHOLD_MIN_SAMPLES', 1, 10_000),
    },
    brokenProbeIntervalMs: int('F3: while the worker circuit is open, the waiting messages are tried again (half-open) after this long.', 30_000, 'POOL_BROKEN_PROBE_INTERVAL_MS', 100, HOUR_MS),
    exitOnBrokenWorker: flag('F3: a broken worker stops the process with exit code 2 (WORKER_BROKEN) instead of opening the worker circuit and waiting.', false, 'POOL_EXIT_ON_BROKEN_WORKER'),
  },
  firehose: {
    streamName: text('Firehose stream name.', 'wifi-scans', 'FIREHOSE_STREAM_NAME', { nonEmpty: true }),
    region: { doc: 'AWS region of the stream.', format: 'aws-region', default: 'us-east-1', env: 'AWS_REGION' },
    endpoint: { doc: 'Endpoint override; "" = the AWS default (local stack: http://127.0.0.1:4566).', format: 'url-or-empty', default: '', env: 'FIREHOSE_ENDPOINT' },
    accessKeyId: secret('Static access key id; "" = the AWS default credential chain.', 'AWS_ACCESS_KEY_ID'),
    secretAccessKey: secret('Static secret access key (with accessKeyId).', 'AWS_SECRET_ACCESS_KEY'),
    requestTimeoutMs: int('PutRecordBatch request timeout.', 30_000, 'FIREHOSE_REQUEST_TIMEOUT_MS', 100, 600_000),
    maxRecordsPerBatch: int('Records per PutRecordBatch.', MAX_RECORDS_PER_BATCH, 'FIREHOSE_MAX_RECORDS_PER_BATCH', 1, MAX_RECORDS_PER_BATCH, { maxReason: 'PutRecordBatch limit' }),
    maxBytesPerBatch: int('Data bytes per PutRecordBatch.', MAX_BYTES_PER_BATCH, 'FIREHOSE_MAX_BYTES_PER_BATCH', 1, MAX_BYTES_PER_BATCH, { maxReason: 'PutRecordBatch limit: 4 MiB' }),
    maxRecordBytes: int('Data bytes per record.', MAX_RECORD_BYTES, 'FIREHOSE_MAX_RECORD_BYTES', 1, MAX_RECORD_BYTES, { maxReason: 'Firehose record limit: 1,000 KiB' }),
    backoff: {
      baseMs: int('First retry delay after throttling or an outage (exponential, jittered).', 100, 'FIREHOSE_BACKOFF_BASE_MS', 1, 60_000),
      maxMs: int('Largest retry delay.', 20_000, 'FIREHOSE_BACKOFF_MAX_MS', 1, 600_000),
    },
    rate: {
      recordsPerSecond: int('Client-side records/s limit for this pod; 0 = unlimited.', 5_000, 'FIREHOSE_RATE_RECORDS_PER_SECOND', 0, 1_000_000_000),
      bytesPerSecond: int('Client-side bytes/s limit for this pod; 0 = unlimited.', 5 * MiB, 'FIREHOSE_RATE_BYTES_PER_SECOND', 0, 1_000_000_000_000),
      requestsPerSecond: int('Client-side requests/s limit for this pod; 0 = unlimited.', 2_000, 'FIREHOSE_RATE_REQUESTS_PER_SECOND', 0, 1_000_000),
    },
    maxConcurrentRequests: int('PutRecordBatch calls in flight.', 4, 'FIREHOSE_MAX_CONCURRENT_REQUESTS', 1, 1_000),
    coalesce: {
      enabled: flag('Merge the records of concurrent units into full PutRecordBatch requests (README "Request coalescing"); false = each unit\'s planned sub-batches are requests of their own.', true, 'FIREHOSE_COALESCE_ENABLED'),
      lingerMs: int('A request that is not full waits at most this long for more records (only while a request slot is free). Default 50; 200 fills requests to ≥ 3 MiB under backlog but stalls the partitions behind their tails (README "Performance").', 50, 'FIREHOSE_COALESCE_LINGER_MS', 0, 1_000),
    },
    retry: {
      fastRetries: int('Transient failures (5xx, InternalFailure, timeout, reset, unknown) get this many fast jittered retries (firehose.backoff) before the graduated schedule.', 3, 'FIREHOSE_RETRY_FAST_RETRIES', 0, 100),
      scheduleMs: { doc: 'The graduated schedule: waits between attempts while throttled (ServiceUnavailableException) or after the fast retries; the last step repeats (comma separated in the environment).', format: 'ms-list', default: [5_000, 15_000, 45_000, 120_000, 300_000], env: 'FIREHOSE_RETRY_SCHEDULE_MS', min: 1, max: HOUR_MS, minItems: 1 },
      jitterPercent: int('Each graduated wait is its step ± this percentage, at random.', 10, 'FIREHOSE_RETRY_JITTER_PERCENT', 0, 100),
      throttleQuietMs: int('BUFFER_FULL lifts on an answer without throttling only once this long has passed since the last throttle (no pause/resume flapping).', 5_000, 'FIREHOSE_RETRY_THROTTLE_QUIET_MS', 0, HOUR_MS),
    },
    probe: {
      idleIntervalMs: int('While BUFFER_FULL or NETWORK holds and nothing is in flight, DescribeDeliveryStream this often; an answer lifts them (F1).', 10_000, 'FIREHOSE_PROBE_IDLE_INTERVAL_MS', 100, HOUR_MS),
      circuitIntervalMs: int('While the Firehose circuit is open, probe the stream (half-open) this often; ACTIVE closes it.', 30_000, 'FIREHOSE_PROBE_CIRCUIT_INTERVAL_MS', 100, HOUR_MS),
    },
    exitOnPermanentError: flag('A missing stream, denied access or a KMS error stops the process with exit code 2 instead of opening the circuit and waiting.', false, 'FIREHOSE_EXIT_ON_PERMANENT_ERROR'),
  },
  flow: {
    maxInFlightBytes: int('The one in-flight budget: message bytes fetched and not yet settled (waiting to start, encoding, awaiting Firehose, awaiting commit). Above it fetching pauses (IN_FLIGHT_CAP) until it drains below 75 %; it also bounds the duplicates after a crash.', 64 * MiB, 'FLOW_MAX_IN_FLIGHT_BYTES', MiB, 64 * 1024 * MiB),
  },
  rateLimit: {
    mode: oneOf('quota: the firehose.rate buckets per request; size-class: the original service\'s messages/s preset per unit; both: a unit must pass both (see README "Rate limiting").', RATE_LIMIT_MODES, 'quota', 'RATE_LIMIT_MODE'),
    sizeClass: {
      smallMaxBytes: int('A unit whose average message is at most this many bytes is small.', 40_000, 'RATE_LIMIT_SMALL_MAX_BYTES', 1, MAX_RECORD_BYTES),
      largeMinBytes: int('A unit whose average message is at least this many bytes is large.', 80_000, 'RATE_LIMIT_LARGE_MIN_BYTES', 2, MAX_RECORD_BYTES),
      smallPerSecond: int('Messages/s for small units.', 100, 'RATE_LIMIT_SMALL_PER_SECOND', 1, 1_000_000),
      baselinePerSecond: int('Messages/s for medium messages: mixed units use the mean of their messages\' class rates.', 75, 'RATE_LIMIT_BASELINE_PER_SECOND', 1, 1_000_000),
      largePerSecond: int('Messages/s for large units.', 50, 'RATE_LIMIT_LARGE_PER_SECOND', 1, 1_000_000),
      capacity: int('Bucket capacity in messages (the burst; the original used the unit size, 150).', 150, 'RATE_LIMIT_CAPACITY', 1, 1_000_000),
      refillIntervalMs: int('Interval refill: one interval of the selected rate is added at once at the end of each interval.', 1_000, 'RATE_LIMIT_REFILL_INTERVAL_MS', 10, 60_000),
      minPartial: int('Smallest partial take: when fewer tokens than a whole unit are left, at least this many messages go (the unit is split), else it waits.', 10, 'RATE_LIMIT_MIN_PARTIAL', 1, 1_000_000),
    },
    pause: {
      enabled: flag('Pause fetching (reason RATE_LIMIT) while a bucket that cannot serve a whole unit is below the threshold.', true, 'RATE_LIMIT_PAUSE_ENABLED'),
      threshold: num('Share of a bucket\'s capacity (0..1) below which a unit that cannot be served whole pauses fetching.', 0.1, 'RATE_LIMIT_PAUSE_THRESHOLD', 0, 1),
      initialMs: int('First rate pause.', 5_000, 'RATE_LIMIT_PAUSE_INITIAL_MS', 1, HOUR_MS),
      multiplier: num('Each rate pause in a row is this much longer.', 1.5, 'RATE_LIMIT_PAUSE_MULTIPLIER', 1, 10),
      maxMs: int('Longest rate pause.', 60_000, 'RATE_LIMIT_PAUSE_MAX_MS', 1, HOUR_MS),
    },
    aimd: {
      enabled: flag('Cut firehose.rate.bytesPerSecond on throttling answers and grow it back in quiet time (needs a bytes/s limit > 0).', true, 'RATE_LIMIT_AIMD_ENABLED'),
      factor: num('Multiplicative decrease: bytes/s × factor on a throttle.', 0.5, 'RATE_LIMIT_AIMD_FACTOR', 0.01, 0.99),
      floorBytesPerSecond: int('Never cut below this many bytes/s.', 256 * 1024, 'RATE_LIMIT_AIMD_FLOOR_BYTES_PER_SECOND', 1, 1_000_000_000_000),
      increaseBytesPerSecond: int('Additive increase per quiet interval, bytes/s.', 256 * 1024, 'RATE_LIMIT_AIMD_INCREASE_BYTES_PER_SECOND', 1, 1_000_000_000_000),
      quietIntervalMs: int('An interval without throttling that earns one increase.', 5_000, 'RATE_LIMIT_AIMD_QUIET_INTERVAL_MS', 100, HOUR_MS),
      minCutIntervalMs: int('Throttles within this long after a cut do not cut again (answers to requests sent at the old rate).', 1_000, 'RATE_LIMIT_AIMD_MIN_CUT_INTERVAL_MS', 0, HOUR_MS),
    },
  },
  shutdown: {
    drainTimeoutMs: int('SIGTERM: time to drain in-flight units; keep it below the pod grace period.', 25_000, 'SHUTDOWN_DRAIN_TIMEOUT_MS', 0, HOUR_MS),
  },
  http: {
    enabled: flag('Serve health, metrics and the admin API.', true, 'HTTP_ENABLED'),
    host: text('Listen address.', '0.0.0.0', 'HTTP_HOST', { nonEmpty: true }),
    port: int('Listen port; 0 = any free port.', 8080, 'HTTP_PORT', 0, 65_535),
    adminToken: secret('Bearer token of the mutating admin routes (POST /admin/pause, /admin/resume, /api/metrics/kafka/reset), at least 16 characters; "" = those routes are disabled (403).', 'HTTP_ADMIN_TOKEN'),
  },
  health: {
    timeoutMs: int('Timeout of one health check; a check that takes longer is DOWN.', 5_000, 'HEALTH_TIMEOUT_MS', 100, 60_000),
    refreshMs: int('Every indicator is evaluated this often even when nobody probes (gauges, the memory window).', 15_000, 'HEALTH_REFRESH_MS', 1_000, 600_000),
    remoteCacheMs: int('Results of the remote checks (topic metadata, DescribeDeliveryStream) are reused for this long.', 30_000, 'HEALTH_REMOTE_CACHE_MS', 1_000, HOUR_MS),
    memoryThresholdPercent: int('Liveness: heap used above this percentage of the heap limit for health.memoryWindowMs is DOWN.', 90, 'HEALTH_MEMORY_THRESHOLD_PERCENT', 10, 100),
    memoryWindowMs: int('Liveness: how long the heap must stay above health.memoryThresholdPercent before it is DOWN.', 60_000, 'HEALTH_MEMORY_WINDOW_MS', 0, HOUR_MS),
    activityTimeoutMs: int('Liveness: no poll or heartbeat for this long is DOWN.', 300_000, 'HEALTH_ACTIVITY_TIMEOUT_MS', 10_000, 24 * HOUR_MS),
    stuckAfterMs: int('Liveness: lag above zero with no committed progress for this long, while not paused, is DOWN (stuck).', 600_000, 'HEALTH_STUCK_AFTER_MS', 10_000, 24 * HOUR_MS),
    eventLoopMaxDelayMs: int('Liveness: event-loop delay p99 above this is DOWN.', 2_000, 'HEALTH_EVENT_LOOP_MAX_DELAY_MS', 10, 600_000),
    certificateRereadMs: int('Keystore and truststore are re-read this often, so a rotated certificate is noticed.', HOUR_MS, 'HEALTH_CERTIFICATE_REREAD_MS', 1_000, 7 * 24 * HOUR_MS),
    lagSampleMs: int('Consumer lag (log end minus committed) is read from Kafka this often.', 15_000, 'HEALTH_LAG_SAMPLE_MS', 1_000, HOUR_MS),
  },
  log: {
    level: oneOf('Log level.', LOG_LEVELS, 'info', 'LOG_LEVEL'),
    format: oneOf('json: one JSON object per line; pretty: for humans.', LOG_FORMATS, 'json', 'LOG_FORMAT'),
  },
};

/** One leaf of the schema with its dotted key. */
export interface SchemaLeaf {
  readonly key: string;
  readonly doc: string;
  readonly format: string;
  readonly default: unknown;
  readonly env: string;
  readonly sensitive: boolean;
}

function isLeaf(node: object): node is Leaf<unknown> {
  return 'default' in node;
}

/** Every leaf, depth first, in schema order. */
export function schemaLeaves(): SchemaLeaf[] {
  const out: SchemaLeaf[] = [];
  const walk = (node: Record<string, object>, prefix: string): void => {
    for (const [name, child] of Object.entries(node)) {
      const key = prefix ? `${prefix}.${name}` : name;
      if (isLeaf(child)) {
        out.push({ key, doc: child.doc, format: child.format, default: child.default, env: child.env, sensitive: child.sensitive === true });
      } else {
        walk(child as Record<string, object>, key);
      }
    }
  };
  walk(schema as unknown as Record<string, object>, '');
  return out;
}

/** Dotted keys of the sensitive values (passwords, secret keys). */
export function sensitiveKeys(): string[] {
  return schemaLeaves()
    .filter((l) => l.sensitive)
    .map((l) => l.key);
}
