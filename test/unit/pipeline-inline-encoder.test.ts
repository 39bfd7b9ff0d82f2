import { expect } from 'chai';
import { AbortedError, AppError } from '../../src/errors';
import { mulberry32 } from '../../src/generator/wifi-scan';
import { encodeUnit, encodeUnitAsync } from '../../src/pipeline/encode-unit';
import { createInlineEncoder } from '../../src/pool/inline-encoder';
import { RECORD_FORMATS, type UnitResult } from '../../src/pipeline/wire';
import { createTestUnitRequest } from '../fixtures/unit-request';

/** Every verdict the worker path gives: valid, invalid, tombstone, raw newline, too deep, oversized, non-UTF-8. */
function mixedValues(): Array<string | Buffer | null> {
  const rng = mulberry32(5);
  const noise = Buffer.alloc(900_000);
  for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(rng() * 256);
  return [
    '{"id":"a","ap":[]}',
    '{"broken":',
    null,
    '{"id":"c",\n"ssid":"東京"}',
    `${'['.repeat(70)}${']'.repeat(70)}`,
    Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]),
    JSON.stringify({ pad: noise.toString('base64') }),
    '{"id":"d","ssid":"Café Wi‑Fi"}',
  ];
}

/** The result without its ArrayBuffers' identity, for deep equality. */
function comparable(result: UnitResult): object {
  return {
    ...result,
    data: Buffer.from(result.data).toString('base64'),
    recordBounds: Array.from(result.recordBounds),
    recordMessageBounds: Array.from(result.recordMessageBounds),
    recordMessages: Array.from(result.recordMessages),
  };
}

describe('pipeline/encode-unit encodeUnitAsync (zlib on libuv threads)', () => {
  for (const format of RECORD_FORMATS) {
    for (const aggregate of [false, true]) {
      it(`gives exactly encodeUnit's result (${format}${aggregate ? ', aggregated' : ''})`, async () => {
        const req = (): ReturnType<typeof createTestUnitRequest> =>
          createTestUnitRequest(mixedValues(), { options: { format, aggregate, gzipLevel: 3, limits: { maxRecordsPerBatch: 500, maxBytesPerBatch: 4_194_304, maxRecordBytes: 300_000 } } });
        const sync = encodeUnit(req()).result;
        const async = (await encodeUnitAsync(req())).result;
        expect(comparable(async)).to.deep.equal(comparable(sync));
        expect(sync.rejected.length).to.be.greaterThan(3); // the mix really exercises the rejections
      });
    }
  }

  it('turns an encoder failure into ENCODE_FAILED rejections, as the sync path does', async () => {
    const { result } = await encodeUnitAsync(createTestUnitRequest(['{}', '[]'], { options: { gzipLevel: 42 } }));
    expect(result.rejected.map((r) => r.code)).to.deep.equal(['ENCODE_FAILED', 'ENCODE_FAILED']);
  });
});

describe('pool/inline-encoder createInlineEncoder', () => {
  it('encodes a unit like the worker does', async () => {
    const encoder = createInlineEncoder({ maxThreads: 2, maxQueue: 0 });
    const result = await encoder.run(createTestUnitRequest(mixedValues()));
    expect(comparable(result)).to.deep.equal(comparable(encodeUnit(createTestUnitRequest(mixedValues())).result));
    expect(encoder.stats()).to.include({ inFlight: 0, completed: 1, threads: 0, threadsStarted: 0 });
    await encoder.close();
  });

  it('refuses work beyond maxThreads + maxQueue with a retriable POOL_BUSY, and takes it again once one settles', async () => {
    const encoder = createInlineEncoder({ maxThreads: 1, maxQueue: 1 });
    const first = encoder.run(createTestUnitRequest(['{}']));
    const second = encoder.run(createTestUnitRequest(['{}']));
    const err = await encoder.run(createTestUnitRequest(['{}'])).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(AppError).with.property('code', 'POOL_BUSY');
    expect((err as AppError).retriable).to.equal(true);
    expect(encoder.stats()).to.include({ inFlight: 2, queueSize: 1, utilization: 1 });
    await Promise.all([first, second]);
    await encoder.run(createTestUnitRequest(['{}']));
    await encoder.close();
  });

  it('an aborted caller gets an AbortedError (before and during the encode)', async () => {
    const encoder = createInlineEncoder({ maxThreads: 1, maxQueue: 4 });
    const before = new AbortController();
    before.abort();
    const e1 = await encoder.run(createTestUnitRequest(['{}']), before.signal).then(() => undefined, (e: unknown) => e);
    expect(e1).to.be.instanceOf(AbortedError);
    const during = new AbortController();
    const task = encoder.run(createTestUnitRequest(mixedValues()), during.signal);
    during.abort();
    const e2 = await task.then(() => undefined, (e: unknown) => e);
    expect(e2).to.be.instanceOf(AbortedError);
    expect(encoder.stats().inFlight).to.equal(0);
    await encoder.close();
  });

  it('close() drains accepted units, then refuses new ones with POOL_CLOSED', async () => {
    const encoder = createInlineEncoder({ maxThreads: 1, maxQueue: 1 });
    const task = encoder.run(createTestUnitRequest(mixedValues()));
    let settled = false;
    void task.then(() => (settled = true));
    await encoder.close();
    expect(settled).to.equal(true);
    const err = await encoder.run(createTestUnitRequest(['{}'])).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(AppError).with.property('code', 'POOL_CLOSED');
  });
});
