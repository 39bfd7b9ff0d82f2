/**
 * The fault-injecting proxy against the real emulator (moto_server at
 * FIREHOSE_EMULATOR_ENDPOINT, default http://127.0.0.1:4566; the global setup or
 * `bash scripts/firehose/emulator.sh start` runs it). Each test has its own stream
 * and prefix; what moto stored is read back from S3, never taken on trust.
 */
import { expect } from 'chai';
import { type FirehoseClient, PutRecordBatchCommand, type _Record } from '@aws-sdk/client-firehose';
import {
  createBucket,
  createDeliveryStream,
  deleteDeliveryStream,
  deleteBucket,
  emulatorEndpoint,
  emulatorFirehoseClient,
  isEmulatorUp,
  uniqueName,
} from '../support/firehose-admin';
import { entryHash, type FaultProxy, startFaultProxy } from '../support/fault-proxy';
import { readDelivered } from '../support/s3-reader';

const endpoint = emulatorEndpoint();

function messages(tag: string, n: number): Buffer[] {
  return Array.from({ length: n }, (_, i) => Buffer.from(`${JSON.stringify({ id: `${tag}-${i}`, rssi: -40 - i })}\n`));
}

const ids = (bs: Buffer[]): string[] => bs.map((b) => (JSON.parse(b.toString('utf8')) as { id: string }).id).sort();

describe('fault proxy in front of the Firehose emulator', function () {
  this.timeout(60_000);
  const bucket = uniqueName('fault-proxy');
  let proxy: FaultProxy;
  let firehose: FirehoseClient;
  let stream: string;
  let prefix: string;
  const streams: string[] = [];

  before(async () => {
    if (!(await isEmulatorUp(endpoint))) {
      throw new Error(`Firehose emulator not answering at ${endpoint}: run bash scripts/firehose/emulator.sh start`);
    }
    await createBucket(endpoint, bucket);
    proxy = await startFaultProxy({ target: endpoint });
    // One attempt: the test sees each injected fault instead of the SDK's retries.
    firehose = emulatorFirehoseClient(proxy.url, { maxAttempts: 1 });
  });

  beforeEach(async function () {
    stream = uniqueName(this.currentTest?.title.slice(0, 20) ?? 'test');
    prefix = `${stream}/`;
    streams.push(stream);
    await createDeliveryStream(endpoint, stream, bucket, prefix);
    proxy.setFaults({});
    proxy.resetStats();
  });

  after(async () => {
    firehose?.destroy();
    await proxy?.close();
    for (const s of streams) await deleteDeliveryStream(endpoint, s);
    await deleteBucket(endpoint, bucket);
  });

  const put = (data: Buffer[]) =>
    firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: stream, Records: data.map((Data): _Record => ({ Data })) }));

  it('fails 30% of entries, forwards exactly the others, and a resend of the failed ones completes the set', async () => {
    const sent = messages('p', 50);
    proxy.setFaults({ seed: 42, partialFailure: { share: 0.3, exact: true } });
    const out = await put(sent);

    const failedIdx = (out.RequestResponses ?? []).flatMap((r, i) => (r.ErrorCode ? [i] : []));
    expect(out.FailedPutCount).to.equal(15);
    expect(failedIdx).to.have.length(15);
    expect(out.RequestResponses).to.have.length(50);
    for (const i of failedIdx) expect(out.RequestResponses?.[i]).to.deep.include({ ErrorCode: 'ServiceUnavailableException' });
    const okIdx = [...sent.keys()].filter((i) => !failedIdx.includes(i));
    for (const i of okIdx) expect(out.RequestResponses?.[i]?.RecordId).to.be.a('string');

    const stats = proxy.stats();
    expect(stats.entries).to.deep.equal({ received: 50, forwarded: 35, failed: 15, inFailedRequests: 0 });
    expect(stats.faults.partialFailure).to.equal(1);

    const delivered = await readDelivered({ endpoint, bucket, prefix, format: 'ndjson' });
    expect(ids(delivered)).to.deep.equal(ids(okIdx.map((i) => sent[i] as Buffer)));

    proxy.setFaults({});
    const retry = await put(failedIdx.map((i) => sent[i] as Buffer));
    expect(retry.FailedPutCount).to.equal(0);
    const all = await readDelivered({ endpoint, bucket, prefix, format: 'ndjson' });
    expect(all).to.have.length(50);
    expect(ids(all)).to.deep.equal(ids(sent));

    const after = proxy.stats();
    for (const m of sent) {
      const h = entryHash(m);
      expect(after.entriesForwarded.get(h), 'each entry reached moto once').to.equal(1);
      expect(after.entriesReceived.get(h)).to.equal(1 + (after.entriesFailed.get(h) ?? 0));
    }
  });

  it('chooses the same failed entries for the same seed', async () => {
    const sent = messages('s', 20);
    const failedFor = async (seed: number): Promise<number[]> => {
      proxy.setFaults({ seed, partialFailure: { share: 0.5 } });
      const out = await put(sent);
      return (out.RequestResponses ?? []).flatMap((r, i) => (r.ErrorCode ? [i] : []));
    };
    const first = await failedFor(7);
    expect(await failedFor(7)).to.deep.equal(first);
  });

  it('throttles a whole request with HTTP 400 ThrottlingException and forwards nothing', async () => {
    proxy.setFaults({ throttle: { share: 1 } });
    const err = await put(messages('t', 3)).then(
      () => expect.fail('expected a throttle'),
      (e: unknown) => e as { name: string; $metadata?: { httpStatusCode?: number } },
    );
    expect(err.name).to.equal('ThrottlingException');
    expect(err.$metadata?.httpStatusCode).to.equal(400);
    expect(proxy.stats().entries).to.deep.include({ forwarded: 0, inFailedRequests: 3 });
    expect(await readDelivered({ endpoint, bucket, prefix, format: 'ndjson' })).to.deep.equal([]);
  });

  it('answers 503 for the first N requests of an outage, then recovers', async () => {
    proxy.setFaults({ outage: { firstRequests: 2 } });
    for (let i = 0; i < 2; i++) {
      const err = await put(messages(`o${i}`, 1)).then(
        () => expect.fail('expected an outage'),
        (e: unknown) => e as { name: string; $metadata?: { httpStatusCode?: number } },
      );
      expect(err.name).to.equal('ServiceUnavailableException');
      expect(err.$metadata?.httpStatusCode).to.equal(503);
    }
    expect((await put(messages('o2', 1))).FailedPutCount).to.equal(0);
    expect(proxy.stats().faults.outage).to.equal(2);
  });

  it('resets the connection, and the next request goes through', async () => {
    proxy.setFaults({ reset: { firstRequests: 1 } });
    const err = await put(messages('r', 2)).then(
      () => expect.fail('expected a reset'),
      (e: unknown) => e as Error & { code?: string },
    );
    expect(`${err.code ?? ''} ${err.message}`).to.match(/ECONNRESET|socket hang up/);
    expect((await put(messages('r2', 2))).FailedPutCount).to.equal(0);
    expect(proxy.stats().faults.reset).to.equal(1);
  });

  it('adds latency and passes S3 calls through untouched', async () => {
    proxy.setFaults({ latencyMs: 20 });
    await put(messages('l', 4));
    // Read through the proxy: ListObjectsV2/GetObject are streamed to moto as they are.
    const viaProxy = await readDelivered({ endpoint: proxy.url, bucket, prefix, format: 'ndjson' });
    expect(ids(viaProxy)).to.deep.equal(ids(messages('l', 4)));
    const stats = proxy.stats();
    expect(stats.faults.latency).to.equal(1);
    expect(stats.requests).to.be.greaterThan(stats.putRecordBatchRequests);
  });
});
