/**
 * Error classification: the one place that decides whether waiting and resending
 * can help (STYLE: "Errors carry retryability as data"). The dispatcher branches
 * on `retriable` alone: retriable errors are retried without limit (nothing is
 * dropped, the consumer pauses meanwhile); anything else stops consumption loudly.
 *
 * Sources:
 * - PutRecordBatch errors: https://docs.aws.amazon.com/firehose/latest/APIReference/API_PutRecordBatch.html
 *   (InvalidArgumentException, InvalidKMSResourceException, InvalidSourceException,
 *   ResourceNotFoundException, ServiceUnavailableException: "the throughput limits
 *   have been exceeded").
 * - Common errors: https://docs.aws.amazon.com/firehose/latest/APIReference/CommonErrors.html
 * - Node network error codes: https://nodejs.org/api/errors.html#common-system-errors
 */
import { AbortedError, AppError, FirehoseError } from '../errors';

/** Service errors where waiting helps. */
const RETRIABLE_NAMES = new Set([
  'ThrottlingException',
  'LimitExceededException',
  'ServiceUnavailableException',
  'ServiceUnavailable',
  'InternalFailure',
  'InternalFailureException',
  'InternalServerError',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  // Temporary credentials expired: the default chain (IRSA, IMDS) refreshes them.
  'ExpiredTokenException',
]);

/** Service errors where it does not: the stream, the key or our request is wrong. */
const PERMANENT_NAMES = new Set([
  'ResourceNotFoundException',
  'AccessDeniedException',
  'InvalidArgumentException',
  'InvalidKMSResourceException',
  'InvalidSourceException',
  'ValidationException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'MissingAuthenticationToken',
  'IncompleteSignature',
  'InvalidClientTokenId',
]);

/** Transport failures: the request may or may not have arrived; resending is safe (at-least-once). */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  // Cluster DNS hiccups surface as ENOTFOUND too; a real typo shows up at start-up (checkStream).
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
]);

/** ErrorCode values that name the stream's configuration, not the record or a moment: resending cannot help. */
const PERMANENT_ENTRY_CODES = new Set([
  'AccessDeniedException',
  'ResourceNotFoundException',
  'InvalidKMSResourceException',
]);

const THROTTLE_CODES = new Set(['ThrottlingException', 'LimitExceededException', 'ServiceUnavailableException', 'HTTP_429']);

/** Error messages are kept short: they are logged, and invariant 8 keeps payloads out of logs. */
const MAX_MESSAGE = 200;

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/**
 * A request-level failure as a FirehoseError, or AbortedError when the caller's
 * signal aborted (rebalance, terminate: stopped on purpose, never a failure).
 * Our own errors (e.g. the dispatcher's REQUEST_TIMEOUT) pass through unchanged.
 */
export function classifyRequestError(err: unknown, callerSignal?: AbortSignal): FirehoseError | AbortedError {
  if (callerSignal?.aborted || err instanceof AbortedError) {
    return err instanceof AbortedError ? err : new AbortedError('aborted during a Firehose request');
  }
  if (err instanceof FirehoseError) return err;
  const e: ErrorShape = typeof err === 'object' && err !== null ? (err as ErrorShape) : {};
  const name = typeof e.name === 'string' ? e.name : '';
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : String(err);
  const status = typeof e.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  const make = (c: string, retriable: boolean): FirehoseError =>
    new FirehoseError(c, short(`${c}: ${message}`), retriable, { cause: err });

  // The SDK names the abort "AbortError"; the reason it wraps tells us whose abort it was.
  if (name === 'AbortError') {
    if (e.cause instanceof FirehoseError) return e.cause;
    // Not the caller's signal (checked above), so our own per-request timeout.
    return make('REQUEST_TIMEOUT', true);
  }
  if (RETRIABLE_NAMES.has(name)) return make(name === 'TimeoutError' && code ? code : name, true);
  if (PERMANENT_NAMES.has(name)) return make(name, false);
  if (NETWORK_CODES.has(code)) return make(code, true);
  if (/socket hang up/i.test(message)) return make('ECONNRESET', true);
  if (status !== undefined) {
    if (status >= 500 || status === 429) return make(name && name !== 'Error' ? name : `HTTP_${status}`, true);
    if (status >= 400) return make(name && name !== 'Error' ? name : `HTTP_${status}`, false);
  }
  if (e.$fault === 'server') return make(name || 'SERVER_FAULT', true);
  // Programmer errors (TypeError, ...) and anything unrecognised: never retried.
  if (err instanceof AppError) return new FirehoseError(err.code, short(err.message), err.retriable, { cause: err });
  return make(name || 'UNKNOWN', false);
}

/**
 * A per-record ErrorCode from a 200 response. The API documents only
 * ServiceUnavailableException and InternalFailure here; both are retriable. Codes
 * that speak about the stream itself (access, existence, its KMS key, any "KMS.*"
 * code) are not: resending would loop forever, so they stop consumption loudly.
 * Any other code is resent: we cannot know it is permanent, resending is safe,
 * and the observer reports every code so a stuck record is visible.
 */
export function classifyEntryError(code: string, message = ''): FirehoseError {
  const permanent = PERMANENT_ENTRY_CODES.has(code) || /kms/i.test(code);
  return new FirehoseError(code || 'UNKNOWN_ENTRY_ERROR', short(`record failed: ${code}${message ? `: ${message}` : ''}`), !permanent);
}

/** Whether a code means "you are going too fast" (counted as throttling in reports and metrics). */
export function isThrottleCode(code: string): boolean {
  return THROTTLE_CODES.has(code);
}

function short(text: string): string {
  return text.length <= MAX_MESSAGE ? text : `${text.slice(0, MAX_MESSAGE - 1)}…`;
}
