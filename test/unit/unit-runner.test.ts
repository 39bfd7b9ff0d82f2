import { expect } from 'chai';
import { AppError } from '../../src/errors';
import { Coalescer } from '../../src/firehose/coalescer';
import { Semaphore } from '../../src/flow/semaphore';
import { UnitRunner, type Unit } from '../../src/kafka/unit-runner';
import { silentLogger } from '../../src/logging/types';
import {
  createTestRunner,
  InlinePool,
  RecordingDeadLetters,
  RecordingDispatcher,
  jsonMessages,
  kafkaMessage,
  testEncodeOptions,
} from '../support/kafka-fakes';
import { FakeClock } from '../support/fakes';

function setup(failWhen?: ConstructorParameters<typeof InlinePool>[0]) {
  const pool = new InlinePool(failWhen);
  return { pool, ...createTestRunner(pool) };
}

const unitOf = (messages: Unit['messages']): Unit => ({ id: 1, topic: 'scans', partition: 3, messages });

describe('UnitRunner', () => {
  it('delivers every message of a unit exactly once', async () => {
    const { runner, dispatcher, deadLetters } = setup();
    const messages = jsonMessages(100, 20);
    const report = await runner.run(unitOf(messages), new AbortController().signal);
    expect(dispatcher.delivered.map((r) => JSON.parse(r).id)).to.deep.equal(messages.map((m) => JSON.parse(m.value!.toString()).id));
    expect(deadLetters.letters).to.have.length(0);
    expect(report).to.include({ messages: 20, delivered: 20, deadLettered: 0, workerAttempts: 1 });
  });

  it('dead-letters rejected messages with coordinates and delivers the rest', async () => {
    const { runner, dispatcher, deadLetters } = setup();
    const messages = [kafkaMessage(7, '{"id":"a"}'), kafkaMessage(8, '{not json'), kafkaMessage(9, '{"id":"c"}')];
    const report = await runner.run(unitOf(messages), new AbortController().signal);
    expect(dispatcher.delivered).to.have.length(2);
    expect(deadLetters.letters).to.have.length(1);
    expect(deadLetters.letters[0]).to.include({ topic: 'scans', partition: 3, offset: '8', code: 'INVALID_JSON' });
    expect(deadLetters.letters[0].value!.toString()).to.equal('{not json');
    expect(report).to.include({ delivered: 2, deadLettered: 1 });
  });

  it('retries a failed worker task once, then succeeds', async () => {
    const { runner, pool, dispatcher } = setup((_req, call) => call === 1);
    await runner.run(unitOf(jsonMessages(0, 5)), new AbortController().signal);
    expect(pool.calls).to.have.length(2);
    expect(dispatcher.delivered).to.have.length(5);
  });

  it('isolates the message that crashes the worker and dead-letters only it', async () => {
    const poison = (req: { values: ArrayBuffer }) => Buffer.from(req.values).includes('CRASH');
    const { runner, dispatcher, deadLetters } = setup((req) => poison(req));
    const messages = [kafkaMessage(0, '{"id":"a"}'), kafkaMessage(1, '{"id":"CRASH"}'), kafkaMessage(2, '{"id":"c"}')];
    const report = await runner.run(unitOf(messages), new AbortController().signal);
    expect(dispatcher.delivered.map((r) => JSON.parse(r).id)).to.deep.equal(['a', 'c']);
    expect(deadLetters.letters.map((l) => [l.offset, l.code, l.attempts])).to.deep.equal([['1', 'WORKER_CRASH', 2]]);
    expect(report).to.include({ delivered: 2, deadLettered: 1 });
  });

  it('F3: when every single of a unit fails, the worker is broken: WORKER_BROKEN, nothing dead-lettered', async () => {
    const { runner, dispatcher, deadLetters } = setup(() => true);
    const err = await runner.run(unitOf(jsonMessages(0, 4)), new AbortController().signal).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(AppError);
    expect((err as AppError).code).to.equal('WORKER_BROKEN');
    expect((err as AppError).retriable).to.equal(false);
    expect(deadLetters.letters, 'a broken worker must not flood the DLQ').to.have.length(0);
    expect(dispatcher.delivered).to.have.length(0);
  });

  it('F3: one poison message among good ones is still isolated and dead-lettered', async () => {
    const poison = (req: { values: ArrayBuffer }) => Buffer.from(req.values).includes('CRASH');
    const { runner, deadLetters } = setup((req) => poison(req));
    await runner.run(unitOf([kafkaMessage(0, '{"id":"CRASH"}'), kafkaMessage(1, '{"id":"b"}')]), new AbortController().signal);
    expect(deadLetters.letters.map((l) => l.offset)).to.deep.equal(['0']);
  });

  it('F11: a worker result that leaves a message out is a worker failure, never an ack', async () => {
    const inline = new InlinePool();
    let corrupt = 1;
    const pool = {
      run: async (req: Parameters<InlinePool['run']>[0]) => {
        const result = await inline.run(req);
        if (corrupt-- > 0) return { ...result, rejected: [], recordMessages: result.recordMessages.subarray(0, 0), recordMessageBounds: new Uint32Array(result.recordMessageBounds.length) };
        return result;
      },
    };
    const dispatcher = new RecordingDispatcher();
    const deadLetters = new RecordingDeadLetters();
    const failures: unknown[] = [];
    const runner = new UnitRunner({ pool, dispatcher, deadLetters, encodeOptions: testEncodeOptions, requestSlots: new Semaphore(2), logger: silentLogger, sleep: async () => undefined, onWorkerFailure: (e) => failures.push(e) });
    const report = await runner.run(unitOf(jsonMessages(0, 3)), new AbortController().signal);
    expect((failures[0] as AppError).code).to.equal('WORKER_RESULT_INVALID');
    expect(dispatcher.delivered, 'the bad result was not delivered; the retry was').to.have.length(3);
    expect(report).to.include({ delivered: 3, workerAttempts: 2 });
  });

  it('dead-letters the messages of a record Firehose refuses as invalid (FIREHOSE_REJECTED); the rest are delivered', async () => {
    const { runner, dispatcher, deadLetters } = setup();
    dispatcher.refuse = (text) => text.includes('"bad"');
    const messages = [kafkaMessage(4, '{"id":"a"}'), kafkaMessage(5, '{"id":"bad"}'), kafkaMessage(6, '{"id":"c"}')];
    const report = await runner.run(unitOf(messages), new AbortController().signal);
    expect(deadLetters.letters.map((l) => [l.offset, l.code])).to.deep.equal([['5', 'FIREHOSE_REJECTED']]);
    expect(dispatcher.delivered).to.have.length(2);
    expect(report).to.include({ delivered: 2, deadLettered: 1 });
  });

  it('sends a fresh owned buffer on each attempt (the previous one was transferred)', async () => {
    const { runner, pool } = setup((_r, call) => call === 1);
    await runner.run(unitOf(jsonMessages(0, 3)), new AbortController().signal);
    expect(pool.calls[0].values).to.not.equal(pool.calls[1].values);
  });

  it('waits out POOL_BUSY without counting it as a worker failure (never dead-letters for it)', async () => {
    let busyLeft = 3;
    const inline = new InlinePool();
    const deadLetters = new RecordingDeadLetters();
    const dispatcher = new RecordingDispatcher();
    let sleeps = 0;
    const runner = new UnitRunner({
      pool: {
        run: async (req) => {
          if (busyLeft-- > 0) throw new AppError('POOL_BUSY', 'pool full', { retriable: true });
          return inline.run(req);
        },
      },
      dispatcher,
      deadLetters,
      encodeOptions: testEncodeOptions,
      requestSlots: new Semaphore(1),
      logger: silentLogger,
      sleep: async () => {
        sleeps += 1;
      },
    });
    const report = await runner.run(unitOf(jsonMessages(0, 4)), new AbortController().signal);
    expect(sleeps).to.equal(3);
    expect(deadLetters.letters).to.have.length(0);
    expect(dispatcher.delivered).to.have.length(4);
    expect(report.workerAttempts).to.equal(1);
  });

  it('propagates a dispatcher failure (the unit is not acked)', async () => {
    const pool = new InlinePool();
    const runner = new UnitRunner({
      pool,
      dispatcher: new RecordingDispatcher(false, () => new Error('ResourceNotFoundException')),
      deadLetters: new RecordingDeadLetters(),
      encodeOptions: testEncodeOptions,
      requestSlots: new Semaphore(1),
      logger: silentLogger,
      sleep: async () => undefined,
    });
    let caught: unknown;
    await runner.run(unitOf(jsonMessages(0, 2)), new AbortController().signal).catch((e) => (caught = e));
    expect((caught as Error).message).to.equal('ResourceNotFoundException');
  });

  it('with the coalescer (no requestSlots): units of two partitions share one request; each unit gets its own refusals', async () => {
    const clock = new FakeClock();
    const dispatcher = new RecordingDispatcher();
    dispatcher.refuse = (text) => text.includes('"bad"');
    const coalescer = new Coalescer({ sink: dispatcher, clock, maxRecords: 500, maxBytes: 4 * 1024 * 1024, lingerMs: 50, maxConcurrent: 2 });
    const deadLetters = new RecordingDeadLetters();
    const runner = new UnitRunner({ pool: new InlinePool(), dispatcher: coalescer, deadLetters, encodeOptions: testEncodeOptions, logger: silentLogger, sleep: async () => undefined });
    const a: Unit = { id: 1, topic: 'scans', partition: 0, messages: [kafkaMessage(10, '{"id":"a0"}'), kafkaMessage(11, '{"id":"bad"}')] };
    const b: Unit = { id: 2, topic: 'scans', partition: 1, messages: [kafkaMessage(20, '{"id":"b0"}'), kafkaMessage(21, '{"id":"bad"}'), kafkaMessage(22, '{"id":"b2"}')] };
    const signal = new AbortController().signal;
    const [ra, rb] = await clock.run(Promise.all([runner.run(a, signal), runner.run(b, signal)]));
    expect(dispatcher.requests, 'one request carried both units').to.equal(1);
    expect(dispatcher.delivered.map((t) => JSON.parse(t).id)).to.deep.equal(['a0', 'b0', 'b2']);
    expect(deadLetters.letters.map((l) => [l.partition, l.offset, l.code])).to.have.deep.members([
      [0, '11', 'FIREHOSE_REJECTED'],
      [1, '21', 'FIREHOSE_REJECTED'],
    ]);
    expect(ra).to.include({ delivered: 1, deadLettered: 1, requests: 1 });
    expect(rb).to.include({ delivered: 2, deadLettered: 1, requests: 1 });
  });
});
