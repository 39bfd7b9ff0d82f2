/**
 * Rules between keys, checked after every key is valid on its own. Each rule
 * says why it exists; each has a test in test/unit/config.test.ts.
 */
import type { Problem } from './load';
import type { AppConfig } from './types';

type Add = (key: string, text: string) => void;

export function checkRelations(c: AppConfig): Problem[] {
  const problems: Problem[] = [];
  const add: Add = (key, text) => {
    problems.push({ key, message: `config: ${key} ${text}` });
  };
  kafkaRelations(c, add);
  firehoseRelations(c, add);
  flowRelations(c, add);
  httpRelations(c, add);
  return problems;
}

function httpRelations(c: AppConfig, add: Add): void {
  // A short bearer token can be guessed by trying; 16 random characters put that out of reach.
  if (c.http.adminToken !== '' && c.http.adminToken.length < 16) {
    add('http.adminToken', `must be at least 16 characters (got ${c.http.adminToken.length}); generate one with: openssl rand -hex 24`);
  }
}

function kafkaRelations(c: AppConfig, add: Add): void {
  const { consumer, connection, tls } = c.kafka;

  // Kafka: "The value must be set lower than session.timeout.ms, but typically
  // should be set no higher than 1/3 of that value" (consumer config docs,
  // heartbeat.interval.ms). The defaults 15000/45000 sit exactly on the third.
  if (consumer.heartbeatIntervalMs * 3 > consumer.sessionTimeoutMs) {
    add(
      'kafka.consumer.heartbeatIntervalMs',
      `must be ≤ kafka.consumer.sessionTimeoutMs / 3 (${Math.floor(consumer.sessionTimeoutMs / 3)}), got ${consumer.heartbeatIntervalMs}`,
    );
  }
  if (consumer.coordinatorLostAfterMs <= consumer.heartbeatIntervalMs) {
    // A successful heartbeat is the proof that the coordinator is back; a shorter bound would open the circuit between two heartbeats.
    add('kafka.consumer.coordinatorLostAfterMs', `must be > kafka.consumer.heartbeatIntervalMs (${consumer.heartbeatIntervalMs}), got ${consumer.coordinatorLostAfterMs}`);
  }
  if (consumer.minBytes > consumer.maxBytes) {
    add('kafka.consumer.minBytes', `must be ≤ kafka.consumer.maxBytes (${consumer.maxBytes}), got ${consumer.minBytes}`);
  }
  // A fetch that may wait longer than the request timeout times out instead of returning.
  if (consumer.maxWaitTimeMs >= connection.requestTimeoutMs) {
    add('kafka.consumer.maxWaitTimeMs', `must be < kafka.connection.requestTimeoutMs (${connection.requestTimeoutMs}), got ${consumer.maxWaitTimeMs}`);
  }
  if (connection.retry.initialRetryTimeMs > connection.retry.maxRetryTimeMs) {
    add('kafka.connection.retry.initialRetryTimeMs', `must be ≤ kafka.connection.retry.maxRetryTimeMs (${connection.retry.maxRetryTimeMs}), got ${connection.retry.initialRetryTimeMs}`);
  }


  // Skipping verification turns mutual TLS into "encrypt to anyone": never in production.
  if (tls.insecureSkipVerify && c.env === 'production') {
    add('kafka.tls.insecureSkipVerify', 'must be false when env is production (it disables broker certificate verification)');
  }
  if (tls.enabled) {
    const needed: (keyof typeof tls)[] = tls.keystoreType === 'pem' ? ['certPath', 'keyPath', 'caPath'] : ['keystorePath', 'truststorePath'];
    for (const k of needed) {
      if (tls[k] === '') add(`kafka.tls.${k}`, `must be set when kafka.tls.keystoreType is ${tls.keystoreType}`);
    }
  }
  if (c.kafka.dlq.enabled && c.kafka.topics.includes(c.kafka.dlq.topic)) {
    add('kafka.dlq.topic', `must differ from the source topics, got ${JSON.stringify(c.kafka.dlq.topic)}`);
  }
}

function firehoseRelations(c: AppConfig, add: Add): void {
  const fh = c.firehose;
  if (fh.maxRecordBytes > fh.maxBytesPerBatch) {
    add('firehose.maxRecordBytes', `must be ≤ firehose.maxBytesPerBatch (${fh.maxBytesPerBatch}), got ${fh.maxRecordBytes}`);
  }
  if (fh.backoff.baseMs > fh.backoff.maxMs) {
    add('firehose.backoff.baseMs', `must be ≤ firehose.backoff.maxMs (${fh.backoff.maxMs}), got ${fh.backoff.baseMs}`);
  }
  if ((fh.accessKeyId === '') !== (fh.secretAccessKey === '')) {
    add(fh.accessKeyId === '' ? 'firehose.accessKeyId' : 'firehose.secretAccessKey', 'must be set together with its pair (or both left empty for the default credential chain)');
  }
}

function flowRelations(c: AppConfig, add: Add): void {
  const fh = c.firehose;
  const rl = c.rateLimit;
  if (rl.sizeClass.smallMaxBytes >= rl.sizeClass.largeMinBytes) {
    add('rateLimit.sizeClass.smallMaxBytes', `must be < rateLimit.sizeClass.largeMinBytes (${rl.sizeClass.largeMinBytes}), got ${rl.sizeClass.smallMaxBytes}`);
  }
  // A partial take larger than the bucket could never happen: units would wait forever.
  if (rl.sizeClass.minPartial > rl.sizeClass.capacity) {
    add('rateLimit.sizeClass.minPartial', `must be ≤ rateLimit.sizeClass.capacity (${rl.sizeClass.capacity}), got ${rl.sizeClass.minPartial}`);
  }
  if (rl.pause.initialMs > rl.pause.maxMs) {
    add('rateLimit.pause.initialMs', `must be ≤ rateLimit.pause.maxMs (${rl.pause.maxMs}), got ${rl.pause.initialMs}`);
  }
  if (rl.aimd.enabled && fh.rate.bytesPerSecond > 0 && rl.aimd.floorBytesPerSecond > fh.rate.bytesPerSecond) {
    add('rateLimit.aimd.floorBytesPerSecond', `must be ≤ firehose.rate.bytesPerSecond (${fh.rate.bytesPerSecond}), got ${rl.aimd.floorBytesPerSecond}`);
  }

  if (c.pool.brokenThreshold.minSamples > c.pool.brokenThreshold.window) {
    add('pool.brokenThreshold.minSamples', `must be ≤ pool.brokenThreshold.window (${c.pool.brokenThreshold.window}), got ${c.pool.brokenThreshold.minSamples}`);
  }
  if (c.pool.maxThreads !== 0 && c.pool.minThreads > c.pool.maxThreads) {
    add('pool.minThreads', `must be ≤ pool.maxThreads (${c.pool.maxThreads}), got ${c.pool.minThreads}`);
  }
  // One unit must fit in the in-flight budget, or the consumer would pause forever.
  if (c.batch.maxBytes > c.flow.maxInFlightBytes) {
    add('batch.maxBytes', `must be ≤ flow.maxInFlightBytes (${c.flow.maxInFlightBytes}), got ${c.batch.maxBytes}`);
  }
}
