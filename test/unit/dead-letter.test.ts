import { expect } from 'chai';
import type { ProducerRecord } from 'kafkajs';
import { DLQ_HEADERS, DeadLetterTooLargeError, KafkaDeadLetterSink, toDlqMessage, type DeadLetter, type KafkaDeadLetterSinkOptions } from '../../src/kafka/dead-letter';
import { topicLimitReader, type LimitAdmin } from '../../src/kafka/dead-letter-limits';
import { isMessageTooLarge, planChunks, recordBytes, RECORD_BATCH_OVERHEAD, varintBytes, type BatchMessage } from '../../src/kafka/record-batch-size';
import { silentLogger, type Logger } from '../../src/logging/types';
import { FakeClock, flush } from '../support/fakes';

// kafkajs's own encoders: the estimate is checked against the bytes kafkajs really writes.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const KafkaRecord = require('kafkajs/src/protocol/recordBatch/record/v0') as (r: { offsetDelta: number; timestampDelta: number; key: Buffer | null; value: Buffer | null; headers: object }) => { size(): number };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { RecordBatch: KafkaRecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as { RecordBatch: (b: { records: unknown[] }) => Promise<{ buffer: Buffer }> };

/** What kafkajs raises for a batch the broker refuses (KafkaJSNonRetriableError wrapping the protocol error). */
function messageTooLarge(): Error {
  const protocol = Object.assign(new Error('The request included a message larger than the max message size the server will accept'), { type: 'MESSAGE_TOO_LARGE', retriable: false });
  return Object.assign(new Error(protocol.message), { name: 'KafkaJSNonRetriableError', cause: protocol, retriable: false });
}

/** A producer that enforces the broker's rule: each send's batch must fit `limit` (one partition: the key is shared). */
class LimitedProducer {
  readonly sends: Array<{ topic: string; count: number; bytes: number }> = [];
  readonly accepted: Array<{ key: string; offset: string }> = [];
  failNext: Error[] = [];
  constructor(public limit: number) {}
  async send(record: ProducerRecord): Promise<[]> {
    const bytes = RECORD_BATCH_OVERHEAD + record.messages.reduce((n, m) => n + recordBytes(m as BatchMessage), 0);
    this.sends.push({ topic: record.topic, count: record.messages.length, bytes });
    const injected = this.failNext.shift();
    if (injected) throw injected;
    if (bytes > this.limit) throw messageTooLarge();
    for (const m of record.messages) this.accepted.push({ key: String(m.key), offset: String(m.headers?.[DLQ_HEADERS.offset]) });
    return [];
  }
}

function letters(count: number, valueBytes: number, key = 'same-key'): DeadLetter[] {
  return Array.from({ length: count }, (_, i) => ({
    topic: 'scans',
    partition: 2,
    offset: String(100 + i),
    timestamp: '1700000000000',
    key: Buffer.from(key),
    value: Buffer.alloc(valueBytes, 0x61),
    code: 'INVALID_JSON',
    reason: 'Unexpected token',
    attempts: 1,
    headers: { 'trace-id': `t-${i}` },
  }));
}

function sink(producer: LimitedProducer, extra: Partial<KafkaDeadLetterSinkOptions> = {}) {
  const clock = new FakeClock();
  const chunks: number[] = [];
  const s = new KafkaDeadLetterSink({
    producer,
    topic: 'scans.dlq',
    clock,
    random: () => 0.5,
    logger: silentLogger,
    backoff: { baseMs: 100, maxMs: 1_000 },
    maxBatchBytes: 1_000_000,
    onChunkSent: (_t, n) => chunks.push(n),
    ...extra,
  });
  return { s, clock, chunks };
}

describe('record batch size (F2)', () => {
  it('counts zigzag varints like Kafka', () => {
    expect([0, 1, -1, 63, 64, -64, -65, 8191, 8192, 1_000_000].map(varintBytes)).to.deep.equal([1, 1, 1, 1, 2, 1, 2, 2, 3, 3]);
  });

  it('never under-estimates what kafkajs encodes, and is within 16 bytes a record', async () => {
    const cases: BatchMessage[] = [
      { key: null, value: null },
      { key: Buffer.from('k'), value: Buffer.alloc(100_000, 1), headers: { a: 'b', 'wsqc.error.reason': 'x'.repeat(300) } },
      { key: 'id-1', value: Buffer.alloc(60, 2), headers: { multi: ['one', Buffer.from('two')] } },
    ];
    for (const m of cases) {
      const real = KafkaRecord({ offsetDelta: 0, timestampDelta: 0, key: m.key as Buffer | null, value: m.value as Buffer | null, headers: m.headers ?? {} }).size();
      expect(recordBytes(m)).to.be.at.least(real).and.at.most(real + 16);
    }
    const records = cases.map((m, i) => KafkaRecord({ offsetDelta: i, timestampDelta: 0, key: m.key as Buffer | null, value: m.value as Buffer | null, headers: m.headers ?? {} }));
    const batch = await KafkaRecordBatch({ records });
    const estimate = RECORD_BATCH_OVERHEAD + cases.reduce((n, m) => n + recordBytes(m), 0);
    expect(estimate).to.be.at.least(batch.buffer.length);
  });

  const table: Array<[string, number[], number, Array<[number, number]>]> = [
    ['no messages', [], 100, []],
    ['all fit', [10, 10, 10], 100, [[0, 3]]],
    ['exactly at the cap', [19, 20], RECORD_BATCH_OVERHEAD + 39, [[0, 2]]],
    ['one byte over the cap', [20, 20], RECORD_BATCH_OVERHEAD + 39, [[0, 1], [1, 2]]],
    ['an oversized one alone, order kept', [10, 500, 10, 10], 100, [[0, 1], [1, 2], [2, 4]]],
    ['ten 100 KB under 1 MB', Array(10).fill(100_030), 1_000_000, [[0, 9], [9, 10]]],
  ];
  for (const [name, sizes, cap, expected] of table) {
    it(`planChunks: ${name}`, () => {
      const chunks = planChunks(sizes, cap);
      expect(chunks.map((c) => [c.start, c.end])).to.deep.equal(expected);
      for (const c of chunks) {
        expect(c.batchBytes).to.equal(RECORD_BATCH_OVERHEAD + sizes.slice(c.start, c.end).reduce((a, b) => a + b, 0));
        if (c.end - c.start > 1) expect(c.batchBytes).to.be.at.most(cap);
      }
    });
  }

  it('recognises MESSAGE_TOO_LARGE through kafkajs wrappers only', () => {
    expect(isMessageTooLarge(messageTooLarge())).to.equal(true);
    expect(isMessageTooLarge(new Error('The request included a message larger'))).to.equal(false);
    expect(isMessageTooLarge(Object.assign(new Error('x'), { type: 'NOT_LEADER_FOR_PARTITION' }))).to.equal(false);
  });
});

describe('dead-letter sink: size-capped chunks (F2)', () => {
  it('twenty 100 KB letters with one key: several chunks, each under the limit, all acked in order', async () => {
    const producer = new LimitedProducer(1_048_588); // the broker default message.max.bytes
    const { s, chunks } = sink(producer);
    await s.send(letters(20, 100_000), new AbortController().signal);
    expect(producer.accepted.map((a) => a.offset)).to.deep.equal(letters(20, 1).map((l) => l.offset));
    expect(producer.sends.every((x) => x.bytes <= 1_000_000)).to.equal(true);
    expect(chunks).to.deep.equal([9, 9, 2]);
  });

  it('before the fix the same letters went as one ~2 MB batch (the fake broker refuses it)', async () => {
    const producer = new LimitedProducer(1_048_588);
    const all = letters(20, 100_000).map(toDlqMessage);
    await producer.send({ topic: 'scans.dlq', messages: all }).then(
      () => expect.fail('one batch of 20 letters should be refused'),
      (err: unknown) => expect(isMessageTooLarge(err)).to.equal(true),
    );
  });

  it("caps chunks at the topic's max.message.bytes when that is below the configured cap", async () => {
    const producer = new LimitedProducer(300_000);
    const { s, chunks } = sink(producer, { topicLimit: async () => 300_000 });
    await s.send(letters(7, 100_000), new AbortController().signal);
    expect(chunks).to.deep.equal([2, 2, 2, 1]);
    expect(producer.sends).to.have.length(4); // no refused attempt
  });

  it('halves a chunk the broker refuses although the estimate fit (unknown topic limit)', async () => {
    const producer = new LimitedProducer(250_000);
    const { s, chunks } = sink(producer);
    await s.send(letters(4, 100_000), new AbortController().signal);
    expect(chunks).to.deep.equal([2, 2]);
    expect(producer.accepted).to.have.length(4);
  });

  it('keeps the original headers and adds ours (ours win a name clash)', () => {
    const l = { ...letters(1, 10)[0], headers: { 'trace-id': 'abc', [DLQ_HEADERS.reason]: 'spoofed' } };
    const m = toDlqMessage(l);
    expect(m.headers['trace-id']).to.equal('abc');
    expect(m.headers[DLQ_HEADERS.reason]).to.equal('Unexpected token');
    expect(m.headers[DLQ_HEADERS.offset]).to.equal('100');
  });

  it('a single letter above the topic limit: a named error with the sizes, logged; the partition holds until the limit is raised', async () => {
    const producer = new LimitedProducer(200_000);
    let limit = 200_000;
    const refreshes: boolean[] = [];
    const logged: Array<Record<string, unknown>> = [];
    const logger: Logger = { ...silentLogger, error: (_m: string, meta?: Record<string, unknown>) => void logged.push(meta ?? {}), child: () => logger };
    const { s, clock } = sink(producer, {
      logger,
      topicLimit: async (_t, refresh) => {
        refreshes.push(refresh);
        return limit;
      },
    });
    const big = letters(3, 50_000);
    big[1].value = Buffer.alloc(400_000, 0x62);
    let done = false;
    const sending = s.send(big, new AbortController().signal).then(() => (done = true));
    await flush();
    expect(producer.accepted.map((a) => a.offset)).to.deep.equal(['100']); // the letter before it went
    expect(done).to.equal(false);
    expect(logged[0]).to.include({ code: 'DLQ_LETTER_TOO_LARGE', sourceTopic: 'scans', partition: 2 });
    expect(String(logged[0].error)).to.match(/scans\[2\]@101 is \d+ bytes as a record batch \(value 400000 bytes\).*at most 200000 bytes \(max\.message\.bytes\).*nothing is dropped/);
    await clock.advance(2_000);
    expect(done).to.equal(false); // still holding, still logging
    expect(logged.length).to.be.greaterThan(1);
    limit = 1_000_000; // the operator raises max.message.bytes
    producer.limit = 1_000_000;
    await clock.advance(2_000);
    await sending;
    expect(producer.accepted.map((a) => a.offset)).to.deep.equal(['100', '101', '102']);
    expect(refreshes[0]).to.equal(false);
    expect(refreshes.slice(1).every((r) => r)).to.equal(true);
  });

  it('a single letter the broker refuses with no known limit is the same named error', async () => {
    const producer = new LimitedProducer(50_000);
    const logged: Array<Record<string, unknown>> = [];
    const logger: Logger = { ...silentLogger, error: (_m: string, meta?: Record<string, unknown>) => void logged.push(meta ?? {}), child: () => logger };
    const { s } = sink(producer, { logger });
    const ac = new AbortController();
    const sending = s.send(letters(1, 80_000), ac.signal).catch((e: Error) => e);
    await flush();
    expect(logged[0].code).to.equal('DLQ_LETTER_TOO_LARGE');
    expect(String(logged[0].error)).to.match(/broker answered MESSAGE_TOO_LARGE/);
    ac.abort();
    expect(((await sending) as Error).name).to.equal('AbortedError');
    expect(producer.accepted).to.have.length(0);
  });

  it('retries a transient failure on the same chunk without resending acked chunks', async () => {
    const producer = new LimitedProducer(1_048_588);
    producer.failNext = [Object.assign(new Error('Connection error'), { retriable: true })];
    const { s, clock } = sink(producer, { maxBatchBytes: 250_000 });
    const sending = s.send(letters(4, 100_000), new AbortController().signal);
    await flush();
    await clock.advance(1_000);
    await sending;
    expect(producer.sends.map((x) => x.count)).to.deep.equal([2, 2, 2]);
    expect(producer.accepted.map((a) => a.offset)).to.deep.equal(['100', '101', '102', '103']);
  });

  it('DeadLetterTooLargeError is retriable data, never a drop', () => {
    const e = new DeadLetterTooLargeError({ topic: 't', partition: 0, offset: '5' }, 't.dlq', 2_000_061, 2_000_000, 1_048_588);
    expect(e.code).to.equal('DLQ_LETTER_TOO_LARGE');
    expect(e.retriable).to.equal(true);
    expect(e.message).to.contain('at least 2000061');
  });
});

describe('dead-letter topic limit reader', () => {
  function admin(values: Array<string | Error>): LimitAdmin & { calls: number } {
    const a = {
      calls: 0,
      connect: async () => undefined,
      disconnect: async () => undefined,
      describeConfigs: async () => {
        const v = values[Math.min(a.calls++, values.length - 1)];
        if (v instanceof Error) throw v;
        return { throttleTime: 0, resources: [{ errorCode: 0, errorMessage: '', resourceName: 'd', resourceType: 2, configEntries: [{ configName: 'max.message.bytes', configValue: v, isDefault: false, configSource: 1, isSensitive: false, readOnly: false, configSynonyms: [] }] }] };
      },
    };
    return a as unknown as LimitAdmin & { calls: number };
  }

  it('reads once, caches, re-reads on refresh', async () => {
    const a = admin(['1048588', '4194304']);
    const read = topicLimitReader(() => a, silentLogger);
    expect(await read('d', false)).to.equal(1_048_588);
    expect(await read('d', false)).to.equal(1_048_588);
    expect(a.calls).to.equal(1);
    expect(await read('d', true)).to.equal(4_194_304);
  });

  it('a failed read leaves the limit unknown (or the last known one)', async () => {
    expect(await topicLimitReader(() => admin([new Error('timeout')]), silentLogger)('d', false)).to.equal(undefined);
    const a = admin(['2000000', new Error('timeout')]);
    const read = topicLimitReader(() => a, silentLogger);
    await read('d', false);
    expect(await read('d', true)).to.equal(2_000_000);
  });
});
