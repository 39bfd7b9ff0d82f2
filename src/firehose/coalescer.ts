/**
 * The request coalescer (issue 8 §2 "Fuller requests"): merges the encoded
 * records of concurrent callers (units of several partitions) into
 * PutRecordBatch requests of up to `maxRecords` records / `maxBytes` bytes,
 * in front of the dispatcher, whose `deliver(records, signal)` shape it keeps.
 *
 *   unit A ─┐                      ┌─▶ dispatcher.deliver(request 1) ─┐
 *   unit B ─┼─▶ FIFO queue ─ cut ──┼─▶ dispatcher.deliver(request 2) ─┼─▶ each caller resolves when
 *   unit C ─┘  (linger ≤ lingerMs) └─▶ … ≤ maxConcurrent in flight    ┘   all of ITS records are done
 *
 * Settling (issue 13, defect 3): a caller resolves as soon as each of ITS
 * records is acked or rejected, and does not wait for other callers' records
 * in the same request: the dispatcher tells
 * after each answer which entries are done (`onSettled`) while it resends
 * the rest. Waiting for the whole request held a unit whose records were all
 * acked behind a neighbour's throttled record for a retry step (5 s … 5 min),
 * with its commit and in-flight bytes, and a drain on SIGTERM or rebalance
 * abandoned it and delivered it twice. A sink that does not report progress
 * settles its entries when its `deliver` resolves.
 *
 * Cutting: records leave the queue in arrival order. A request is cut when a
 * slot is free and either the queue holds a full request (records or bytes)
 * or its oldest record has waited `lingerMs`. While every slot is busy the
 * queue grows, so under backlog requests are full; when idle a record waits at
 * most `lingerMs`. A caller's records MAY be split over several requests (its
 * prefix fills one request, the rest starts the next): that gives the fullest
 * requests, and costs nothing in correctness, because a caller settles only
 * when every one of its records is acked or rejected, whichever requests
 * carried them (the commit invariant, DESIGN 1, is unchanged: the unit is
 * acked when `deliver` resolves). Never splitting would leave up to one unit's
 * worth (~3 MiB) of room unused in front of a large unit.
 *
 * Concurrency: this class owns the cap on concurrent PutRecordBatch calls
 * (`maxConcurrent`, firehose.maxConcurrentRequests). A caller waiting in the
 * queue holds no slot, so lingering cannot starve or deadlock the requests in
 * flight. Buffered bytes are bounded by the in-flight cap on units
 * (flow.maxInFlightBytes): the queue holds views of the units' own result
 * buffers, never a copy, and only of units that are in flight.
 *
 * Rate limits: with a bytes/s or records/s limit (firehose.rate, cut by AIMD
 * under throttling), the requests in flight together are kept within one
 * second of it (`cap`: the rate limiter's bucket capacity ÷ maxConcurrent).
 * The limiter admits a request bigger than its bucket whole, as one burst;
 * against a real quota below the configured rate most of it comes back
 * throttled and its failed entries are resent as one burst again, round after
 * round, each cutting AIMD further (integration scenario 3 collapsed to a
 * third of the quota with 2 MB requests; with this cap it converges under it).
 * Without coalescing a request was one unit's worth, so this never came up.
 * The price: under the default 5 MiB/s limit and 4 slots a request holds at
 * most 1.25 MiB (README "Request coalescing").
 *
 * Report mapping: the dispatcher's `rejected` indices (into one request) are
 * mapped back to each caller's own numbering, sorted.
 *
 * Why the dispatcher reports progress rather than the coalescer resending its
 * own failed entries: the resend belongs with the retry schedule, bisection,
 * circuit waits, rate limiting, heartbeats and the AIMD throttle signal, all
 * in the dispatcher; a callback is the one new piece, and a request's resends
 * stay one request lifecycle (one slot, one schedule).
 *
 * Abort and errors:
 * - a caller whose signal aborts leaves the queue and rejects with the
 *   AbortedError at once; requests already carrying some of its records go on
 *   for the other callers (its records may arrive anyway: at-least-once; the
 *   unit is not committed, is counted as abandoned like any aborted unit, and
 *   is delivered again later). A request that no caller waits on any more
 *   (each has left or has all its entries in it settled) while some of its
 *   entries are still open is aborted.
 * - an error thrown by the dispatcher (exitOnPermanentError, onWait) rejects
 *   every caller still waiting on an entry of that request (not those already
 *   settled); their queued records leave.
 *
 * The caller must not modify `records` until `deliver` settles (the dispatcher
 * resends the same buffers).
 */
import type { Clock } from '../clock';
import { AbortedError, AppError } from '../errors';
import { abortedError } from '../flow/abort';
import type { RateLimiter } from '../flow/rate-limiter';
import type { SettledListener } from './dispatcher';
import type { RejectedRecord } from './verdict';

export interface DeliverySink {
  /** `onSettled`, when the sink supports it, reports entries done before the whole request is (./dispatcher.ts). */
  deliver(records: readonly Uint8Array[], signal: AbortSignal, onSettled?: SettledListener): Promise<{ readonly rejected: readonly RejectedRecord[] }>;
}

/** Why a request was cut: it reached a limit, or its oldest record waited lingerMs. */
export type FlushTrigger = 'full' | 'linger';

export interface CoalescedRequest {
  readonly trigger: FlushTrigger;
  /** Distinct callers (units) with records in the request. */
  readonly callers: number;
  readonly records: number;
  readonly bytes: number;
  /** How long the request's oldest record waited in the queue. */
  readonly waitedMs: number;
}

export interface CoalescerObserver {
  flushed(request: CoalescedRequest): void;
  /** Bytes waiting in the queue, after every change. */
  queued(bytes: number): void;
}

export interface CoalescerOptions {
  readonly sink: DeliverySink;
  readonly clock: Clock;
  readonly maxRecords: number;
  readonly maxBytes: number;
  readonly lingerMs: number;
  readonly maxConcurrent: number;
  /** The largest request the rate limits take at once now (see "Rate limits" above); absent = no such cap. */
  readonly cap?: () => RequestCap;
  readonly observer?: CoalescerObserver;
}

export interface RequestCap {
  readonly records: number;
  readonly bytes: number;
}

/**
 * One second of the limiter's records/s and bytes/s (its bucket capacities;
 * unlimited = no cap), shared by `concurrent` requests: the requests in flight
 * together stay within one second of the limits.
 */
export function oneSecondOf(limiter: Pick<RateLimiter, 'snapshot'>, concurrent = 1): () => RequestCap {
  return () => {
    let records = Number.POSITIVE_INFINITY;
    let bytes = Number.POSITIVE_INFINITY;
    for (const b of limiter.snapshot()) {
      if (b.capacity <= 0) continue;
      if (b.bucket === 'records') records = Math.floor(b.capacity / concurrent);
      if (b.bucket === 'bytes') bytes = Math.floor(b.capacity / concurrent);
    }
    return { records, bytes };
  };
}

interface Caller {
  readonly records: readonly Uint8Array[];
  readonly signal: AbortSignal;
  /** Records not yet acked or rejected. */
  outstanding: number;
  readonly rejected: RejectedRecord[];
  /** Requests in flight with records of this caller not yet settled. */
  readonly requests: Set<Request>;
  done: boolean;
  readonly resolve: (report: { rejected: RejectedRecord[] }) => void;
  readonly reject: (err: unknown) => void;
  readonly onAbort: () => void;
}

/** A run of one caller's records still queued: [next, end). */
interface Piece {
  readonly caller: Caller;
  next: number;
  readonly end: number;
  readonly at: number;
}

interface Request {
  readonly control: AbortController;
  /** Per entry: its caller while the entry is open, undefined once settled. */
  readonly owners: Array<Caller | undefined>;
  /** Per entry: its index in the caller's own records. */
  readonly indices: readonly number[];
  /** Entries not yet settled. */
  open: number;
  /** Callers still waiting on this request, with their open entries in it. */
  readonly live: Map<Caller, number>;
}

export class Coalescer {
  private readonly queue: Piece[] = [];
  private queuedRecords = 0;
  private queuedBytes = 0;
  private inFlight = 0;
  private timer: AbortController | undefined;

  constructor(private readonly opts: CoalescerOptions) {
    for (const key of ['maxRecords', 'maxBytes', 'maxConcurrent'] as const) {
      if (!Number.isInteger(opts[key]) || opts[key] < 1) throw new RangeError(`${key} must be a positive integer, got ${opts[key]}`);
    }
    if (!(opts.lingerMs >= 0)) throw new RangeError(`lingerMs must be >= 0, got ${opts.lingerMs}`);
  }

  /** Bytes waiting for a request. */
  get bufferedBytes(): number {
    return this.queuedBytes;
  }

  /** PutRecordBatch deliveries in flight (≤ maxConcurrent). */
  get requestsInFlight(): number {
    return this.inFlight;
  }

  deliver(records: readonly Uint8Array[], signal: AbortSignal): Promise<{ rejected: RejectedRecord[] }> {
    if (signal.aborted) return Promise.reject(abortedError(signal));
    if (records.length === 0) return Promise.resolve({ rejected: [] });
    let bytes = 0;
    for (let i = 0; i < records.length; i++) {
      const size = (records[i] as Uint8Array).byteLength;
      // The worker's limits keep every record within a request (src/pipeline/encode-unit.ts); a bigger one is a bug.
      if (size > this.opts.maxBytes) return Promise.reject(new AppError('RECORD_TOO_LARGE', `record ${i} has ${size} bytes, above the request limit of ${this.opts.maxBytes}`));
      bytes += size;
    }
    return new Promise((resolve, reject) => {
      const caller: Caller = {
        records,
        signal,
        outstanding: records.length,
        rejected: [],
        requests: new Set(),
        done: false,
        resolve,
        reject,
        onAbort: () => this.fail(caller, abortedError(signal)),
      };
      signal.addEventListener('abort', caller.onAbort, { once: true });
      this.queue.push({ caller, next: 0, end: records.length, at: this.opts.clock.now() });
      this.queuedRecords += records.length;
      this.queuedBytes += bytes;
      this.opts.observer?.queued(this.queuedBytes);
      this.pump();
    });
  }

  /** Cuts and sends requests while a slot is free and the queue holds a full request or an expired linger. */
  private pump(): void {
    const { lingerMs, maxConcurrent, clock } = this.opts;
    while (this.inFlight < maxConcurrent && this.queue.length > 0) {
      const { maxRecords, maxBytes } = this.limits();
      const oldest = (this.queue[0] as Piece).at;
      const full = this.queuedRecords >= maxRecords || this.queuedBytes >= maxBytes;
      if (!full && clock.now() - oldest < lingerMs) {
        this.arm(oldest + lingerMs - clock.now());
        return;
      }
      this.send(this.cut(maxRecords, maxBytes), clock.now() - oldest);
    }
    if (this.queue.length === 0) this.disarm();
  }

  /** The request limits now: the configured ones, within one second of the rate limits. */
  private limits(): { maxRecords: number; maxBytes: number } {
    const cap = this.opts.cap?.();
    return {
      maxRecords: Math.max(1, Math.min(this.opts.maxRecords, cap?.records ?? Number.POSITIVE_INFINITY)),
      maxBytes: Math.max(1, Math.min(this.opts.maxBytes, cap?.bytes ?? Number.POSITIVE_INFINITY)),
    };
  }

  /** Takes the queue's head, in order, up to the limits (splitting a caller's run if it does not fit whole). */
  private cut(maxRecords: number, maxBytes: number): { owners: Caller[]; indices: number[]; records: Uint8Array[]; bytes: number; full: boolean } {
    const owners: Caller[] = [];
    const indices: number[] = [];
    const records: Uint8Array[] = [];
    let bytes = 0;
    let full = false;
    while (this.queue.length > 0 && !full) {
      const piece = this.queue[0] as Piece;
      while (piece.next < piece.end) {
        const record = piece.caller.records[piece.next] as Uint8Array;
        // At least one record, even above a rate cap smaller than it (the limiter then waits it out).
        if (records.length > 0 && (records.length >= maxRecords || bytes + record.byteLength > maxBytes)) {
          full = true;
          break;
        }
        owners.push(piece.caller);
        indices.push(piece.next);
        records.push(record);
        bytes += record.byteLength;
        piece.next++;
      }
      if (piece.next === piece.end) this.queue.shift();
    }
    if (records.length >= maxRecords) full = true;
    this.queuedRecords -= records.length;
    this.queuedBytes -= bytes;
    this.opts.observer?.queued(this.queuedBytes);
    return { owners, indices, records, bytes, full };
  }

  private send(cut: ReturnType<Coalescer['cut']>, waitedMs: number): void {
    const live = new Map<Caller, number>();
    for (const caller of cut.owners) live.set(caller, (live.get(caller) ?? 0) + 1);
    const request: Request = { control: new AbortController(), owners: [...cut.owners], indices: cut.indices, open: cut.owners.length, live };
    const callers = [...live.keys()];
    for (const caller of callers) caller.requests.add(request);
    this.inFlight++;
    this.opts.observer?.flushed({ trigger: cut.full ? 'full' : 'linger', callers: callers.length, records: cut.records.length, bytes: cut.bytes, waitedMs });
    const onSettled: SettledListener = (acked, rejected) => {
      for (const entry of acked) this.settle(request, entry);
      for (const r of rejected) this.settle(request, r.index, r);
    };
    this.opts.sink.deliver(cut.records, request.control.signal, onSettled).then(
      (report) => {
        // Entries the sink did not report as it went (a sink without progress) settle now.
        const rejected = new Map(report.rejected.map((r) => [r.index, r]));
        for (let entry = 0; entry < request.owners.length; entry++) this.settle(request, entry, rejected.get(entry));
      },
      (err: unknown) => {
        for (const caller of [...request.live.keys()]) this.fail(caller, err);
      },
    ).finally(() => {
      for (const caller of callers) caller.requests.delete(request);
      this.inFlight--;
      this.pump();
    });
  }

  /** One entry of `request` is done (acked, or `rejection`); its caller resolves when it has none open anywhere. */
  private settle(request: Request, entry: number, rejection?: RejectedRecord): void {
    const caller = request.owners[entry];
    if (caller === undefined) return; // reported already
    request.owners[entry] = undefined;
    request.open--;
    if (caller.done) return; // it left (aborted or failed); the request goes on for the others
    if (rejection) caller.rejected.push({ ...rejection, index: request.indices[entry] as number });
    caller.outstanding--;
    const left = (request.live.get(caller) ?? 1) - 1;
    if (left > 0) {
      request.live.set(caller, left);
    } else {
      request.live.delete(caller);
      caller.requests.delete(request);
      // The callers left with open entries here have all gone: nobody waits for the resends.
      if (request.live.size === 0 && request.open > 0) request.control.abort(new AbortedError('every unit of the request has settled or left'));
    }
    if (caller.outstanding === 0) this.succeed(caller);
  }

  private succeed(caller: Caller): void {
    if (caller.done) return;
    caller.done = true;
    caller.signal.removeEventListener('abort', caller.onAbort);
    caller.resolve({ rejected: caller.rejected.sort((a, b) => a.index - b.index) });
  }

  /** The caller leaves: its queued records go, requests only it still waits on are aborted; it rejects with `err`. */
  private fail(caller: Caller, err: unknown): void {
    if (caller.done) return;
    caller.done = true;
    caller.signal.removeEventListener('abort', caller.onAbort);
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const piece = this.queue[i] as Piece;
      if (piece.caller !== caller) continue;
      this.queue.splice(i, 1);
      this.queuedRecords -= piece.end - piece.next;
      for (let r = piece.next; r < piece.end; r++) this.queuedBytes -= (caller.records[r] as Uint8Array).byteLength;
    }
    this.opts.observer?.queued(this.queuedBytes);
    for (const request of caller.requests) {
      request.live.delete(caller);
      if (request.live.size === 0) request.control.abort(err);
    }
    caller.reject(err);
    if (this.queue.length === 0) this.disarm();
  }

  private arm(ms: number): void {
    if (this.timer) return;
    const timer = new AbortController();
    this.timer = timer;
    this.opts.clock.sleep(Math.max(0, ms), timer.signal).then(
      () => {
        if (this.timer === timer) this.timer = undefined;
        this.pump();
      },
      () => undefined,
    );
  }

  private disarm(): void {
    this.timer?.abort();
    this.timer = undefined;
  }
}
