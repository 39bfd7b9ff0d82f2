/**
 * `pool.engine: inline` — the encode port without worker threads: validation and
 * assembly on the main thread, every gzip call on libuv's thread pool
 * (`UV_THREADPOOL_SIZE`, default 4) through zlib's async API. Issue 8 asks for
 * "worker pool vs. inline async zlib" as a measured variant; the worker pool stays
 * the default (see the README's performance section for the figures).
 *
 * Same contract as the pool (./pool.ts): run() rejects with POOL_CLOSED after
 * close() began and with POOL_BUSY (retriable) once maxThreads + maxQueue units are
 * in flight; an aborted caller gets an AbortedError (the unit's zlib calls already
 * queued still finish, their output is dropped); close() drains accepted units.
 * There are no threads to start or crash, so `threads` and `threadsStarted` are 0.
 */
import { abortedError, throwIfAborted } from '../flow/abort';
import { Admission } from './admission';
import { encodeUnitAsync } from '../pipeline/encode-unit';
import type { EncodePool } from './pool';
import type { UnitRequest, UnitResult } from '../pipeline/wire';

export interface InlineEncoderOptions {
  /**
   * With maxQueue, the units accepted at once (the pool's rule, so the same config
   * bounds memory the same way); their zlib calls share libuv's thread pool.
   */
  readonly maxThreads: number;
  readonly maxQueue: number;
}

export function createInlineEncoder(options: InlineEncoderOptions): EncodePool {
  const admission = new Admission(options.maxThreads + options.maxQueue);
  let completed = 0;

  async function encode(req: UnitRequest, signal: AbortSignal | undefined): Promise<UnitResult> {
    let onAbort: (() => void) | undefined;
    try {
      throwIfAborted(signal);
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(abortedError(signal as AbortSignal));
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      const { result } = await Promise.race([encodeUnitAsync(req), aborted]);
      completed++;
      return result;
    } finally {
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  }

  return {
    run(req, signal) {
      return admission.admit(() => encode(req, signal));
    },

    async close({ force = false } = {}) {
      admission.close();
      if (!force) await admission.drain();
    },

    stats() {
      const active = admission.inFlightCount;
      return {
        threads: 0,
        queueSize: Math.max(0, active - options.maxThreads),
        inFlight: active,
        completed,
        utilization: Math.min(1, active / Math.max(1, options.maxThreads)),
        threadsStarted: 0,
      };
    },
  };
}
