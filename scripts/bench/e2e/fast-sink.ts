/**
 * A fast Firehose-protocol sink for the end-to-end benchmark (`--sink fast`):
 * a tiny HTTP server that speaks the two calls the consumer makes (AWS JSON
 * 1.1, `X-Amz-Target: Firehose_20150804.<Operation>`; API reference:
 * https://docs.aws.amazon.com/firehose/latest/APIReference/API_PutRecordBatch.html):
 *
 *   DescribeDeliveryStream → an ACTIVE stream of that name
 *   PutRecordBatch         → FailedPutCount 0 and one RecordId per record
 *
 * While a run goes, it only counts the records of a request (occurrences of
 * `"Data"`, no JSON parse) and keeps the body with its arrival time; after
 * the run, `settle()` decodes every record back to its messages
 * (decodeRecords), reads each message's id into the delivery ledger (set
 * check: lost, duplicated, unexpected) with its end-to-end latency (its Kafka
 * timestamp → the acknowledgement). Decoding during the run made the sink
 * the bottleneck on 2 shared cores. Its own ceiling is measured with
 * `measureCeiling` so a report can show it is not the bottleneck.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeRecords } from '../../../src/pipeline/formats';
import type { RecordFormat } from '../../../src/pipeline/wire';
import type { Ledger } from './ledger';

export interface SinkCounters {
  /** Date.now() of the first PutRecordBatch of the run (0 = none yet). */
  firstRequestMs: number;
  requests: number;
  records: number;
  /** Raw Data bytes (after the JSON body's base64), as Firehose counts them. */
  dataBytes: number;
}

export interface FastSink {
  endpoint: string;
  counters: SinkCounters;
  /** Start a fresh run: zero the counters and point decoding at this ledger and format. */
  reset(format: RecordFormat, ledger: Ledger | null): void;
  /** Decode what the run delivered into the ledger, then drop the bodies. */
  settle(): void;
  close(): Promise<void>;
}

interface PutRecordBatchBody {
  DeliveryStreamName?: string;
  Records?: Array<{ Data?: string }>;
}

const JSON_11 = 'application/x-amz-json-1.1';

export async function startFastSink(): Promise<FastSink> {
  const counters: SinkCounters = { firstRequestMs: 0, requests: 0, records: 0, dataBytes: 0 };
  let format: RecordFormat = 'base64-gzip-lines';
  let ledger: Ledger | null = null;
  let seq = 0;
  let held: Array<{ body: Buffer; atMs: number }> = [];
  const DATA = Buffer.from('"Data"');

  function putRecordBatch(body: Buffer): object {
    const now = Date.now();
    if (counters.firstRequestMs === 0) counters.firstRequestMs = now;
    let records = 0;
    for (let i = body.indexOf(DATA); i !== -1; i = body.indexOf(DATA, i + DATA.length)) records++;
    const responses = new Array<{ RecordId: string }>(records);
    for (let r = 0; r < records; r++) responses[r] = { RecordId: `fast-${++seq}` };
    counters.requests++;
    counters.records += records;
    if (ledger) held.push({ body, atMs: now });
    return { FailedPutCount: 0, Encrypted: false, RequestResponses: responses };
  }

  function settle(): void {
    for (const { body, atMs } of held) {
      const parsed = JSON.parse(body.toString('utf8')) as PutRecordBatchBody;
      for (const rec of parsed.Records ?? []) {
        const data = Buffer.from(rec.Data ?? '', 'base64');
        counters.dataBytes += data.length;
        if (ledger) for (const message of decodeRecords(data, format)) ledger.deliver(message, atMs);
      }
    }
    held = [];
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      let status = 200;
      let out: object;
      try {
        const raw = Buffer.concat(chunks);
        if (target.endsWith('.PutRecordBatch')) out = putRecordBatch(raw);
        else if (target.endsWith('.DescribeDeliveryStream')) {
          const body = JSON.parse(raw.toString('utf8')) as PutRecordBatchBody;
          out = { DeliveryStreamDescription: { DeliveryStreamName: body.DeliveryStreamName, DeliveryStreamStatus: 'ACTIVE', DeliveryStreamType: 'DirectPut' } };
        } else {
          status = 400;
          out = { __type: 'UnknownOperationException', message: `fast sink does not implement ${target}` };
        }
      } catch (err) {
        status = 400;
        out = { __type: 'SerializationException', message: (err as Error).message };
      }
      const text = JSON.stringify(out);
      res.writeHead(status, { 'content-type': JSON_11, 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counters,
    settle,
    reset(f, l) {
      format = f;
      ledger = l;
      held = [];
      counters.firstRequestMs = 0;
      counters.requests = 0;
      counters.records = 0;
      counters.dataBytes = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The sink's own ceiling: full PutRecordBatch bodies (`records` encoded
 * records each) posted back to back over keep-alive from this process, decoded
 * like real ones. Returns raw message MB/s accepted.
 */
export async function measureCeiling(sink: FastSink, records: Buffer[], format: RecordFormat, rawBytes: number, rounds: number, ledger: Ledger): Promise<{ mbPerSecond: number; requestsPerSecond: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const body = JSON.stringify({ DeliveryStreamName: 'ceiling', Records: records.map((r) => ({ Data: r.toString('base64') })) });
  const post = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const req = http.request(`${sink.endpoint}/`, { method: 'POST', agent, headers: { 'x-amz-target': 'Firehose_20150804.PutRecordBatch', 'content-type': JSON_11 } }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      });
      req.on('error', reject);
      req.end(body);
    });
  sink.reset(format, ledger); // a throwaway ledger: decoding (settle) is counted in the sink's cost
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) await Promise.all([post(), post()]);
  sink.settle();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  agent.destroy();
  return { mbPerSecond: (rawBytes * rounds * 2) / 1e6 / seconds, requestsPerSecond: (rounds * 2) / seconds };
}
