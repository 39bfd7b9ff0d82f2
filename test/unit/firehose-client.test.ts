import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeDeliveryStreamCommand, FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { mockClient } from 'aws-sdk-client-mock';
import { expect } from 'chai';
import { AbortedError, FirehoseError } from '../../src/errors';
import { classifyRequestError } from '../../src/firehose/classify';
import { buildFirehoseClientConfig, createFirehosePort, type FirehosePortOptions } from '../../src/firehose/client';

const base: FirehosePortOptions = { region: 'eu-west-1', requestTimeoutMs: 10_000, maxConcurrentRequests: 8 };
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('firehose/client buildFirehoseClientConfig', () => {
  const cases: Array<{ name: string; options: Partial<FirehosePortOptions>; endpoint?: string; credentials: boolean }> = [
    { name: 'defaults: AWS endpoint, default credential chain', options: {}, credentials: false },
    { name: "endpoint '' means the default endpoint", options: { endpoint: '' }, credentials: false },
    { name: 'explicit endpoint', options: { endpoint: 'http://127.0.0.1:4566' }, endpoint: 'http://127.0.0.1:4566', credentials: false },
    { name: 'both keys set: explicit credentials', options: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 's' }, credentials: true },
    { name: 'only the key id: default chain', options: { accessKeyId: 'AKIDEXAMPLE' }, credentials: false },
    { name: 'only the secret: default chain', options: { secretAccessKey: 's' }, credentials: false },
    { name: 'empty strings: default chain', options: { accessKeyId: '', secretAccessKey: '' }, credentials: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const config = buildFirehoseClientConfig({ ...base, ...c.options });
      expect(config.endpoint).to.equal(c.endpoint);
      expect(config.credentials !== undefined).to.equal(c.credentials);
      expect(config.region).to.equal('eu-west-1');
    });
  }

  it('disables SDK retries and bounds the request with keep-alive sockets', () => {
    const config = buildFirehoseClientConfig({ ...base, requestTimeoutMs: 7_000, maxConcurrentRequests: 4 });
    expect(config.maxAttempts).to.equal(1);
    const handler = config.requestHandler as { requestTimeout: number; throwOnRequestTimeout: boolean; connectionTimeout: number; httpsAgent: { keepAlive?: boolean; maxSockets: number } };
    expect(handler.requestTimeout).to.equal(7_000);
    expect(handler.throwOnRequestTimeout).to.equal(true);
    expect(handler.connectionTimeout).to.equal(5_000);
    expect(handler.httpsAgent.maxSockets).to.equal(8);
  });
});

describe('firehose/client createFirehosePort (mocked SDK client)', () => {
  // Installed for this block only: mockClient patches FirehoseClient.prototype.send, and
  // other files (firehose-wire-codec.test.ts) send through real clients.
  let firehose: ReturnType<typeof mockClient>;
  before(() => {
    firehose = mockClient(FirehoseClient);
  });
  afterEach(() => firehose.reset());
  after(() => firehose.restore());

  it('sends one PutRecordBatchCommand with the records as Data and passes the abort signal', async () => {
    firehose.on(PutRecordBatchCommand).resolves({
      FailedPutCount: 1,
      RequestResponses: [{ RecordId: 'id-0' }, { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' }],
    });
    const port = createFirehosePort(base, new FirehoseClient({ region: 'eu-west-1' }));
    const signal = new AbortController().signal;
    const out = await port.putRecordBatch('stream-a', [bytes('a'), bytes('b')], signal);
    expect(out).to.deep.equal({
      failedPutCount: 1,
      responses: [{ recordId: 'id-0' }, { errorCode: 'ServiceUnavailableException', errorMessage: 'Slow down.' }],
    });
    const calls = firehose.commandCalls(PutRecordBatchCommand);
    expect(calls).to.have.length(1);
    expect(calls[0]?.args[0].input).to.deep.equal({ DeliveryStreamName: 'stream-a', Records: [{ Data: bytes('a') }, { Data: bytes('b') }] });
    expect(((calls[0]?.args as unknown[] | undefined)?.[1] as { abortSignal?: AbortSignal } | undefined)?.abortSignal).to.equal(signal);
  });

  it('maps a response without RequestResponses to no entries (the dispatcher then resends everything)', async () => {
    firehose.on(PutRecordBatchCommand).resolves({});
    const port = createFirehosePort(base, new FirehoseClient({ region: 'eu-west-1' }));
    expect(await port.putRecordBatch('s', [bytes('a')], new AbortController().signal)).to.deep.equal({ failedPutCount: 0, responses: [] });
  });

  it('checkStream returns the stream status', async () => {
    firehose.on(DescribeDeliveryStreamCommand).resolves({
      DeliveryStreamDescription: { DeliveryStreamStatus: 'ACTIVE' } as never,
    });
    const port = createFirehosePort(base, new FirehoseClient({ region: 'eu-west-1' }));
    expect(await port.checkStream('s', new AbortController().signal)).to.deep.equal({ status: 'ACTIVE' });
    expect(firehose.commandCalls(DescribeDeliveryStreamCommand)[0]?.args[0].input).to.deep.equal({ DeliveryStreamName: 's' });
  });
});

/**
 * The real SDK against an in-process HTTP server on 127.0.0.1 speaking the
 * awsJson1_1 protocol, to pin down how SDK errors look to classify.ts.
 */
describe('firehose/client createFirehosePort (real SDK, local server)', () => {
  type Handler = (body: string, req: http.IncomingMessage, res: http.ServerResponse) => void;
  let handler: Handler = () => undefined;
  let arrived: () => void = () => undefined;
  let server: http.Server;
  let endpoint = '';

  before(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        arrived();
        handler(body, req, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const newPort = (): ReturnType<typeof createFirehosePort> =>
    createFirehosePort({ ...base, endpoint, accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret', requestTimeoutMs: 10_000 });
  const reply = (status: number, json: unknown): Handler => (_body, _req, res) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify(json));
  };

  it('round-trips a PutRecordBatch: base64 Data out, per-record results back', async () => {
    let sent: { DeliveryStreamName?: string; Records?: Array<{ Data: string }> } = {};
    let target: string | undefined;
    handler = (body, req, res) => {
      sent = JSON.parse(body) as typeof sent;
      target = req.headers['x-amz-target'] as string | undefined;
      reply(200, { FailedPutCount: 1, RequestResponses: [{ RecordId: 'x' }, { ErrorCode: 'InternalFailure', ErrorMessage: 'oops' }] })(body, req, res);
    };
    const port = newPort();
    try {
      const out = await port.putRecordBatch('stream-b', [bytes('{"a":1}\n'), bytes('b')], new AbortController().signal);
      expect(target).to.equal('Firehose_20150804.PutRecordBatch');
      expect(sent.DeliveryStreamName).to.equal('stream-b');
      expect(sent.Records?.map((r) => Buffer.from(r.Data, 'base64').toString('utf8'))).to.deep.equal(['{"a":1}\n', 'b']);
      expect(out).to.deep.equal({ failedPutCount: 1, responses: [{ recordId: 'x' }, { errorCode: 'InternalFailure', errorMessage: 'oops' }] });
    } finally {
      port.close();
    }
  });

  const errorCases: Array<{ status: number; type: string; retriable: boolean; attempts: number }> = [
    { status: 400, type: 'ResourceNotFoundException', retriable: false, attempts: 1 },
    { status: 400, type: 'InvalidArgumentException', retriable: false, attempts: 1 },
    { status: 503, type: 'ServiceUnavailableException', retriable: true, attempts: 1 },
    { status: 500, type: 'InternalFailure', retriable: true, attempts: 1 },
  ];
  for (const c of errorCases) {
    it(`an HTTP ${c.status} ${c.type} classifies as retriable ${c.retriable}, and the SDK does not retry it`, async () => {
      let requests = 0;
      handler = (body, req, res) => {
        requests++;
        reply(c.status, { __type: c.type, message: 'no' })(body, req, res);
      };
      const port = newPort();
      try {
        let caught: unknown;
        await port.putRecordBatch('s', [bytes('a')], new AbortController().signal).catch((e: unknown) => (caught = e));
        const classified = classifyRequestError(caught);
        expect(classified).to.be.instanceOf(FirehoseError);
        expect(classified).to.include({ code: c.type, retriable: c.retriable });
        expect(requests).to.equal(c.attempts);
      } finally {
        port.close();
      }
    });
  }

  it('aborting mid-request rejects promptly and classifies as AbortedError', async () => {
    handler = () => undefined; // never answers
    const port = newPort();
    try {
      const controller = new AbortController();
      const reached = new Promise<void>((resolve) => (arrived = resolve));
      const call = port.putRecordBatch('s', [bytes('a')], controller.signal);
      call.catch(() => undefined);
      await reached;
      controller.abort();
      let caught: unknown;
      await call.catch((e: unknown) => (caught = e));
      expect((caught as Error).name).to.equal('AbortError');
      expect(classifyRequestError(caught, controller.signal)).to.be.instanceOf(AbortedError);
    } finally {
      arrived = () => undefined;
      port.close();
    }
  });

  it('an abort whose reason is our timeout classifies as retriable REQUEST_TIMEOUT', async () => {
    handler = () => undefined;
    const port = newPort();
    try {
      const controller = new AbortController();
      const reached = new Promise<void>((resolve) => (arrived = resolve));
      const call = port.putRecordBatch('s', [bytes('a')], controller.signal);
      call.catch(() => undefined);
      await reached;
      controller.abort(new FirehoseError('REQUEST_TIMEOUT', 'no response within 1 ms', true));
      let caught: unknown;
      await call.catch((e: unknown) => (caught = e));
      expect(classifyRequestError(caught)).to.include({ code: 'REQUEST_TIMEOUT', retriable: true });
    } finally {
      arrived = () => undefined;
      port.close();
    }
  });

  it('a refused connection classifies as retriable', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadEndpoint = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const port = createFirehosePort({ ...base, endpoint: deadEndpoint, accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' });
    try {
      let caught: unknown;
      await port.putRecordBatch('s', [bytes('a')], new AbortController().signal).catch((e: unknown) => (caught = e));
      expect(classifyRequestError(caught)).to.include({ code: 'ECONNREFUSED', retriable: true });
    } finally {
      port.close();
    }
  });
});
