/**
 * The typed shape of the configuration. `loadConfig` returns an `AppConfig`
 * that is deeply frozen; every other module receives it (or a slice of it)
 * instead of reading the environment. The schema in `schema.ts` is typed
 * against this interface, so a key missing on either side is a compile error.
 */

import type { RecordFormat } from '../pipeline/wire';

export const NODE_ENVS = ['development', 'local', 'test', 'production'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];

export const KEYSTORE_TYPES = ['pkcs12', 'pem'] as const;
export type KeystoreType = (typeof KEYSTORE_TYPES)[number];

// The record formats are the pipeline's; the schema only offers them.
export { RECORD_FORMATS, type RecordFormat } from '../pipeline/wire';

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface TlsConfig {
  readonly enabled: boolean;
  readonly keystoreType: KeystoreType;
  readonly keystorePath: string;
  readonly keystorePassword: string;
  readonly truststorePath: string;
  readonly truststorePassword: string;
  readonly certPath: string;
  readonly keyPath: string;
  readonly keyPassword: string;
  readonly caPath: string;
  /** "" = the broker's host name. */
  readonly servername: string;
  readonly insecureSkipVerify: boolean;
  /** Absolute after loading: relative TLS paths resolve against it. */
  readonly resourceRoot: string;
}

export interface KafkaConnectionConfig {
  readonly connectionTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly retry: {
    readonly initialRetryTimeMs: number;
    readonly maxRetryTimeMs: number;
    readonly retries: number;
  };
  /** 0 = keep retrying an unreachable broker at start-up forever. */
  readonly startupRetryForeverMs: number;
}

export interface KafkaConsumerConfig {
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly minBytes: number;
  readonly maxWaitTimeMs: number;
  readonly maxBytesPerPartition: number;
  readonly maxBytes: number;
  readonly partitionsConsumedConcurrently: number;
  /** The kafka circuit's bound on a heartbeat/commit outage (src/flow/coordinator-watch.ts). */
  readonly coordinatorLostAfterMs: number;
}

export interface KafkaConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly fromBeginning: boolean;
  readonly tls: TlsConfig;
  readonly connection: KafkaConnectionConfig;
  readonly consumer: KafkaConsumerConfig;
  readonly dlq: {
    readonly enabled: boolean;
    /** "" = "<source topic>.dlq". */
    readonly topic: string;
    /** Chunk cap for dead-letter produce requests (F2); the topic's max.message.bytes caps it further. */
    readonly maxBatchBytes: number;
  };
}

export interface FirehoseConfig {
  readonly streamName: string;
  readonly region: string;
  /** "" = the AWS default endpoint. */
  readonly endpoint: string;
  /** "" = the AWS default credential chain. */
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly requestTimeoutMs: number;
  readonly maxRecordsPerBatch: number;
  readonly maxBytesPerBatch: number;
  readonly maxRecordBytes: number;
  readonly backoff: { readonly baseMs: number; readonly maxMs: number };
  /** 0 = unlimited, for each of the three. */
  readonly rate: {
    readonly recordsPerSecond: number;
    readonly bytesPerSecond: number;
    readonly requestsPerSecond: number;
  };
  readonly maxConcurrentRequests: number;
  /** The request coalescer (src/firehose/coalescer.ts). */
  readonly coalesce: { readonly enabled: boolean; readonly lingerMs: number };
  readonly retry: {
    readonly fastRetries: number;
    /** Non-decreasing; the last step repeats. */
    readonly scheduleMs: readonly number[];
    readonly jitterPercent: number;
    readonly throttleQuietMs: number;
  };
  readonly probe: { readonly idleIntervalMs: number; readonly circuitIntervalMs: number };
  readonly exitOnPermanentError: boolean;
}

/** workers: the Piscina pool (default); inline: zlib on libuv's thread pool from the main thread (src/pool/inline-encoder.ts). */
export const POOL_ENGINES = ['workers', 'inline'] as const;
export type PoolEngine = (typeof POOL_ENGINES)[number];

export const RATE_LIMIT_MODES = ['quota', 'size-class', 'both'] as const;
export type RateLimitMode = (typeof RATE_LIMIT_MODES)[number];

export interface RateLimitConfig {
  readonly mode: RateLimitMode;
  readonly sizeClass: {
    readonly smallMaxBytes: number;
    readonly largeMinBytes: number;
    readonly smallPerSecond: number;
    readonly baselinePerSecond: number;
    readonly largePerSecond: number;
    readonly capacity: number;
    readonly refillIntervalMs: number;
    readonly minPartial: number;
  };
  readonly pause: {
    readonly enabled: boolean;
    readonly threshold: number;
    readonly initialMs: number;
    readonly multiplier: number;
    readonly maxMs: number;
  };
  readonly aimd: {
    readonly enabled: boolean;
    readonly factor: number;
    readonly floorBytesPerSecond: number;
    readonly increaseBytesPerSecond: number;
    readonly quietIntervalMs: number;
    readonly minCutIntervalMs: number;
  };
}

export interface HealthConfig {
  readonly timeoutMs: number;
  readonly refreshMs: number;
  readonly remoteCacheMs: number;
  readonly memoryThresholdPercent: number;
  readonly memoryWindowMs: number;
  readonly activityTimeoutMs: number;
  readonly stuckAfterMs: number;
  readonly eventLoopMaxDelayMs: number;
  readonly certificateRereadMs: number;
  readonly lagSampleMs: number;
}

export interface AppConfig {
  readonly env: NodeEnv;
  readonly kafka: KafkaConfig;
  readonly batch: { readonly maxMessages: number; readonly maxBytes: number };
  readonly pipeline: {
    readonly format: RecordFormat;
    readonly gzipLevel: number;
    readonly envelope: boolean;
    readonly aggregate: boolean;
    readonly validateJson: boolean;
    readonly maxJsonDepth: number;
  };
  readonly pool: {
    readonly engine: PoolEngine;
    /** 0 = maxThreads. */
    readonly minThreads: number;
    /** 0 = os.availableParallelism(). */
    readonly maxThreads: number;
    readonly idleTimeoutMs: number;
    readonly maxQueue: number;
    readonly maxOldGenerationSizeMb: number;
    readonly taskTimeoutMs: number;
    /** F3: the failure rate over the last `window` worker tasks at which the worker is broken. */
    readonly brokenThreshold: { readonly ratio: number; readonly window: number; readonly minSamples: number };
    readonly brokenProbeIntervalMs: number;
    readonly exitOnBrokenWorker: boolean;
  };
  readonly firehose: FirehoseConfig;
  readonly flow: { readonly maxInFlightBytes: number };
  readonly rateLimit: RateLimitConfig;
  readonly shutdown: { readonly drainTimeoutMs: number };
  readonly http: { readonly enabled: boolean; readonly host: string; readonly port: number; readonly adminToken: string };
  readonly health: HealthConfig;
  readonly log: { readonly level: LogLevel; readonly format: LogFormat };
}
