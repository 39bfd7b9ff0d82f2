/**
 * Error classification: the one place that decides what a Firehose answer means
 * (STYLE: "Errors carry retryability as data"). Every failure falls in one of
 * four classes, and the dispatcher acts on the class alone (issue 6 §3):
 *
 *   throttle    ServiceUnavailableException (request or record), Throttling,
 *               LimitExceeded, 429 → graduated schedule, pause BUFFER_FULL
 *   transient   5xx, InternalFailure, timeouts, resets, network codes and
 *               ANYTHING UNRECOGNISED (F5) → 3 fast retries, then the schedule
 *   invalid     InvalidArgumentException / ValidationException: per record →
 *               dead-letter that record; for a whole request → bisect it
 *   downstream  the stream, its key or our credentials are wrong
 *               (ResourceNotFound, AccessDenied, KMS, bad signature) → the
 *               Firehose circuit opens; nothing is dropped or committed past
 *
 * `retriable` on the FirehoseError is true for throttle and transient.
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

export type FailureClass = 'throttle' | 'transient' | 'invalid' | 'downstream';

/** Service errors where waiting helps (the throttle codes below are these too). */
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

/**
 * Codes of a request whose fate is unknown: it timed out, so Firehose may have
 * accepted it, and its records are sent again (possible duplicates,
 * wsqc_duplicates_resent_total{cause="timeout"}).
 */
const TIMEOUT_CODES: ReadonlySet<string> = new Set(['REQUEST_TIMEOUT', 'RequestTimeout', 'RequestTimeoutException', 'TimeoutError']);

export function isTimeoutCode(code: string): boolean {
  return TIMEOUT_CODES.has(code);
}

/** The request (or a record in it) is malformed: resending the same bytes cannot help. */
const INVALID_NAMES = new Set(['InvalidArgumentException', 'ValidationException']);

/** The stream, its KMS key or our credentials are wrong: wait for an operator (circuit), never drop. */
const DOWNSTREAM_NAMES = new Set([
  'ResourceNotFoundException',
  'AccessDeniedException',
  'InvalidKMSResourceException',
  'InvalidSourceException',
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
  'ENETDOWN',
  'EHOSTUNREACH',
  'EPROTO',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
]);

const THROTTLE_CODES = new Set(['ThrottlingException', 'LimitExceededException', 'ServiceUnavailableException', 'ServiceUnavailable', 'HTTP_429']);

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
  const make = (c: string, cls: FailureClass, text = message): FirehoseError =>
    new FirehoseError(c, short(`${c}: ${text}`), cls === 'throttle' || cls === 'transient', { cause: err });

  // The SDK names the abort "AbortError"; the reason it wraps tells us whose abort it was.
  if (name === 'AbortError') {
    if (e.cause instanceof FirehoseError) return e.cause;
    // Not the caller's signal (checked above), so our own per-request timeout.
    return make('REQUEST_TIMEOUT', 'transient');
  }
  if (RETRIABLE_NAMES.has(name)) {
    const c = name === 'TimeoutError' && code ? code : name;
    return make(c, failureClass(c));
  }
  if (INVALID_NAMES.has(name)) return make(name, 'invalid');
  if (DOWNSTREAM_NAMES.has(name) || /kms/i.test(name)) return make(name, 'downstream');
  if (NETWORK_CODES.has(code)) return make(code, 'transient');
  if (/socket hang up/i.test(message)) return make('ECONNRESET', 'transient');
  if (status !== undefined && (status >= 500 || status === 429)) {
    const c = name && name !== 'Error' ? name : `HTTP_${status}`;
    return make(c, status === 429 ? 'throttle' : 'transient');
  }
  if (err instanceof AppError) return new FirehoseError(err.code, short(err.message), err.retriable, { cause: err });
  // F5: anything unrecognised (CredentialsProviderError, an unknown 4xx, a
  // programmer's TypeError in the SDK) is retried on the graduated schedule:
  // waiting costs nothing and stopping would cost the whole pipeline. The message
  // keeps its full name, code and status so the log says exactly what it was.
  const c = name && name !== 'Error' ? name : code || (status !== undefined ? `HTTP_${status}` : 'UNKNOWN');
  const detail = [`name=${name || typeof err}`, code ? `code=${code}` : '', status !== undefined ? `status=${status}` : ''].filter(Boolean).join(' ');
  return make(c, 'transient', `unrecognised error (${detail}): ${message}`);
}

/**
 * A per-record ErrorCode from a 200 response. The API documents only
 * ServiceUnavailableException and InternalFailure here; both are retriable.
 * InvalidArgumentException rejects that record alone (it is dead-lettered);
 * codes that speak about the stream itself (access, existence, its KMS key, any
 * "KMS.*" code) open the circuit. Any other code is resent: we cannot know it is
 * permanent, resending is safe, and the observer reports every code.
 */
export function classifyEntryError(code: string, message = ''): FirehoseError {
  const c = code || 'UNKNOWN_ENTRY_ERROR';
  const cls = failureClass(c);
  return new FirehoseError(c, short(`record failed: ${code}${message ? `: ${message}` : ''}`), cls === 'throttle' || cls === 'transient');
}

/** The class of an error code (a FirehoseError's `code`, or a per-record ErrorCode). */
export function failureClass(code: string): FailureClass {
  if (THROTTLE_CODES.has(code)) return 'throttle';
  if (INVALID_NAMES.has(code)) return 'invalid';
  if (DOWNSTREAM_NAMES.has(code) || /kms/i.test(code)) return 'downstream';
  return 'transient';
}

/** Whether a code means "you are going too fast" (counted as throttling in reports and metrics). */
export function isThrottleCode(code: string): boolean {
  return THROTTLE_CODES.has(code);
}

function short(text: string): string {
  return text.length <= MAX_MESSAGE ? text : `${text.slice(0, MAX_MESSAGE - 1)}…`;
}
