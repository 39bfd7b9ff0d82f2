/**
 * Turning an AbortSignal into our error hierarchy. Abandoned work (rebalance,
 * terminate) rejects with an AbortedError so callers can tell "stopped on purpose"
 * from "failed" and never log it as a failure (src/errors.ts).
 */
import { AbortedError, AppError } from '../errors';

/** The AbortedError for an aborted signal: its reason when that is one already, else a new one. */
export function abortedError(signal: AbortSignal): AbortedError {
  const reason: unknown = signal.reason;
  if (reason instanceof AbortedError) return reason;
  // The reason's message only: it is ours (supervisor/terminate), never a payload.
  const message = reason instanceof AppError || reason instanceof Error ? `aborted: ${reason.message}` : 'aborted';
  return new AbortedError(message);
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortedError(signal);
}
