/**
 * The thin Piscina entry (DESIGN "workers/"): it only calls the pure
 * encodeUnit and returns the result with Piscina.move so the record buffers
 * are transferred, not cloned (DESIGN invariant 6).
 *
 * Piscina.move on a plain object would put the object itself in the transfer
 * list (piscina src/index.ts DirectlyTransferable), which postMessage refuses;
 * instead we hand it a Transferable whose [transferableSymbol] is the array of
 * ArrayBuffers to move and whose [valueSymbol] is the result (the worker
 * concatenates that array into the postMessage transferList, piscina
 * src/worker.ts onMessage).
 *
 * Errors cross the thread boundary as plain data (UnitFailure), because
 * structured clone drops an AppError's code and retriable fields; the pool
 * rebuilds them with AppError.fromData.
 */
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { AppError } from '../src/errors';
import { encodeUnit } from '../src/pipeline/encode-unit';
import type { UnitFailure, UnitRequest, UnitResult } from '../src/pipeline/wire';

/**
 * encodeUnit turns every per-message problem into a rejection, so anything it
 * throws is a bug or a malformed request: deterministic, hence not retriable
 * (STYLE: programmer errors are never retried). Crashes of the worker itself
 * (exit, out of memory) are a different path: the pool reports WORKER_FAILED.
 */
function toFailure(unitId: number, err: unknown): UnitFailure {
  if (err instanceof AppError) return { unitId, error: err.toData() };
  const name = err instanceof Error ? err.name : 'Error';
  // Name only: an arbitrary error message might quote payload bytes.
  return {
    unitId,
    error: { name: 'AppError', code: 'ENCODE_UNIT_FAILED', message: `encodeUnit threw ${name}`, retriable: false },
  };
}

export default function encodeWorker(req: UnitRequest): UnitResult | UnitFailure {
  let encoded;
  try {
    encoded = encodeUnit(req);
  } catch (err) {
    return toFailure(req.unitId, err);
  }
  const { result, transfer } = encoded;
  const movable = {
    get [transferableSymbol](): object {
      return transfer;
    },
    get [valueSymbol](): object {
      return result;
    },
  };
  // The wire value is `result`; Piscina unwraps the movable on the worker side.
  return move(movable) as unknown as UnitResult;
}
