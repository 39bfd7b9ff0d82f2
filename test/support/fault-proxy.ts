/**
 * A fault-injecting HTTP proxy in front of the Firehose/S3 emulator (moto).
 *
 *   client (SDK, endpoint = proxy.url) ──▶ proxy on 127.0.0.1 ──▶ moto_server
 *
 * Only Firehose JSON-1.1 PutRecordBatch requests (X-Amz-Target
 * Firehose_20150804.PutRecordBatch) are touched; everything else (S3, other
 * Firehose calls) is streamed through untouched. For PutRecordBatch, in order:
 * added latency; then whole-request faults (connection reset, 5xx outage, 400
 * throttling); then partial failure: the chosen entries are not forwarded and are
 * answered as failed, the others go to moto, and both answers are merged back in
 * the request's order with FailedPutCount set, HTTP 200 — as Firehose does.
 *
 * Rewriting the body invalidates the SigV4 signature; moto does not check
 * signatures, which is why this works (a real endpoint would refuse it).
 * The decisions are pure and seeded: see fault-proxy-logic.ts.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  decideRequest,
  type Faults,
  inWindow,
  mergeResponses,
  partitionEntries,
  type PutRecordBatchOutput,
  rejectsAsInvalid,
  QuotaMeter,
  type Random,
  seededRandom,
  selectFailedEntries,
} from './fault-proxy-logic';

export type { Faults } from './fault-proxy-logic';

export const PUT_RECORD_BATCH_TARGET = 'Firehose_20150804.PutRecordBatch';
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'host']);

export interface FaultProxyOptions {
  /** moto's base URL, e.g. http://127.0.0.1:4566 */
  target: string;
  /** Listen port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  faults?: Faults;
  /** ms clock for fault windows (default Date.now). */
  now?: () => number;
}

export interface FaultProxyStats {
  /** Every request, of any kind. */
  requests: number;
  putRecordBatchRequests: number;
  entries: {
    received: number;
    /** Sent to moto and acknowledged by it (HTTP 200). */
    forwarded: number;
    /** Answered as failed entries (partial failure). */
    failed: number;
    /** Carried by requests that got a whole-request fault (reset, outage, throttle). */
    inFailedRequests: number;
  };
  /** PutRecordBatch requests that each fault hit. */
  faults: { latency: number; reset: number; outage: number; throttle: number; partialFailure: number; rejectInvalid: number };
  /** Requests the proxy could not forward (moto unreachable): answered 502. */
  upstreamErrors: number;
  /** sha1 hex of each entry's raw Data bytes (see entryHash) → times seen. */
  entriesReceived: Map<string, number>;
  entriesForwarded: Map<string, number>;
  entriesFailed: Map<string, number>;
  entriesInFailedRequests: Map<string, number>;
  /** One row per PutRecordBatch answered: raw Data bytes sent, accepted by moto, throttled by the quota. */
  timeline: TimelineRow[];
}

export interface TimelineRow {
  /** When the request arrived (before any injected latency or moto's answer). */
  atMs: number;
  sentEntries: number;
  sentBytes: number;
  acceptedEntries: number;
  acceptedBytes: number;
  /** Entries failed by the quota fault. */
  throttledEntries: number;
  /** entryHash of each entry, in request order (which messages shared a request). */
  hashes: readonly string[];
}

export interface FaultProxy {
  url: string;
  port: number;
  /** Replaces the faults and restarts their windows (request count, duration) and the PRNG. */
  setFaults(faults: Faults): void;
  /** A snapshot (copies of the maps). */
  stats(): FaultProxyStats;
  resetStats(): void;
  close(): Promise<void>;
}

/** The identity of one entry: sha1 of its raw Data bytes (not the base64 text). */
export function entryHash(data: Uint8Array | string): string {
  return createHash('sha1').update(data).digest('hex');
}

function emptyStats(): FaultProxyStats {
  return {
    requests: 0,
    putRecordBatchRequests: 0,
    entries: { received: 0, forwarded: 0, failed: 0, inFailedRequests: 0 },
    faults: { latency: 0, reset: 0, outage: 0, throttle: 0, partialFailure: 0, rejectInvalid: 0 },
    upstreamErrors: 0,
    entriesReceived: new Map(),
    entriesForwarded: new Map(),
    entriesFailed: new Map(),
    entriesInFailedRequests: new Map(),
    timeline: [],
  };
}

function countAll(map: Map<string, number>, hashes: readonly string[]): void {
  for (const h of hashes) map.set(h, (map.get(h) ?? 0) + 1);
}

interface Upstream {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const now = options.now ?? Date.now;
  const agent = new http.Agent({ keepAlive: true });
  let faults: Faults = {};
  let random: Random = seededRandom(1);
  let seq = 0;
  let since = now();
  let stats = emptyStats();
  let quota: QuotaMeter | undefined;

  const setFaults = (f: Faults): void => {
    faults = f;
    quota = f.quota ? new QuotaMeter(f.quota.bytesPerSecond, now()) : undefined;
    random = seededRandom(f.seed ?? 1);
    seq = 0;
    since = now();
  };
  setFaults(options.faults ?? {});

  const upstreamRequest = (req: http.IncomingMessage, contentLength?: number): http.ClientRequest => {
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined && (contentLength === undefined || !HOP_BY_HOP.has(k)) && k !== 'host') headers[k] = v;
    }
    headers.host = target.host;
    if (contentLength !== undefined) headers['content-length'] = contentLength;
    return http.request({ hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent });
  };

  const forwardBuffered = (req: http.IncomingMessage, body: Buffer): Promise<Upstream> =>
    new Promise((resolve, reject) => {
      const up = upstreamRequest(req, body.length);
      up.on('error', reject);
      up.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
      });
      up.end(body);
    });

  const reply = (res: http.ServerResponse, status: number, headers: http.IncomingHttpHeaders, body: Buffer): void => {
    const out: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
    out['content-length'] = body.length;
    res.writeHead(status, out);
    res.end(body);
  };

  const replyJson = (res: http.ServerResponse, status: number, value: unknown, extra: http.OutgoingHttpHeaders = {}): void => {
    const body = Buffer.from(JSON.stringify(value));
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'content-length': body.length,
      'x-amzn-requestid': `fault-proxy-${stats.requests}`,
      ...extra,
    });
    res.end(body);
  };

  const pipeThrough = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const up = upstreamRequest(req);
    up.on('response', (ures) => {
      res.writeHead(ures.statusCode ?? 502, ures.headers);
      ures.pipe(res);
    });
    up.on('error', () => {
      stats.upstreamErrors++;
      if (!res.headersSent) res.writeHead(502).end('fault-proxy: upstream unreachable');
      else res.destroy();
    });
    req.pipe(up);
  };

  const handlePutRecordBatch = async (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> => {
    stats.putRecordBatchRequests++;
    const arrivedMs = now();
    const ctx = { seq: seq++, elapsedMs: now() - since };
    if (faults.latencyMs !== undefined && faults.latencyMs > 0) {
      stats.faults.latency++;
      await sleep(faults.latencyMs);
    }
    let parsed: { Records?: { Data?: string }[] };
    try {
      parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
    } catch {
      const up = await forwardBuffered(req, body); // not ours to judge: let moto answer
      return reply(res, up.status, up.headers, up.body);
    }
    const records = parsed.Records ?? [];
    const raw = records.map((r) => Buffer.from(r.Data ?? '', 'base64'));
    const hashes = raw.map((d) => entryHash(d));
    stats.entries.received += hashes.length;
    countAll(stats.entriesReceived, hashes);

    if (rejectsAsInvalid(faults, raw)) {
      stats.faults.rejectInvalid++;
      stats.entries.inFailedRequests += hashes.length;
      countAll(stats.entriesInFailedRequests, hashes);
      const errorType = 'InvalidArgumentException';
      return replyJson(res, 400, { __type: errorType, message: 'Record is invalid (injected)' }, { 'x-amzn-errortype': errorType });
    }

    const decision = decideRequest(faults, ctx, random);
    if (decision.kind !== 'forward') {
      stats.entries.inFailedRequests += hashes.length;
      countAll(stats.entriesInFailedRequests, hashes);
      if (decision.kind === 'reset') {
        stats.faults.reset++;
        req.socket.resetAndDestroy();
        return;
      }
      stats.faults[decision.fault]++;
      return replyJson(res, decision.status, { __type: decision.errorType, message: decision.message }, { 'x-amzn-errortype': decision.errorType });
    }

    const pf = faults.partialFailure;
    const mask = pf && inWindow(pf, ctx) ? selectFailedEntries(records.length, pf.share, pf.exact ?? false, random) : records.map(() => false);
    const sizes = raw.map((d) => d.length);
    let throttled = 0;
    for (let i = 0; quota && i < records.length; i++) {
      if (!mask[i] && !quota.admit(sizes[i] as number, now())) {
        mask[i] = true;
        throttled += 1;
      }
    }
    const row = (accepted: boolean[]): void => {
      let acceptedBytes = 0;
      accepted.forEach((a, i) => (acceptedBytes += a ? (sizes[i] as number) : 0));
      const sentBytes = sizes.reduce((n, b) => n + b, 0);
      stats.timeline.push({ atMs: arrivedMs, sentEntries: records.length, sentBytes, acceptedEntries: accepted.filter(Boolean).length, acceptedBytes, throttledEntries: throttled, hashes });
    };
    const failedCount = mask.filter(Boolean).length;
    if (failedCount === 0) {
      const up = await forwardBuffered(req, body);
      if (up.status === 200) {
        stats.entries.forwarded += hashes.length;
        countAll(stats.entriesForwarded, hashes);
      }
      row(records.map(() => up.status === 200));
      return reply(res, up.status, up.headers, up.body);
    }

    stats.faults.partialFailure++;
    const split = partitionEntries(hashes, mask);
    let upstream: PutRecordBatchOutput | undefined;
    let headers: http.IncomingHttpHeaders = { 'content-type': 'application/x-amz-json-1.1' };
    if (split.forward.length > 0) {
      const subset = Buffer.from(JSON.stringify({ ...parsed, Records: partitionEntries(records, mask).forward }));
      const up = await forwardBuffered(req, subset);
      if (up.status !== 200) return reply(res, up.status, up.headers, up.body); // moto's own error, whole request
      upstream = JSON.parse(up.body.toString('utf8')) as PutRecordBatchOutput;
      headers = up.headers;
      stats.entries.forwarded += split.forward.length;
      countAll(stats.entriesForwarded, split.forward);
    }
    stats.entries.failed += split.fail.length;
    countAll(stats.entriesFailed, split.fail);
    row(mask.map((f) => !f));
    const byQuota = throttled > 0 || !pf;
    const merged = mergeResponses(mask, upstream, {
      code: byQuota ? 'ServiceUnavailableException' : (pf.errorCode ?? 'ServiceUnavailableException'),
      message: byQuota ? 'Slow down.' : (pf.errorMessage ?? 'Slow down.'),
    });
    return reply(res, 200, headers, Buffer.from(JSON.stringify(merged)));
  };

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    stats.requests++;
    if (req.method !== 'POST' || req.headers['x-amz-target'] !== PUT_RECORD_BATCH_TARGET) return pipeThrough(req, res);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) return replyJson(res, 413, { __type: 'ValidationException', message: 'fault-proxy: body too large' });
      chunks.push(chunk);
    }
    return handlePutRecordBatch(req, res, Buffer.concat(chunks));
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      stats.upstreamErrors++;
      if (!res.headersSent) replyJson(res, 502, { __type: 'InternalFailure', message: 'fault-proxy: upstream failed' });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    setFaults,
    stats: () => ({
      ...stats,
      entries: { ...stats.entries },
      faults: { ...stats.faults },
      entriesReceived: new Map(stats.entriesReceived),
      entriesForwarded: new Map(stats.entriesForwarded),
      entriesFailed: new Map(stats.entriesFailed),
      entriesInFailedRequests: new Map(stats.entriesInFailedRequests),
      timeline: [...stats.timeline],
    }),
    resetStats: () => {
      stats = emptyStats();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      }),
  };
}

/**
 * "Only the failed entries are resent": every entry must reach moto exactly
 * once and be received 1 + (times it was failed) times. Returns the entries
 * that break this, the failures in total and the entries failed at least once.
 */
export function resendCheck(st: FaultProxyStats): { mismatches: number; failedTotal: number; entriesFailed: number } {
  let mismatches = 0;
  let failedTotal = 0;
  let entriesFailed = 0;
  for (const [hash, received] of st.entriesReceived) {
    const failed = st.entriesFailed.get(hash) ?? 0;
    failedTotal += failed;
    if (failed > 0) entriesFailed += 1;
    if (received !== failed + 1 || (st.entriesForwarded.get(hash) ?? 0) !== 1) mismatches += 1;
  }
  return { mismatches, failedTotal, entriesFailed };
}
