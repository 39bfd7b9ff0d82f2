/**
 * The pure half of the fault-injecting proxy (test/support/fault-proxy.ts): the
 * fault configuration, a seeded PRNG, the per-request decision, the choice of
 * entries to fail and the merge of moto's answer with the injected failures.
 * No I/O, so every choice is table-tested and reproducible from a seed.
 *
 * Shapes follow the PutRecordBatch API reference:
 * https://docs.aws.amazon.com/firehose/latest/APIReference/API_PutRecordBatch.html
 * A failed entry carries ErrorCode ServiceUnavailableException or InternalFailure
 * and no RecordId; FailedPutCount counts them.
 */
import type { Random } from '../../src/clock';
import { mulberry32 } from '../../src/generator/wifi-scan';

export type { Random };

/** When a fault applies. Counted from the last setFaults (or the proxy's start). */
export interface FaultWindow {
  /** Share of eligible requests hit, 0..1 (default 1). Not used by partialFailure, whose `share` is per entry. */
  share?: number;
  /** Only the first N PutRecordBatch requests after setFaults. */
  firstRequests?: number;
  /** Only during the first `durationMs` after setFaults. */
  durationMs?: number;
}

export type EntryErrorCode = 'ServiceUnavailableException' | 'InternalFailure';

export interface Faults {
  /** PRNG seed (default 1); setFaults re-seeds, so a run is reproducible. */
  seed?: number;
  /** Delay before handling each PutRecordBatch, ms. */
  latencyMs?: number;
  /** Destroy the client's socket (TCP RST) instead of answering. */
  reset?: FaultWindow;
  /** Answer HTTP 503 (or 500) ServiceUnavailableException (or InternalFailure). */
  outage?: FaultWindow & { status?: 500 | 503; errorType?: string };
  /** Answer HTTP 400 ThrottlingException "Rate exceeded" (or LimitExceededException). */
  throttle?: FaultWindow & { errorType?: 'ThrottlingException' | 'LimitExceededException' };
  /**
   * Reject the whole request with HTTP 400 InvalidArgumentException when any of
   * its entries' raw Data contains `marker` (a record Firehose refuses): the
   * client must bisect the request to isolate that record.
   */
  rejectInvalid?: { marker: string };
  /**
   * A per-stream bytes/s quota, as Firehose enforces it: entries beyond it fail with
   * ServiceUnavailableException ("Slow down."), the rest go to moto. A token bucket
   * of one second of the quota (QuotaMeter).
   */
  quota?: { bytesPerSecond: number };
  /** Fail a share of the entries of a request; the rest go to moto. */
  partialFailure?: Omit<FaultWindow, 'share'> & {
    /** Share of entries failed, 0..1. */
    share: number;
    /** true: exactly round(share × n) entries; false (default): each entry independently with probability `share`. */
    exact?: boolean;
    errorCode?: EntryErrorCode;
    errorMessage?: string;
  };
}

/** The generator's seeded PRNG (mulberry32): enough for picking test faults. */
export function seededRandom(seed: number): Random {
  return mulberry32(seed);
}

export interface RequestContext {
  /** 0-based index of this PutRecordBatch since setFaults. */
  seq: number;
  /** ms since setFaults. */
  elapsedMs: number;
}

export type RequestDecision =
  | { kind: 'reset' }
  | { kind: 'error'; fault: 'outage' | 'throttle'; status: number; errorType: string; message: string }
  | { kind: 'forward' };

export function inWindow(w: FaultWindow, ctx: RequestContext): boolean {
  if (w.firstRequests !== undefined && ctx.seq >= w.firstRequests) return false;
  if (w.durationMs !== undefined && ctx.elapsedMs >= w.durationMs) return false;
  return true;
}

/** A share test that draws from the PRNG only when the share is strictly between 0 and 1. */
function hit(share: number | undefined, random: Random): boolean {
  const s = share ?? 1;
  if (s >= 1) return true;
  if (s <= 0) return false;
  return random() < s;
}

/** Whether a request carrying these entries (raw Data) is rejected as invalid (`rejectInvalid`). */
export function rejectsAsInvalid(faults: Faults, entries: readonly Buffer[]): boolean {
  const marker = faults.rejectInvalid?.marker;
  return marker !== undefined && marker !== '' && entries.some((e) => e.includes(marker));
}

/** Whole-request faults, checked in the order reset → outage → throttle; the first that hits wins. */
export function decideRequest(faults: Faults, ctx: RequestContext, random: Random): RequestDecision {
  if (faults.reset && inWindow(faults.reset, ctx) && hit(faults.reset.share, random)) return { kind: 'reset' };
  const o = faults.outage;
  if (o && inWindow(o, ctx) && hit(o.share, random)) {
    const status = o.status ?? 503;
    const errorType = o.errorType ?? (status === 500 ? 'InternalFailure' : 'ServiceUnavailableException');
    return { kind: 'error', fault: 'outage', status, errorType, message: 'Service unavailable (injected outage)' };
  }
  const t = faults.throttle;
  if (t && inWindow(t, ctx) && hit(t.share, random)) {
    return { kind: 'error', fault: 'throttle', status: 400, errorType: t.errorType ?? 'ThrottlingException', message: 'Rate exceeded' };
  }
  return { kind: 'forward' };
}

/**
 * Which of `count` entries fail: a mask, true = failed. `exact` picks exactly
 * round(share × count) by a partial Fisher–Yates shuffle; otherwise each entry
 * fails independently, so a resend of a few entries converges for share < 1.
 */
export function selectFailedEntries(count: number, share: number, exact: boolean, random: Random): boolean[] {
  const mask = new Array<boolean>(count).fill(false);
  if (count === 0 || share <= 0) return mask;
  if (share >= 1) return mask.fill(true);
  if (!exact) return mask.map(() => random() < share);
  const k = Math.round(share * count);
  const idx = Array.from({ length: count }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(random() * (count - i));
    [idx[i], idx[j]] = [idx[j] as number, idx[i] as number];
    mask[idx[i] as number] = true;
  }
  return mask;
}

export interface RequestResponseEntry {
  RecordId?: string;
  ErrorCode?: string;
  ErrorMessage?: string;
}

export interface PutRecordBatchOutput {
  FailedPutCount: number;
  Encrypted?: boolean;
  RequestResponses: RequestResponseEntry[];
}

/**
 * Puts moto's answers for the forwarded entries back among the injected failures,
 * in the request's original order. FailedPutCount counts both kinds.
 */
export function mergeResponses(
  failed: readonly boolean[],
  forwarded: PutRecordBatchOutput | undefined,
  error: { code: EntryErrorCode; message: string },
): PutRecordBatchOutput {
  const answers = forwarded?.RequestResponses ?? [];
  const forwardedCount = failed.filter((f) => !f).length;
  if (answers.length !== forwardedCount) {
    throw new Error(`upstream answered ${answers.length} entries for ${forwardedCount} forwarded`);
  }
  let next = 0;
  const merged = failed.map((f): RequestResponseEntry => (f ? { ErrorCode: error.code, ErrorMessage: error.message } : (answers[next++] as RequestResponseEntry)));
  return {
    FailedPutCount: merged.filter((r) => r.ErrorCode !== undefined).length,
    Encrypted: forwarded?.Encrypted ?? false,
    RequestResponses: merged,
  };
}

/** Splits entries by the mask, keeping order within each side. */
export function partitionEntries<T>(entries: readonly T[], failed: readonly boolean[]): { forward: T[]; fail: T[] } {
  const forward: T[] = [];
  const fail: T[] = [];
  entries.forEach((e, i) => (failed[i] ? fail : forward).push(e));
  return { forward, fail };
}

/**
 * The quota fault's meter: a token bucket holding at most one second of
 * `bytesPerSecond`, refilled continuously. Pure; the proxy passes its clock.
 */
export class QuotaMeter {
  private tokens: number;
  private last: number;

  constructor(
    readonly bytesPerSecond: number,
    nowMs: number,
  ) {
    if (!(bytesPerSecond > 0)) throw new RangeError(`quota must be > 0 bytes/s, got ${bytesPerSecond}`);
    this.tokens = bytesPerSecond;
    this.last = nowMs;
  }

  /** Takes `bytes` if the quota allows them now; false = this entry is throttled. */
  admit(bytes: number, nowMs: number): boolean {
    this.tokens = Math.min(this.bytesPerSecond, this.tokens + ((nowMs - this.last) * this.bytesPerSecond) / 1000);
    this.last = nowMs;
    if (bytes > this.tokens) return false;
    this.tokens -= bytes;
    return true;
  }
}
