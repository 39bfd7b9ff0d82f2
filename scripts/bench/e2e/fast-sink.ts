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
  const run = new SinkRun();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { status, out } = answer(String(req.headers['x-amz-target'] ?? ''), Buffer.concat(chunks), run);
      const text = JSON.stringify(out);
      res.writeHead(status, { 'content-type': JSON_11, 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counters: run.counters,
    settle: () => run.settle(),
    reset: (format, ledger) => run.reset(format, ledger),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The answer to one call: PutRecordBatch and DescribeDeliveryStream; anything else, or a body that does not parse, is a 400. */
function answer(target: string, raw: Buffer, run: SinkRun): { status: number; out: object } {
  try {
    if (target.endsWith('.PutRecordBatch')) return { status: 200, out: run.putRecordBatch(raw) };
    if (target.endsWith('.DescribeDeliveryStream')) {
      const body = JSON.parse(raw.toString('utf8')) as PutRecordBatchBody;
      return { status: 200, out: { DeliveryStreamDescription: { DeliveryStreamName: body.DeliveryStreamName, DeliveryStreamStatus: 'ACTIVE', DeliveryStreamType: 'DirectPut' } } };
    }
    return { status: 400, out: { __type: 'UnknownOperationException', message: `fast sink does not implement ${target}` } };
  } catch (err) {
    return { status: 400, out: { __type: 'SerializationException', message: (err as Error).message } };
  }
}

const DATA = Buffer.from('"Data"');

/** One run's counters and the bodies held for `settle`. */
class SinkRun {
  readonly counters: SinkCounters = { firstRequestMs: 0, requests: 0, records: 0, dataBytes: 0 };
  private format: RecordFormat = 'base64-gzip-lines';
  private ledger: Ledger | null = null;
  private seq = 0;
  private held: Array<{ body: Buffer; atMs: number }> = [];

  /** Counts the records (occurrences of "Data", no JSON parse) and keeps the body with its arrival time. */
  putRecordBatch(body: Buffer): object {
    const now = Date.now();
    if (this.counters.firstRequestMs === 0) this.counters.firstRequestMs = now;
    let records = 0;
    for (let i = body.indexOf(DATA); i !== -1; i = body.indexOf(DATA, i + DATA.length)) records++;
    const responses = new Array<{ RecordId: string }>(records);
    for (let r = 0; r < records; r++) responses[r] = { RecordId: `fast-${++this.seq}` };
    this.counters.requests++;
    this.counters.records += records;
    if (this.ledger) this.held.push({ body, atMs: now });
    return { FailedPutCount: 0, Encrypted: false, RequestResponses: responses };
  }

  settle(): void {
    for (const { body, atMs } of this.held) {
      const parsed = JSON.parse(body.toString('utf8')) as PutRecordBatchBody;
      for (const rec of parsed.Records ?? []) {
        const data = Buffer.from(rec.Data ?? '', 'base64');
        this.counters.dataBytes += data.length;
        if (this.ledger) for (const message of decodeRecords(data, this.format)) this.ledger.deliver(message, atMs);
      }
    }
    this.held = [];
  }

  reset(format: RecordFormat, ledger: Ledger | null): void {
    this.format = format;
    this.ledger = ledger;
    this.held = [];
    this.counters.firstRequestMs = 0;
    this.counters.requests = 0;
    this.counters.records = 0;
    this.counters.dataBytes = 0;
  }
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
