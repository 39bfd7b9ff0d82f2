/**
 * Reading a PutRecordBatch response: pure, table-tested. Partial failure is a
 * result, not an exception (STYLE, after Vector's RetryPartial and Benthos's
 * batch errors): the outcome lists exactly which entries must be resent.
 *
 * Never assume success. An entry counts as delivered only when it carries a
 * RecordId and no ErrorCode; a response whose length differs from the request, or
 * whose FailedPutCount claims more failures than the entries show, cannot tell us
 * which records arrived, so the whole request is resent (a duplicate is allowed by
 * at-least-once delivery; a loss is not).
 */
import { FirehoseError } from '../errors';
import type { PutBatchResponse } from './client';
import { classifyEntryError, failureClass } from './classify';

export type ResponseOutcome =
  | { readonly kind: 'ok' }
  | {
      readonly kind: 'partial';
      /** Indices into the request, ascending: the entries to resend, in their original order. */
      readonly failed: readonly number[];
      /** The ErrorCode of each failed entry, parallel to `failed`. */
      readonly failedCodes: readonly string[];
      /** The ErrorMessage of each failed entry, parallel to `failed` ('' when absent). */
      readonly failedMessages: readonly string[];
      /** Failed entries counted by ErrorCode. */
      readonly codes: Readonly<Record<string, number>>;
      /** Set when some entry names the stream itself (access, existence, KMS): the circuit opens. */
      readonly permanent?: FirehoseError;
    }
  | { readonly kind: 'invalid'; readonly error: FirehoseError };

/** Code used when an entry has neither RecordId nor ErrorCode. */
export const MISSING_RECORD_ID = 'MissingRecordId';

export function assessResponse(response: PutBatchResponse, sent: number): ResponseOutcome {
  const entries = response.responses;
  if (!Array.isArray(entries) || entries.length !== sent) {
    const got = Array.isArray(entries) ? entries.length : 'no';
    return {
      kind: 'invalid',
      error: new FirehoseError('RESPONSE_MISMATCH', `${got} response entries for ${sent} records sent`, true),
    };
  }
  const failed: number[] = [];
  const failedCodes: string[] = [];
  const failedMessages: string[] = [];
  const codes: Record<string, number> = {};
  let permanent: FirehoseError | undefined;
  entries.forEach((entry, index) => {
    const code = entry.errorCode ? entry.errorCode : entry.recordId ? undefined : MISSING_RECORD_ID;
    if (code === undefined) return;
    failed.push(index);
    failedCodes.push(code);
    failedMessages.push(entry.errorMessage ?? '');
    codes[code] = (codes[code] ?? 0) + 1;
    if (permanent === undefined && failureClass(code) === 'downstream') permanent = classifyEntryError(code, entry.errorMessage);
  });
  const claimed = Number.isFinite(response.failedPutCount) ? response.failedPutCount : 0;
  if (claimed > failed.length) {
    return {
      kind: 'invalid',
      error: new FirehoseError(
        'RESPONSE_MISMATCH',
        `FailedPutCount ${claimed} but ${failed.length} failed entries in the response`,
        true,
      ),
    };
  }
  if (failed.length === 0) return { kind: 'ok' };
  const partial = { kind: 'partial' as const, failed, failedCodes, failedMessages, codes };
  return permanent ? { ...partial, permanent } : partial;
}
