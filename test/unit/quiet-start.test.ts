import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { logLevel, type LogEntry } from 'kafkajs';
import { kafkaLogRouter, TransientErrorStreak } from '../../src/kafka/kafka-log';
import { unitCorrelationId, withLogContext } from '../../src/logging/context';
import { createLogger } from '../../src/logging/logger';
import { quietSdkNodeWarning, SDK_WARNING_SWITCH } from '../../src/logging/runtime-notice';
import { createRecordingLogger } from './metrics-helpers';

function coordinatorError(): LogEntry {
  return {
    namespace: 'Connection',
    level: logLevel.ERROR,
    label: 'ERROR',
    log: { timestamp: 'x', logger: 'kafkajs', message: 'Response GroupCoordinator(key: 10, version: 2)', broker: 'b:9093', error: 'The group coordinator is not available', correlationId: 2 },
  };
}

describe('quiet start: kafkajs log routing', () => {
  it('a coordinator-not-available error during start-up is info; it is an error again once it persists', () => {
    const logger = createRecordingLogger();
    let now = 0;
    const route = kafkaLogRouter(logger, () => now, new TransientErrorStreak(60_000));
    route(coordinatorError());
    now = 30_000;
    route(coordinatorError());
    now = 60_000;
    route(coordinatorError());
    expect(logger.entries.map((e) => e.level)).to.deep.equal(['info', 'info', 'error']);
    expect(logger.entries[0].meta).to.include({ broker: 'b:9093', kafkaCorrelationId: 2 });
    expect(logger.entries[0].meta).not.to.have.property('correlationId');
  });

  it('after a quiet gap a new streak starts as a retry again', () => {
    const s = new TransientErrorStreak(60_000);
    expect(s.transient(0)).to.equal(true);
    expect(s.transient(70_000)).to.equal(false);
    expect(s.transient(70_000 + 120_001)).to.equal(true);
  });

  it('every other kafkajs error stays an error', () => {
    const logger = createRecordingLogger();
    const route = kafkaLogRouter(logger, () => 0);
    const entry = coordinatorError();
    route({ ...entry, log: { ...entry.log, error: 'Connection error: certificate has expired' } });
    route({ ...entry, level: logLevel.WARN });
    expect(logger.entries.map((e) => e.level)).to.deep.equal(['error', 'warn']);
  });
});

describe('quiet start: unit correlation ids', () => {
  it('every line logged inside a unit\'s context carries its correlation id; concurrent units do not mix', async () => {
    const stream = new PassThrough();
    const lines: string[] = [];
    stream.on('data', (c: Buffer) => lines.push(...c.toString().split('\n').filter(Boolean)));
    const logger = createLogger({ level: 'info', format: 'json', service: 's', stream });
    const unit = (partition: number, first: number) => ({ topic: 'scans', partition, messages: [{ offset: String(first) }, { offset: String(first + 149) }] });
    const work = (id: string, delayMs: number) => async () => {
      await new Promise((r) => setTimeout(r, delayMs));
      logger.info('worker task failed', { unitLabel: id });
    };
    await Promise.all([
      withLogContext({ correlationId: unitCorrelationId(unit(0, 1200)) }, work('a', 20)),
      withLogContext({ correlationId: unitCorrelationId(unit(3, 0)) }, work('b', 5)),
    ]);
    logger.info('outside');
    await new Promise((r) => setImmediate(r));
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.map((p) => [p.unitLabel, p.correlationId])).to.deep.equal([
      ['b', 'scans:3:0-149'],
      ['a', 'scans:0:1200-1349'],
      [undefined, undefined],
    ]);
  });
});

describe('quiet start: the AWS SDK Node-version warning', () => {
  it('below Node 22: sets the SDK\'s own switch for that one warning and logs one info line', () => {
    const env: NodeJS.ProcessEnv = {};
    const logger = createRecordingLogger();
    quietSdkNodeWarning(logger, env, 'v20.19.2');
    expect(env[SDK_WARNING_SWITCH]).to.equal('true');
    expect(logger.entries).to.have.length(1);
    expect(logger.entries[0].level).to.equal('info');
  });

  it('the switch is the one the installed SDK reads', () => {
    const core = path.dirname(require.resolve('@aws-sdk/core/package.json'));
    const source = readFileSync(path.join(core, 'dist-cjs/submodules/client/index.js'), 'utf8');
    expect(source).to.include(`process.env.${SDK_WARNING_SWITCH} === "true"`);
  });

  it('on Node 22 and later nothing is changed', () => {
    const env: NodeJS.ProcessEnv = {};
    const logger = createRecordingLogger();
    quietSdkNodeWarning(logger, env, 'v24.11.0');
    expect(env).to.deep.equal({});
    expect(logger.entries).to.have.length(0);
  });
});
