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

/** A signal that aborts when any of its sources does, and a `dispose` that detaches it from them. */
export interface LinkedSignal {
  readonly signal: AbortSignal;
  dispose(): void;
}

/**
 * Like `AbortSignal.any`, but detachable: `AbortSignal.any` registers the result
 * as a dependant of every source for as long as the source lives, and the
 * process-wide rebalance signal lives until the next rebalance — composing it
 * per acquire kept every composite alive (issue 13, defect 1: ~40 MB/h on a busy
 * pod). Call `dispose` when the wait ends; the composite is then garbage.
 * Undefined sources are skipped; with one source left, it is returned as is.
 */
export function linkSignals(...sources: ReadonlyArray<AbortSignal | undefined>): LinkedSignal {
  const present = sources.filter((s): s is AbortSignal => s !== undefined);
  if (present.length === 1) return { signal: present[0] as AbortSignal, dispose: noop };
  const controller = new AbortController();
  const already = present.find((s) => s.aborted);
  if (already) {
    controller.abort(already.reason);
    return { signal: controller.signal, dispose: noop };
  }
  const onAbort = function (this: AbortSignal): void {
    dispose();
    controller.abort(this.reason);
  };
  const dispose = (): void => {
    for (const s of present) s.removeEventListener('abort', onAbort);
  };
  for (const s of present) s.addEventListener('abort', onAbort, { once: true });
  return { signal: controller.signal, dispose };
}

function noop(): void {}
