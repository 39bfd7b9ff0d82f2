/**
 * The encode worker pool: a thin wrapper over Piscina that speaks the typed
 * wire format and turns every failure into an AppError with `retriable`.
 *
 * Transfer, not clone (DESIGN invariant 6): run() puts the request's `values`
 * buffer (and its bounds table) in Piscina's transferList, so after run() the
 * caller's ArrayBuffer is detached; the result's buffers come back moved by the
 * worker. Consequence for retries: a failed task has consumed its request, so
 * the supervisor re-packs the unit from the kafkajs messages it still holds.
 *
 * Lifecycle (piscina's close({ force }) contract, plus our own drain):
 *   run()                 rejects with POOL_CLOSED once close() has begun.
 *   close()               drain: waits for every task already accepted by run()
 *                         to settle, then terminates the workers. It has no
 *                         deadline of its own: the supervisor races it against
 *                         its drain deadline, then calls close({ force: true }),
 *                         which also settles a pending close().
 *   close({force: true})  abandon: queued tasks and running tasks reject with
 *                         AbortedError at once; workers are terminated.
 */
import { Piscina } from 'piscina';
import { systemClock, type Clock } from '../clock';
import { AbortedError, AppError, type ErrorData } from '../errors';
import { silentLogger, type Logger } from '../logging/types';
import { Admission } from './admission';
import { encodeWorkerPath } from './worker-path';
import type { UnitFailure, UnitRequest, UnitResult } from '../pipeline/wire';

export interface EncodePoolOptions {
  minThreads: number;
  maxThreads: number;
  /**
   * Idle time after which a thread above minThreads exits. Piscina's default
   * is 0: a thread exits the moment it is idle and the next unit waits for a
   * cold, un-JIT-ed one (issue 8 measured 15 thread starts in a 9-second run).
   */
  idleTimeoutMs?: number;
  /** Called each time the pool has started a worker thread (wsqc_worker_threads_started_total). */
  onThreadStarted?: () => void;
  /**
   * Tasks waiting for a thread: run() rejects with POOL_BUSY (retriable) once
   * maxThreads + maxQueue tasks are in flight. Counted here, not left to
   * piscina, whose queue check also counts threads still starting.
   */
  maxQueue: number;
  /** V8 old-space cap per worker; a worker over it dies and its task rejects with WORKER_FAILED. */
  maxOldGenerationSizeMb: number;
  /** A task running longer is aborted (its worker is terminated) and rejects with WORKER_FAILED; 0 = none. */
  taskTimeoutMs: number;
  /** Compiled worker entry; defaults to dist/workers/encode-worker.js. Tests pass fixtures. */
  filename?: string;
  logger?: Logger;
  /** Times the task timeout; tests inject a fake so no real time passes. */
  clock?: Clock;
}

export interface PoolStats {
  threads: number;
  queueSize: number;
  /** Tasks accepted by run() and not yet settled (queued + running). */
  inFlight: number;
  completed: number;
  /** 0..1, piscina's utilization estimate. */
  utilization: number;
  /** Worker threads started since the pool was created (= the pool size when nothing churns). */
  threadsStarted: number;
}

/**
 * Thread counts from the config: maxThreads 0 = one per core; minThreads 0 =
 * maxThreads, so every thread lives as long as the pool (no churn, no cold
 * starts under bursty load).
 */
export function poolThreads(pool: { minThreads: number; maxThreads: number }, cores: number): { minThreads: number; maxThreads: number } {
  const maxThreads = pool.maxThreads || cores;
  return { minThreads: Math.min(pool.minThreads || maxThreads, maxThreads), maxThreads };
}

export interface EncodePool {
  run(req: UnitRequest, signal?: AbortSignal): Promise<UnitResult>;
  close(options?: { force?: boolean }): Promise<void>;
  stats(): PoolStats;
}

function isFailure(value: UnitResult | UnitFailure): value is UnitFailure {
  return 'error' in value && !('data' in value);
}

/** The buffers to move to the worker, deduplicated (transferring one buffer twice throws). */
function transferListOf(req: UnitRequest): ArrayBuffer[] {
  const list: ArrayBuffer[] = [req.values];
  const bounds = req.valueBounds.buffer;
  if (bounds instanceof ArrayBuffer && bounds !== req.values) list.push(bounds);
  return list;
}

export function createEncodePool(options: EncodePoolOptions): EncodePool {
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const piscina = new Piscina<UnitRequest, UnitResult | UnitFailure>({
    filename: options.filename ?? encodeWorkerPath,
    minThreads: options.minThreads,
    maxThreads: options.maxThreads,
    // Our own cap (below) is the real limit; piscina's only has to never be tighter.
    maxQueue: options.maxThreads + options.maxQueue,
    idleTimeout: options.idleTimeoutMs ?? 60_000,
    resourceLimits: { maxOldGenerationSizeMb: options.maxOldGenerationSizeMb },
  });
  let threadsStarted = 0;
  piscina.on('workerCreate', () => {
    threadsStarted++;
    options.onThreadStarted?.();
  });
  // Piscina emits 'error' for failures not tied to a task (a worker dying while
  // idle, a close timeout); an EventEmitter without a listener would throw them.
  piscina.on('error', (err: Error) => logger.error('encode pool error', { error: err.message }));

  const admission = new Admission(options.maxThreads + options.maxQueue);
  let forced = false;

  function toAppError(err: unknown, timedOut: boolean, callerAborted: boolean): AppError {
    if (err instanceof AppError) return err;
    const e = err as { name?: string; message?: string };
    if (forced) return new AbortedError('encode pool closed by force');
    if (timedOut) {
      return new AppError('WORKER_FAILED', `encode task timed out after ${options.taskTimeoutMs} ms`, {
        retriable: true,
        cause: err,
      });
    }
    if (callerAborted || e?.name === 'AbortError') return new AbortedError('encode task aborted');
    if (e?.message === 'Task queue is at limit' || e?.message === 'No task queue available and all Workers are busy') {
      return new AppError('POOL_BUSY', 'encode pool queue is full', { retriable: true, cause: err });
    }
    return new AppError('WORKER_FAILED', `encode worker failed: ${e?.message ?? String(err)}`, {
      retriable: true,
      cause: err,
    });
  }

  async function runTask(req: UnitRequest, signal: AbortSignal | undefined): Promise<UnitResult> {
    const controller = new AbortController();
    const timer = new AbortController();
    let timedOut = false;
    if (options.taskTimeoutMs > 0) {
      clock.sleep(options.taskTimeoutMs, timer.signal).then(
        () => {
          timedOut = true;
          controller.abort();
        },
        () => undefined, // cancelled because the task settled first
      );
    }
    const onCallerAbort = (): void => controller.abort();
    signal?.addEventListener('abort', onCallerAbort, { once: true });
    if (signal?.aborted) controller.abort();
    try {
      const value = await piscina.run(req, { transferList: transferListOf(req), signal: controller.signal });
      if (isFailure(value)) throw AppError.fromData(value.error as ErrorData);
      return value;
    } catch (err) {
      throw toAppError(err, timedOut, signal?.aborted === true);
    } finally {
      timer.abort();
      signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  return {
    run(req, signal) {
      return admission.admit(() => runTask(req, signal));
    },

    async close({ force = false } = {}) {
      admission.close();
      if (force) {
        forced = true;
        // destroy(), not close({ force: true }): the latter still waits up to
        // closeTimeout (30 s) for running tasks; destroy terminates at once.
        await piscina.destroy();
        return;
      }
      await admission.drain();
      await piscina.close();
    },

    stats() {
      return {
        threads: piscina.threads.length,
        queueSize: piscina.queueSize,
        inFlight: admission.inFlightCount,
        completed: piscina.completed,
        utilization: piscina.utilization,
        threadsStarted,
      };
    },
  };
}
