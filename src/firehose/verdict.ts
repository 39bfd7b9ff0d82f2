/**
 * What one PutRecordBatch attempt means, by the error table of issue 6 §3
 * (classes in ./classify.ts). Pure: the dispatcher acts on the verdict.
 */
import { AbortedError, type FirehoseError } from '../errors';
import type { RetryKind } from '../flow/retry-schedule';
import type { PutBatchResponse } from './client';
import { classifyEntryError, classifyRequestError, failureClass, type FailureClass } from './classify';
import { assessResponse } from './response';

/** A record Firehose refused as invalid (InvalidArgumentException): it goes to the dead-letter topic. */
export interface RejectedRecord {
  /** Index into this attempt's batch (the dispatcher maps it to the caller's records). */
  readonly index: number;
  readonly code: string;
  readonly message: string;
}

/** Failed entries of an answered request counted by ErrorCode (for the observer). */
export type EntryCodes = Readonly<Record<string, number>>;

export type Verdict =
  | { readonly kind: 'done'; readonly answered: true; readonly rejected: readonly RejectedRecord[]; readonly throttledEntries: 0; readonly codes?: EntryCodes }
  | {
      /** Resend `resend` (indices into this attempt's batch; absent = all) after a delay of `retry` kind. */
      readonly kind: 'retry';
      readonly answered: boolean;
      readonly resend?: readonly number[];
      readonly rejected: readonly RejectedRecord[];
      readonly retry: RetryKind;
      readonly reason: string;
      /** Throttled records of an answered request (0 for a request-level failure). */
      readonly throttledEntries: number;
      /** Set for a request-level failure. */
      readonly error?: FirehoseError;
      readonly codes?: EntryCodes;
    }
  | {
      /** The stream, its key or our credentials are wrong: open the circuit, then resend `resend` (absent = all). */
      readonly kind: 'circuit';
      readonly answered: boolean;
      readonly resend?: readonly number[];
      readonly rejected: readonly RejectedRecord[];
      readonly error: FirehoseError;
      readonly throttledEntries: number;
      readonly codes?: EntryCodes;
    }
  | { readonly kind: 'bisect'; readonly answered: false; readonly error: FirehoseError; readonly rejected: readonly RejectedRecord[]; readonly throttledEntries: 0 };

/** The class of a request-level FirehoseError (retriable ones are throttle or transient). */
export function requestClass(err: FirehoseError): FailureClass {
  const cls = failureClass(err.code);
  if (err.retriable) return cls === 'throttle' ? 'throttle' : 'transient';
  return cls === 'invalid' ? 'invalid' : 'downstream';
}

/** Judges an attempt: `response` when one arrived, else the request's error. Throws AbortedError when the caller aborted. */
export function judge(response: PutBatchResponse | undefined, requestError: unknown, sent: number, signal: AbortSignal): Verdict {
  if (response === undefined) {
    const err = classifyRequestError(requestError, signal);
    if (err instanceof AbortedError) throw err;
    const cls = requestClass(err);
    if (cls === 'invalid') return { kind: 'bisect', answered: false, error: err, rejected: [], throttledEntries: 0 };
    if (cls === 'downstream') return { kind: 'circuit', answered: false, error: err, rejected: [], throttledEntries: 0 };
    return { kind: 'retry', answered: false, retry: cls, reason: err.code, error: err, rejected: [], throttledEntries: 0 };
  }
  const outcome = assessResponse(response, sent);
  if (outcome.kind === 'invalid') {
    return { kind: 'retry', answered: false, retry: 'transient', reason: outcome.error.code, error: outcome.error, rejected: [], throttledEntries: 0 };
  }
  if (outcome.kind === 'ok') return { kind: 'done', answered: true, rejected: [], throttledEntries: 0 };
  const rejected: RejectedRecord[] = [];
  const resend: number[] = [];
  let throttledEntries = 0;
  outcome.failed.forEach((index, k) => {
    const code = outcome.failedCodes[k] as string;
    const cls = failureClass(code);
    if (cls === 'invalid') {
      rejected.push({ index, code, message: classifyEntryError(code, outcome.failedMessages[k]).message });
      return;
    }
    resend.push(index);
    if (cls === 'throttle') throttledEntries++;
  });
  const codes = outcome.codes;
  if (outcome.permanent) return { kind: 'circuit', answered: true, resend, rejected, error: outcome.permanent, throttledEntries, codes };
  if (resend.length === 0) return { kind: 'done', answered: true, rejected, throttledEntries: 0, codes };
  // A throttled record among them puts the resend on the throttling schedule.
  return { kind: 'retry', answered: true, resend, rejected, retry: throttledEntries > 0 ? 'throttle' : 'transient', reason: 'PARTIAL_FAILURE', throttledEntries, codes };
}
