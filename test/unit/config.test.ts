import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  configReference,
  loadConfig,
  printConfig,
  redactedConfig,
  schemaLeaves,
  sensitiveKeys,
  type AppConfig,
  type Env,
} from '../../src/config';
import { convictToConfigError } from '../../src/config/load';
import { ConfigError } from '../../src/errors';
import { MAX_BYTES_PER_BATCH, MAX_RECORD_BYTES, MAX_RECORDS_PER_BATCH } from '../../src/pipeline/limits';

const REPO = path.resolve(__dirname, '..', '..', '..');

/** Reads a dotted key out of the config. */
function get(cfg: unknown, key: string): unknown {
  return key.split('.').reduce<unknown>((node, k) => (node as Record<string, unknown>)[k], cfg);
}

/** A nested object with one dotted key set, as a config file would hold it. */
function nested(key: string, value: unknown): Record<string, unknown> {
  return key
    .split('.')
    .reverse()
    .reduce<unknown>((inner, k) => ({ [k]: inner }), value) as Record<string, unknown>;
}

describe('config', () => {
  let tmp: string;
  let configDir: string;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wsqc-config-'));
    configDir = path.join(tmp, 'config');
    fs.mkdirSync(configDir);
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const writeJson = (file: string, obj: unknown): string => {
    const full = path.join(tmp, file);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, JSON.stringify(obj));
    return full;
  };
  const load = (env: Env = {}, argv: string[] = []): AppConfig => loadConfig({ env, argv, cwd: tmp, configDir, appRoot: tmp });

  function expectError(fn: () => unknown, key: string, pattern?: RegExp): ConfigError {
    let caught: unknown;
    try {
      fn();
    } catch (err) {
      caught = err;
    }
    expect(caught, 'expected a ConfigError').to.be.instanceOf(ConfigError);
    const err = caught as ConfigError;
    expect(err.code).to.equal('CONFIG_INVALID');
    expect(err.message).to.include(key);
    expect(err.key).to.equal(key);
    if (pattern) expect(err.message).to.match(pattern);
    return err;
  }

  describe('schema', () => {
    it('gives every key doc, format, default and env, with unique env names', () => {
      const leaves = schemaLeaves();
      expect(leaves.length).to.be.greaterThan(60);
      for (const l of leaves) {
        expect(l.doc, l.key).to.be.a('string').and.not.equal('');
        expect(l.format, l.key).to.be.a('string').and.not.equal('');
        expect(l.default, l.key).to.not.equal(undefined);
        expect(l.env, l.key).to.match(/^[A-Z][A-Z0-9_]*$/);
      }
      const envs = leaves.map((l) => l.env);
      expect(new Set(envs).size).to.equal(envs.length);
    });

    it('marks exactly the passwords and AWS keys sensitive', () => {
      expect(sensitiveKeys()).to.have.members([
        'kafka.tls.keystorePassword',
        'kafka.tls.truststorePassword',
        'kafka.tls.keyPassword',
        'firehose.accessKeyId',
        'firehose.secretAccessKey',
        'http.adminToken',
      ]);
    });

    it('configReference lists every key with its env variable', () => {
      const md = configReference();
      for (const l of schemaLeaves()) expect(md).to.include(`| \`${l.key}\` | \`${l.env}\``);
      expect(md).to.include('`KAFKA_KEYSTORE_PASSWORD_FILE`');
    });
  });

  describe('loading', () => {
    it('loads the schema defaults, deeply frozen', () => {
      const cfg = load();
      for (const l of schemaLeaves()) {
        if (l.key === 'kafka.tls.resourceRoot') continue;
        expect(get(cfg, l.key), l.key).to.deep.equal(l.default);
      }
      expect(cfg.kafka.tls.resourceRoot).to.equal(tmp); // "" = the application root
      expect(Object.isFrozen(cfg.kafka.tls)).to.equal(true);
      expect(Object.isFrozen(cfg.kafka.brokers)).to.equal(true);
      expect(() => {
        (cfg.firehose as { streamName: string }).streamName = 'x';
      }).to.throw(TypeError);
    });

    it('layers config/default.json, then config/<NODE_ENV>.json, then the environment', () => {
      writeJson('config/default.json', { firehose: { streamName: 'from-default', region: 'eu-west-1' }, http: { port: 1 } });
      writeJson('config/test.json', { firehose: { streamName: 'from-test' } });
      const cfg = load({ NODE_ENV: 'test', HTTP_PORT: '9999' });
      expect(cfg.env).to.equal('test');
      expect(cfg.firehose.streamName).to.equal('from-test');
      expect(cfg.firehose.region).to.equal('eu-west-1');
      expect(cfg.http.port).to.equal(9999);
      expect(load({ NODE_ENV: 'local' }).firehose.streamName).to.equal('from-default');
    });

    it('--config <file> replaces the NODE_ENV file (path relative to cwd), both spellings', () => {
      writeJson('config/test.json', { firehose: { streamName: 'from-test' } });
      writeJson('elsewhere/mine.json', { firehose: { streamName: 'from-flag' } });
      expect(load({ NODE_ENV: 'test' }, ['--config', 'elsewhere/mine.json']).firehose.streamName).to.equal('from-flag');
      expect(load({ NODE_ENV: 'test' }, ['--print-config', '--config=elsewhere/mine.json']).firehose.streamName).to.equal('from-flag');
    });

    it('--config with a missing file or no path fails', () => {
      expect(() => load({}, ['--config', 'nope.json'])).to.throw(ConfigError, /nope\.json/);
      expect(() => load({}, ['--config'])).to.throw(ConfigError, /needs a file path/);
    });

    it('refuses an unknown NODE_ENV; an empty one means development', () => {
      expectError(() => load({ NODE_ENV: 'staging' }), 'env', /"staging"/);
      expect(load({ NODE_ENV: '' }).env).to.equal('development');
    });

    it('reads lists, numbers and booleans from the environment', () => {
      const cfg = load({ KAFKA_BROKERS: 'b1:9093, b2:9093', KAFKA_TOPICS: 'a,b', KAFKA_TLS_ENABLED: 'false', POOL_MAX_THREADS: '4' });
      expect(cfg.kafka.brokers).to.deep.equal(['b1:9093', 'b2:9093']);
      expect(cfg.kafka.topics).to.deep.equal(['a', 'b']);
      expect(cfg.kafka.tls.enabled).to.equal(false);
      expect(cfg.pool.maxThreads).to.equal(4);
    });

    it('reads the rate limit mode and fractional settings from the environment', () => {
      const cfg = load({ RATE_LIMIT_MODE: 'both', RATE_LIMIT_PAUSE_THRESHOLD: '0.25', RATE_LIMIT_AIMD_FACTOR: '0.7' });
      expect(cfg.rateLimit.mode).to.equal('both');
      expect(cfg.rateLimit.pause.threshold).to.equal(0.25);
      expect(cfg.rateLimit.aimd.factor).to.equal(0.7);
      expect(cfg.rateLimit.sizeClass).to.include({ smallMaxBytes: 40_000, largeMinBytes: 80_000, baselinePerSecond: 75, capacity: 150 });
    });

    it('resolves a relative resourceRoot against cwd', () => {
      expect(load({ KAFKA_TLS_RESOURCE_ROOT: 'res' }).kafka.tls.resourceRoot).to.equal(path.join(tmp, 'res'));
    });

    for (const nodeEnv of ['development', 'local', 'test', 'production']) {
      it(`the committed config files load for NODE_ENV=${nodeEnv}`, () => {
        const cfg = loadConfig({ env: { NODE_ENV: nodeEnv }, argv: [], cwd: REPO, appRoot: REPO });
        expect(cfg.env).to.equal(nodeEnv);
        expect(cfg.kafka.tls.resourceRoot).to.equal(REPO);
      });
    }

    it('config/default.json repeats the schema defaults and never drifts from them', () => {
      const file = JSON.parse(fs.readFileSync(path.join(REPO, 'config', 'default.json'), 'utf8')) as Record<string, unknown>;
      const walk = (obj: Record<string, unknown>, prefix: string): void => {
        for (const [k, v] of Object.entries(obj)) {
          const key = prefix ? `${prefix}.${k}` : k;
          if (v && typeof v === 'object' && !Array.isArray(v)) walk(v as Record<string, unknown>, key);
          else expect(v, key).to.deep.equal(schemaLeaves().find((l) => l.key === key)?.default);
        }
      };
      walk(file, '');
    });

    it('no committed config file holds a secret', () => {
      for (const f of fs.readdirSync(path.join(REPO, 'config'))) {
        const obj = JSON.parse(fs.readFileSync(path.join(REPO, 'config', f), 'utf8'));
        for (const key of sensitiveKeys()) {
          const value = key.split('.').reduce<unknown>((n, k) => (n as Record<string, unknown> | undefined)?.[k], obj);
          expect(value, `${f}: ${key}`).to.equal(undefined);
        }
      }
    });
  });

  describe('validation', () => {
    it('an unknown key in a file names the key and the file, and suggests the right one', () => {
      writeJson('config/local.json', { kafka: { grupId: 'x' } });
      const err = expectError(() => load({ NODE_ENV: 'local' }), 'kafka.grupId');
      expect(err.message).to.equal(
        `config: unknown key kafka.grupId in ${path.join('config', 'local.json')} (did you mean kafka.groupId?)`,
      );
    });

    it('a value of the wrong JSON type in a file names the key', () => {
      writeJson('config/default.json', { firehose: { maxRecordsPerBatch: '400' } });
      expectError(() => load(), 'firehose.maxRecordsPerBatch', /must be a number in config.default\.json, got string/);
    });

    it('an object where a value belongs (and the reverse) names the key', () => {
      writeJson('config/default.json', { kafka: { tls: 'on' } });
      expectError(() => load(), 'kafka.tls', /must be an object/);
    });

    it('a malformed value from the environment names the key', () => {
      expectError(() => load({ HTTP_PORT: '80x' }), 'http.port', /must be an integer, got "80x"/);
      expectError(() => load({ KAFKA_TLS_ENABLED: 'maybe' }), 'kafka.tls.enabled', /boolean/);
      expectError(() => load({ KAFKA_BROKERS: 'nohost' }), 'kafka.brokers', /host:port/);
      expectError(() => load({ LOG_LEVEL: 'trace' }), 'log.level', /one of error \| warn \| info \| debug/);
      expectError(() => load({ FIREHOSE_ENDPOINT: 'ftp://x' }), 'firehose.endpoint', /http\(s\) URL/);
      expectError(() => load({ AWS_REGION: 'mars' }), 'firehose.region', /AWS region/);
    });

    it('the graduated retry schedule is a non-decreasing list of milliseconds, strictly checked', () => {
      expect(load().firehose.retry.scheduleMs).to.deep.equal([5_000, 15_000, 45_000, 120_000, 300_000]);
      expect(load({ FIREHOSE_RETRY_SCHEDULE_MS: '100, 200,400' }).firehose.retry.scheduleMs).to.deep.equal([100, 200, 400]);
      expectError(() => load({ FIREHOSE_RETRY_SCHEDULE_MS: '500,200' }), 'firehose.retry.scheduleMs', /must not decrease/);
      expectError(() => load({ FIREHOSE_RETRY_SCHEDULE_MS: '100,2x' }), 'firehose.retry.scheduleMs', /invalid element "2x"/);
      expectError(() => load({ FIREHOSE_RETRY_SCHEDULE_MS: '0' }), 'firehose.retry.scheduleMs', /below 1/);
      expectError(() => load({ FIREHOSE_RETRY_SCHEDULE_MS: '' }), 'firehose.retry.scheduleMs', /at least 1/);
      expect(load({ FIREHOSE_EXIT_ON_PERMANENT_ERROR: 'true' }).firehose.exitOnPermanentError).to.equal(true);
    });

    it('reports every problem at once, first key in err.key', () => {
      const err = expectError(() => load({ HTTP_PORT: '-1', PIPELINE_GZIP_LEVEL: '10' }), 'pipeline.gzipLevel');
      expect(err.message.split('\n')).to.have.length(2);
      expect(err.message).to.include('http.port');
    });

    const limits: [string, number, string][] = [
      ['firehose.maxRecordsPerBatch', MAX_RECORDS_PER_BATCH, 'config: firehose.maxRecordsPerBatch must be ≤ 500 (PutRecordBatch limit), got 501'],
      ['firehose.maxBytesPerBatch', MAX_BYTES_PER_BATCH, 'config: firehose.maxBytesPerBatch must be ≤ 4,194,304 (PutRecordBatch limit: 4 MiB), got 4194305'],
      ['firehose.maxRecordBytes', MAX_RECORD_BYTES, 'config: firehose.maxRecordBytes must be ≤ 1,024,000 (Firehose record limit: 1,000 KiB), got 1024001'],
    ];
    for (const [key, limit, message] of limits) {
      it(`${key}: ${limit} is accepted, ${limit + 1} is refused as beyond the service limit`, () => {
        writeJson('config/default.json', nested(key, limit));
        expect(get(load(), key)).to.equal(limit);
        writeJson('config/default.json', nested(key, limit + 1));
        expect(expectError(() => load(), key).message).to.equal(message);
      });
    }

    it('heartbeatIntervalMs may be at most a third of sessionTimeoutMs', () => {
      expect(load({ KAFKA_SESSION_TIMEOUT_MS: '45000', KAFKA_HEARTBEAT_INTERVAL_MS: '15000' }).kafka.consumer.heartbeatIntervalMs).to.equal(15000);
      expectError(
        () => load({ KAFKA_SESSION_TIMEOUT_MS: '45000', KAFKA_HEARTBEAT_INTERVAL_MS: '15001' }),
        'kafka.consumer.heartbeatIntervalMs',
        /sessionTimeoutMs \/ 3 \(15000\), got 15001/,
      );
    });

    it('insecureSkipVerify is refused in production and allowed in development', () => {
      expect(load({ KAFKA_TLS_INSECURE_SKIP_VERIFY: 'true' }).kafka.tls.insecureSkipVerify).to.equal(true);
      expectError(() => load({ NODE_ENV: 'production', KAFKA_TLS_INSECURE_SKIP_VERIFY: 'true' }), 'kafka.tls.insecureSkipVerify', /production/);
    });

    const relations: [string, Env, string][] = [
      ['fetch minBytes above maxBytes', { KAFKA_MIN_BYTES: '2000', KAFKA_MAX_BYTES: '1000' }, 'kafka.consumer.minBytes'],
      ['fetch wait not below the request timeout', { KAFKA_MAX_WAIT_TIME_MS: '30000' }, 'kafka.consumer.maxWaitTimeMs'],
      ['kafkajs retry initial above max', { KAFKA_RETRY_INITIAL_MS: '40000' }, 'kafka.connection.retry.initialRetryTimeMs'],
      ['pem without a key path', { KAFKA_KEYSTORE_TYPE: 'pem', KAFKA_CERT_PATH: 'c.pem', KAFKA_CA_PATH: 'ca.pem' }, 'kafka.tls.keyPath'],
      ['pkcs12 without a truststore', { KAFKA_TRUSTSTORE_PATH: '' }, 'kafka.tls.truststorePath'],
      ['dead-letter topic equal to a source topic', { KAFKA_DLQ_TOPIC: 'wifi-scans' }, 'kafka.dlq.topic'],
      ['record limit above the batch limit', { FIREHOSE_MAX_BYTES_PER_BATCH: '1000' }, 'firehose.maxRecordBytes'],
      ['backoff base above max', { FIREHOSE_BACKOFF_BASE_MS: '30000' }, 'firehose.backoff.baseMs'],
      ['access key id without its secret', { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE' }, 'firehose.secretAccessKey'],
      ['pool minThreads above maxThreads', { POOL_MIN_THREADS: '4', POOL_MAX_THREADS: '2' }, 'pool.minThreads'],
      ['a broken-worker minimum sample above its window', { POOL_BROKEN_THRESHOLD_WINDOW: '5', POOL_BROKEN_THRESHOLD_MIN_SAMPLES: '6' }, 'pool.brokenThreshold.minSamples'],
      ['a coordinator-lost bound not above the heartbeat interval', { KAFKA_COORDINATOR_LOST_AFTER_MS: '15000' }, 'kafka.consumer.coordinatorLostAfterMs'],
      ['a broken-worker failure ratio above 1', { POOL_BROKEN_THRESHOLD_RATIO: '1.5' }, 'pool.brokenThreshold.ratio'],
      ['a unit larger than the in-flight budget', { BATCH_MAX_BYTES: String(300 * 1024 * 1024) }, 'batch.maxBytes'],
      ['size classes that overlap', { RATE_LIMIT_SMALL_MAX_BYTES: '90000' }, 'rateLimit.sizeClass.smallMaxBytes'],
      ['a minimum partial take above the bucket capacity', { RATE_LIMIT_MIN_PARTIAL: '151' }, 'rateLimit.sizeClass.minPartial'],
      ['a first rate pause above the longest', { RATE_LIMIT_PAUSE_INITIAL_MS: '70000' }, 'rateLimit.pause.initialMs'],
      ['an AIMD floor above the bytes/s limit', { RATE_LIMIT_AIMD_FLOOR_BYTES_PER_SECOND: '6000000' }, 'rateLimit.aimd.floorBytesPerSecond'],
      ['a pause threshold above 1', { RATE_LIMIT_PAUSE_THRESHOLD: '1.5' }, 'rateLimit.pause.threshold'],
      ['an AIMD factor of 1 (no decrease)', { RATE_LIMIT_AIMD_FACTOR: '1' }, 'rateLimit.aimd.factor'],
      ['an unknown rate limit mode', { RATE_LIMIT_MODE: 'bucket4j' }, 'rateLimit.mode'],
    ];
    for (const [why, env, key] of relations) {
      it(`refuses ${why} (${key})`, () => {
        expectError(() => load(env), key);
      });
    }

    it('turns convict strict-mode lines into ConfigErrors that name the key', () => {
      const err = convictToConfigError(new Error("configuration param 'kafka.grupId' not declared in the schema\nhttp.port: must be an integer, got \"x\": value was \"x\""));
      expect(err.key).to.equal('kafka.grupId');
      expect(err.message).to.equal('config: unknown key kafka.grupId\nconfig: http.port must be an integer, got "x"');
    });
  });

  describe('secrets', () => {
    it('every sensitive key reads <ENV>_FILE (trimmed)', () => {
      const env: Record<string, string> = {};
      const leaves = schemaLeaves().filter((l) => l.sensitive);
      leaves.forEach((l, i) => {
        fs.writeFileSync(path.join(tmp, `secret-${i}`), `  file-secret-${i}-long-enough\n`);
        env[`${l.env}_FILE`] = `secret-${i}`; // relative to cwd
      });
      const cfg = load(env);
      leaves.forEach((l, i) => expect(get(cfg, l.key), l.key).to.equal(`file-secret-${i}-long-enough`));
    });

    it('<ENV> and <ENV>_FILE together are refused; an unreadable file is named without content', () => {
      fs.writeFileSync(path.join(tmp, 'pw'), 'x');
      expectError(() => load({ KAFKA_KEYSTORE_PASSWORD: 'a', KAFKA_KEYSTORE_PASSWORD_FILE: 'pw' }), 'kafka.tls.keystorePassword', /not both/);
      expectError(() => load({ KAFKA_KEYSTORE_PASSWORD_FILE: 'missing-pw' }), 'kafka.tls.keystorePassword', /missing-pw.*ENOENT/);
    });

    it('redaction covers every sensitive key, and --print-config shows none of their values', () => {
      const env: Record<string, string> = {};
      const values: string[] = [];
      for (const [i, l] of schemaLeaves().filter((x) => x.sensitive).entries()) {
        env[l.env] = `Env-S3cret-${i}-long-enough`;
        values.push(env[l.env]);
      }
      const cfg = load(env);
      const red = redactedConfig(cfg);
      for (const key of sensitiveKeys()) expect(get(red, key), key).to.equal('[REDACTED]');
      const printed = printConfig(cfg);
      for (const v of values) expect(printed).not.to.include(v);
      expect(JSON.parse(printed).kafka.tls.keystorePassword).to.equal('[REDACTED]');
      expect(cfg.kafka.tls.keystorePassword).to.equal('Env-S3cret-0-long-enough'); // the original is untouched
    });

    it('http.adminToken shorter than 16 characters is refused without showing it', () => {
      const err = expectError(() => load({ HTTP_ADMIN_TOKEN: 'short-tok' }), 'http.adminToken', /at least 16 characters \(got 9\)/);
      expect(err.message).not.to.include('short-tok');
      expect(load({ HTTP_ADMIN_TOKEN: 'x'.repeat(16) }).http.adminToken).to.equal('x'.repeat(16));
    });

    it('redaction leaves an unset secret empty, so "not set" stays visible', () => {
      expect(redactedConfig(load()).kafka.tls.keystorePassword).to.equal('');
    });

    it('a wrongly typed secret in a file is named without its value', () => {
      writeJson('config/default.json', { kafka: { tls: { keystorePassword: 918273645 } } });
      const err = expectError(() => load(), 'kafka.tls.keystorePassword');
      expect(err.message).not.to.include('918273645');
    });
  });
});
