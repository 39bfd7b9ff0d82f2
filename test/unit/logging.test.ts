import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { createLogger, type CreateLoggerOptions } from '../../src/logging/logger';
import { REDACTED, redactValue } from '../../src/logging/redact';
import type { Logger } from '../../src/logging/types';

// A throwaway key made for this run: nothing key-shaped is committed.
const PEM_KEY = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
/** A line of the key's base64 body: it must never reach a log line. */
const PEM_BODY = PEM_KEY.split('\n')[1];
const FIXED = new Date('2025-01-02T03:04:05.678Z');

/** A logger writing into memory; `lines()` waits for winston's stream pipeline to flush. */
function memoryLogger(opts: Partial<CreateLoggerOptions> = {}): { logger: Logger; lines: () => Promise<string[]> } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  const logger = createLogger({ level: 'debug', format: 'json', service: 'wsqc-test', stream, now: () => FIXED, ...opts });
  const lines = async (): Promise<string[]> => {
    await new Promise((resolve) => setImmediate(resolve));
    return chunks.join('').split('\n').filter(Boolean);
  };
  return { logger, lines };
}

describe('createLogger', () => {
  it('writes one JSON object per line: timestamp, level, service, message, then meta', async () => {
    const { logger, lines } = memoryLogger();
    logger.info('consumer started', { topic: 'wifi-scans', partitions: 3 });
    const [line] = await lines();
    expect(Object.keys(JSON.parse(line))).to.deep.equal(['timestamp', 'level', 'service', 'message', 'topic', 'partitions']);
    expect(JSON.parse(line)).to.deep.equal({
      timestamp: FIXED.toISOString(),
      level: 'info',
      service: 'wsqc-test',
      message: 'consumer started',
      topic: 'wifi-scans',
      partitions: 3,
    });
  });

  it('filters by level', async () => {
    const { logger, lines } = memoryLogger({ level: 'warn' });
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect((await lines()).map((l) => JSON.parse(l).level)).to.deep.equal(['warn', 'error']);
  });

  it('child loggers add their fields', async () => {
    const { logger, lines } = memoryLogger();
    logger.child({ component: 'firehose' }).info('sent', { records: 500 });
    expect(JSON.parse((await lines())[0])).to.include({ component: 'firehose', records: 500, service: 'wsqc-test' });
  });

  it('redacts passwords, secret keys and PEM key material in meta and message', async () => {
    const { logger, lines } = memoryLogger();
    logger.warn(`bad key ${PEM_KEY}`, {
      password: 'hunter2',
      keystorePassword: 'ks-hunter2',
      firehose: { secretAccessKey: 'wJalrXUtnFEMI', accessKeyId: 'AKIAEXAMPLE', region: 'us-east-1' },
      material: PEM_KEY,
      list: [{ passphrase: 'pp-hunter2' }],
    });
    const [line] = await lines();
    for (const secret of ['hunter2', 'wJalrXUtnFEMI', 'AKIAEXAMPLE', PEM_BODY]) {
      expect(line).not.to.include(secret);
    }
    const obj = JSON.parse(line);
    expect(obj.password).to.equal(REDACTED);
    expect(obj.firehose).to.deep.equal({ secretAccessKey: REDACTED, accessKeyId: REDACTED, region: 'us-east-1' });
    expect(obj.material).to.include(REDACTED);
    expect(obj.message).to.match(/^bad key \[REDACTED\] PEM/);
    expect(obj.list[0].passphrase).to.equal(REDACTED);
  });

  it('logs errors as data and buffers as their size, never their bytes', async () => {
    const { logger, lines } = memoryLogger();
    const err = Object.assign(new Error('put failed'), { code: 'ThrottlingException', retriable: true });
    logger.error('delivery', { err, payload: Buffer.from('{"ssid":"secret-home"}') });
    const obj = JSON.parse((await lines())[0]);
    expect(obj.err).to.include({ name: 'Error', message: 'put failed', code: 'ThrottlingException', retriable: true });
    expect(obj.payload).to.equal('[22 bytes]');
  });

  it('pretty format: one readable line with key=value fields, still redacted', async () => {
    const { logger, lines } = memoryLogger({ format: 'pretty', colors: false });
    logger.info('listening', { port: 8080, host: '0.0.0.0', password: 'hunter2' });
    expect(await lines()).to.deep.equal([
      `${FIXED.toISOString()} INFO  [wsqc-test] listening port=8080 host=0.0.0.0 password=${REDACTED}`,
    ]);
  });

  it('a field whose value is undefined is left out, in both formats (not "reason=undefined")', async () => {
    const pretty = memoryLogger({ format: 'pretty', colors: false });
    pretty.logger.info('circuit closed', { circuit: 'firehose', reason: undefined, to: 'closed' });
    expect(await pretty.lines()).to.deep.equal([`${FIXED.toISOString()} INFO  [wsqc-test] circuit closed circuit=firehose to=closed`]);
    const json = memoryLogger();
    json.logger.info('circuit closed', { circuit: 'firehose', reason: undefined });
    expect(Object.keys(JSON.parse((await json.lines())[0]))).to.deep.equal(['timestamp', 'level', 'service', 'message', 'circuit']);
  });
});

describe('redactValue', () => {
  it('does not modify its input and survives cycles', () => {
    const meta: Record<string, unknown> = { password: 'p', nested: { token: 't' } };
    meta.self = meta;
    const out = redactValue('', meta) as Record<string, unknown>;
    expect(meta.password).to.equal('p');
    expect(out.self).to.equal('[Circular]');
    expect(out.nested).to.deep.equal({ token: REDACTED });
  });

  it('keeps empty and absent secrets as they are', () => {
    expect(redactValue('', { password: '', secret: undefined })).to.deep.equal({ password: '', secret: undefined });
  });
});
