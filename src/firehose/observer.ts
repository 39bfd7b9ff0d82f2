/**
 * What the dispatcher reports while it works. The lead wires it to the metrics
 * catalog and the logger (one function per notable event, STYLE: "One metrics
 * catalog"). Implementations must not throw and must not log payloads.
 */
import type { FirehoseError } from '../errors';

/** The size of one PutRecordBatch attempt, passed back with its outcome (requests run concurrently). */
export interface RequestSize {
  readonly records: number;
  readonly bytes: number;
}

export interface DispatchObserver {
  /** A PutRecordBatch request is about to be sent (after the rate limiter admitted it). */
  requestSent(records: number, bytes: number): void;
  /** A well-formed response arrived (possibly with per-record failures, reported next). */
  requestSucceeded(latencyMs: number, request: RequestSize): void;
  /** `failed` of `total` entries failed; `codes` counts them by ErrorCode. */
  partialFailure(failed: number, total: number, codes: Readonly<Record<string, number>>): void;
  /** The request failed as a whole (or its response was unusable); `attempt` is 1-based, consecutive. */
  requestFailed(err: FirehoseError, attempt: number, request: RequestSize, latencyMs: number): void;
  /** The next attempt waits `delayMs`; `reason` is an error code or 'PARTIAL_FAILURE'. */
  retryScheduled(delayMs: number, attempt: number, reason: string): void;
}

export const nullObserver: DispatchObserver = {
  requestSent: () => undefined,
  requestSucceeded: () => undefined,
  partialFailure: () => undefined,
  requestFailed: () => undefined,
  retryScheduled: () => undefined,
};
