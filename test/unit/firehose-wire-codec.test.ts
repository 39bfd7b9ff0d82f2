import { FirehoseClient, PutRecordBatchCommand, DescribeDeliveryStreamCommand } from '@aws-sdk/client-firehose';
import { JsonShapeSerializer2 } from '@aws-sdk/core/protocols';
import { expect } from 'chai';
import { buildFirehoseClientConfig } from '../../src/firehose/client';
import { bodySizeHint, canWriteDirect, NativeBase64JsonCodec } from '../../src/firehose/wire-codec';

/** A request handler that keeps the serialized request and answers like Firehose. */
function capturingHandler(bodies: Uint8Array[]): unknown {
  return {
    async handle(request: { body: Uint8Array | string }) {
      const body = request.body;
      bodies.push(typeof body === 'string' ? Buffer.from(body) : Buffer.from(body));
      const { Readable } = await import('node:stream');
      return {
        response: {
          statusCode: 200,
          headers: { 'content-type': 'application/x-amz-json-1.1' },
          body: Readable.from([Buffer.from(JSON.stringify({ FailedPutCount: 0, RequestResponses: [] }))]),
        },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs() {
      return {};
    },
  };
}

function clientWith(stock: boolean, bodies: Uint8Array[]): FirehoseClient {
  const config = buildFirehoseClientConfig({ region: 'eu-west-1', requestTimeoutMs: 1_000, maxConcurrentRequests: 1, accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 's' });
  if (stock) delete config.protocol; // the client's own default protocol and codec
  return new FirehoseClient({ ...config, requestHandler: capturingHandler(bodies) as never });
}

/** Deterministic bytes of every value 0..255, so every base64 symbol and padding case occurs. */
function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

describe('firehose/wire-codec (native base64 for record Data)', () => {
  it('writes directly into the SDK serializer: its buffer fields are where we expect them', () => {
    const serializer = new NativeBase64JsonCodec({ timestampFormat: { useTrait: true, default: 7 }, jsonName: false }).createSerializer();
    expect(serializer).to.be.instanceOf(JsonShapeSerializer2);
    expect(canWriteDirect(serializer)).to.equal(true);
  });

  it('the configured client uses it (not the stock codec)', async () => {
    const config = buildFirehoseClientConfig({ region: 'eu-west-1', requestTimeoutMs: 1_000, maxConcurrentRequests: 1 });
    const protocol = config.protocol as { getPayloadCodec(): unknown };
    expect(protocol.getPayloadCodec()).to.be.instanceOf(NativeBase64JsonCodec);
  });

  it('PutRecordBatch bodies are byte-for-byte those of the stock SDK serializer', async () => {
    // Lengths 0, 1, 2, 3 cover every base64 padding case; a subarray with an offset, a
    // Buffer, and records large enough to make the serializer grow its buffer several times.
    const base = bytes(300_000, 7);
    const records = [
      new Uint8Array(0),
      bytes(1, 1),
      bytes(2, 2),
      bytes(3, 3),
      base.subarray(5, 70_006),
      Buffer.from(bytes(1_001, 9)),
      bytes(250_000, 11),
      ...Array.from({ length: 40 }, (_, k) => bytes(35_000 + k, 100 + k)),
    ];
    const mine: Uint8Array[] = [];
    const stock: Uint8Array[] = [];
    const input = { DeliveryStreamName: 'wsqc-stream', Records: records.map((Data) => ({ Data })) };
    await clientWith(false, mine).send(new PutRecordBatchCommand(input));
    await clientWith(true, stock).send(new PutRecordBatchCommand(input));
    expect(mine).to.have.length(1);
    expect(stock).to.have.length(1);
    expect(Buffer.compare(mine[0] as Uint8Array, stock[0] as Uint8Array)).to.equal(0, 'request bodies differ');
    // The pre-sized buffer is large enough (no growth copies) and not wasteful.
    const hint = bodySizeHint(input);
    expect(hint).to.be.at.least((mine[0] as Uint8Array).byteLength);
    expect(hint).to.be.below((mine[0] as Uint8Array).byteLength * 1.01);
    const parsed = JSON.parse(Buffer.from(mine[0] as Uint8Array).toString('utf8')) as { Records: { Data: string }[] };
    expect(parsed.Records.map((r) => Buffer.from(r.Data, 'base64').equals(Buffer.from(records[parsed.Records.indexOf(r)] as Uint8Array)))).to.not.include(false);
  });

  it('gives no size hint for inputs without Records', () => {
    expect(bodySizeHint({ DeliveryStreamName: 's' })).to.equal(0);
    expect(bodySizeHint(null)).to.equal(0);
    expect(bodySizeHint({ Records: [{}, { Data: 'text' }] })).to.equal(256 + 32);
  });

  it('other operations serialize as before', async () => {
    const mine: Uint8Array[] = [];
    const stock: Uint8Array[] = [];
    await clientWith(false, mine).send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'wsqc-stream' })).catch(() => undefined);
    await clientWith(true, stock).send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'wsqc-stream' })).catch(() => undefined);
    expect(Buffer.from(mine[0] as Uint8Array).toString()).to.equal(Buffer.from(stock[0] as Uint8Array).toString());
  });
});
