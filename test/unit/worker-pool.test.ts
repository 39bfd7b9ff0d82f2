/**
 * A real Piscina pool over the compiled worker (dist/workers/encode-worker.js)
 * and a crash fixture. Real threads, no fakes except the clock that times the
 * task timeout, so no test waits on real time.
 */
import { expect } from 'chai';
import path from 'node:path';
import type { Clock } from '../../src/clock';
import { AbortedError, AppError } from '../../src/errors';
import { recordMessageIndexes, recordView } from '../../src/pipeline/encode-unit';
import { decodeRecords } from '../../src/pipeline/formats';
import { createEncodePool, poolThreads, type EncodePool, type EncodePoolOptions } from '../../src/pool/pool';
import { encodeWorkerPath } from '../../src/pool/worker-path';
import { generateScan } from '../../src/generator/wifi-scan';
import { createTestUnitRequest } from '../fixtures/unit-request';

const crashWorkerPath = path.resolve(__dirname, '../fixtures/crash-worker.js');

function manualClock(): { clock: Clock; fire: () => void } {
  const pending: Array<() => void> = [];
  return {
    clock: {
      now: () => 0,
      sleep: (_ms, signal) =>
        new Promise<void>((resolve, reject) => {
          pending.push(resolve);
          signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
        }),
    },
    fire: () => pending.splice(0).forEach((resolve) => resolve()),
  };
}

async function expectRejection(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected a rejection');
}

const ticks = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

describe('pool/pool (real Piscina threads)', function () {
  this.timeout(20_000);
  const base: EncodePoolOptions = { minThreads: 1, maxThreads: 1, maxQueue: 16, maxOldGenerationSizeMb: 128, taskTimeoutMs: 0 };
  let pool: EncodePool | undefined;

  afterEach(async () => {
    await pool?.close({ force: true });
    pool = undefined;
  });

  it('poolThreads: 0 = one per core, minThreads 0 = maxThreads, never above maxThreads', () => {
    const table: Array<[{ minThreads: number; maxThreads: number }, { minThreads: number; maxThreads: number }]> = [
      [{ minThreads: 0, maxThreads: 0 }, { minThreads: 2, maxThreads: 2 }],
      [{ minThreads: 0, maxThreads: 3 }, { minThreads: 3, maxThreads: 3 }],
      [{ minThreads: 1, maxThreads: 0 }, { minThreads: 1, maxThreads: 2 }],
      [{ minThreads: 4, maxThreads: 0 }, { minThreads: 2, maxThreads: 2 }],
    ];
    for (const [config, want] of table) expect(poolThreads(config, 2)).to.deep.equal(want);
  });

  it('no churn: a pool of 2 with minThreads = maxThreads starts exactly 2 threads over bursts with idle gaps', async () => {
    let started = 0;
    pool = createEncodePool({ ...base, minThreads: 2, maxThreads: 2, onThreadStarted: () => started++ });
    for (let burst = 0; burst < 3; burst++) {
      await Promise.all([0, 1, 2, 3].map((i) => pool!.run(createTestUnitRequest(['{"a":1}'], { unitId: burst * 10 + i }))));
      await new Promise((r) => setTimeout(r, 50)); // idle: piscina's default idleTimeout (0) would retire threads here
    }
    expect(started).to.equal(2);
    expect(pool.stats().threadsStarted).to.equal(2);
    expect(pool.stats().threads).to.equal(2);
  });

  it('points at the compiled worker', () => {
    expect(encodeWorkerPath).to.match(/dist[\\/]workers[\\/]encode-worker\.js$/);
  });

  it('transfers the request buffer in and gets decodable records back', async () => {
    pool = createEncodePool(base);
    const scans = [30_000, 65_000, 100_000].map((targetBytes, i) => generateScan({ seed: i, targetBytes, id: `s-${i}` }));
    const req = createTestUnitRequest(scans, { unitId: 9, options: { format: 'base64-gzip-lines' } });
    const values = req.values;
    expect(values.byteLength).to.equal(195_000);

    const result = await pool.run(req);

    expect(values.byteLength).to.equal(0); // detached: moved to the worker, not cloned
    expect(req.valueBounds.length).to.equal(0); // its bounds table went along
    expect(result.unitId).to.equal(9);
    expect(result.rejected).to.deep.equal([]);
    expect(result.data).to.be.instanceOf(ArrayBuffer);
    expect(result.data.byteLength).to.equal(result.encodedBytes);
    for (let r = 0; r < 3; r++) {
      const [decoded] = decodeRecords(Buffer.from(recordView(result, r)), 'base64-gzip-lines');
      expect(decoded.equals(scans[recordMessageIndexes(result, r)[0]])).to.equal(true);
    }
    expect(result.sizeClasses).to.deep.equal({
      small: { count: 1, bytes: 30_000 },
      medium: { count: 1, bytes: 65_000 },
      large: { count: 1, bytes: 100_000 },
    });
    expect(pool.stats()).to.include({ inFlight: 0, completed: 1 });
  });

  it('rebuilds a worker-side failure as a typed, non-retriable AppError', async () => {
    pool = createEncodePool(base);
    const req = createTestUnitRequest(['{}']);
    req.valueBounds = new Uint32Array([0, 999]);
    const err = await expectRejection(pool.run(req));
    expect(err.code).to.equal('ENCODE_UNIT_FAILED');
    expect(err.retriable).to.equal(false);
  });

  describe('crash isolation (fixture worker)', () => {
    for (const marker of ['CRASH-EXIT', 'CRASH-THROW']) {
      it(`${marker}: the task rejects with retriable WORKER_FAILED and the pool serves the next task`, async () => {
        pool = createEncodePool({ ...base, filename: crashWorkerPath });
        const err = await expectRejection(pool.run(createTestUnitRequest([`{"m":"${marker}"}`])));
        expect(err.code).to.equal('WORKER_FAILED');
        expect(err.retriable).to.equal(true);
        const next = await pool.run(createTestUnitRequest(['{"ok":true}'], { options: { format: 'ndjson' } }));
        expect(Buffer.from(next.data).toString()).to.equal('{"ok":true}\n');
      });
    }

    it('a task over taskTimeoutMs is killed and rejects with WORKER_FAILED; the thread is replaced', async () => {
      const { clock, fire } = manualClock();
      pool = createEncodePool({ ...base, filename: crashWorkerPath, taskTimeoutMs: 5_000, clock });
      await pool.run(createTestUnitRequest(['{}'])); // warm: the one thread is up
      const hung = pool.run(createTestUnitRequest(['{"m":"HANG"}']));
      await ticks(5);
      expect(pool.stats().queueSize).to.equal(0); // dispatched: spinning on the thread, not waiting
      fire();
      const err = await expectRejection(hung);
      expect(err.code).to.equal('WORKER_FAILED');
      expect(err.message).to.equal('encode task timed out after 5000 ms');
      // maxThreads is 1: this only completes if the spinning thread was terminated.
      const next = pool.run(createTestUnitRequest(['[1]'], { options: { format: 'ndjson' } }));
      expect(Buffer.from((await next).data).toString()).to.equal('[1]\n');
    });
  });

  it('a caller abort rejects with AbortedError', async () => {
    pool = createEncodePool(base);
    const controller = new AbortController();
    controller.abort();
    const err = await expectRejection(pool.run(createTestUnitRequest(['{}']), controller.signal));
    expect(err).to.be.instanceOf(AbortedError);
  });

  it('close() drains accepted tasks, then refuses new ones with POOL_CLOSED', async () => {
    pool = createEncodePool(base);
    const tasks = [1, 2, 3].map((i) => pool!.run(createTestUnitRequest([`{"i":${i}}`], { unitId: i })));
    await pool.close();
    const results = await Promise.all(tasks);
    expect(results.map((r) => r.unitId)).to.deep.equal([1, 2, 3]);
    const err = await expectRejection(pool.run(createTestUnitRequest(['{}'])));
    expect(err.code).to.equal('POOL_CLOSED');
    expect(err.retriable).to.equal(false);
  });

  it('close({ force: true }) abandons running and queued tasks with AbortedError', async () => {
    pool = createEncodePool({ ...base, filename: crashWorkerPath });
    await pool.run(createTestUnitRequest(['{}']));
    const running = pool.run(createTestUnitRequest(['{"m":"HANG"}']));
    const queued = pool.run(createTestUnitRequest(['{}']));
    await ticks(5);
    await pool.close({ force: true });
    expect(await expectRejection(running)).to.be.instanceOf(AbortedError);
    expect(await expectRejection(queued)).to.be.instanceOf(AbortedError);
  });

  it('close({ force: true }) ends a close() that is waiting on a hung task', async () => {
    pool = createEncodePool({ ...base, filename: crashWorkerPath });
    const hung = pool.run(createTestUnitRequest(['{"m":"HANG"}']));
    const draining = pool.close();
    await ticks(5);
    await pool.close({ force: true });
    await draining;
    expect(await expectRejection(hung)).to.be.instanceOf(AbortedError);
  });

  it('a full queue rejects with retriable POOL_BUSY', async () => {
    pool = createEncodePool({ ...base, filename: crashWorkerPath, maxQueue: 1 });
    await pool.run(createTestUnitRequest(['{}']));
    const running = pool.run(createTestUnitRequest(['{"m":"HANG"}']));
    await ticks(5);
    const queued = pool.run(createTestUnitRequest(['{}']));
    const err = await expectRejection(pool.run(createTestUnitRequest(['{}'])));
    expect(err.code).to.equal('POOL_BUSY');
    expect(err.retriable).to.equal(true);
    await pool.close({ force: true });
    await Promise.allSettled([running, queued]);
  });
});
