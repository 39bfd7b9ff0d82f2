/**
 * The encode engine the configuration asks for: the Piscina pool (default) or
 * the inline encoder (zlib on libuv's threads, `pool.engine: inline`), with the
 * slots that bound how many units are copied and encoded at once.
 */
import os from 'node:os';
import type { AppConfig } from '../config';
import { Semaphore } from '../flow/semaphore';
import type { Logger } from '../logging/types';
import { createInlineEncoder } from './inline-encoder';
import { createEncodePool, poolThreads, type EncodePool } from './pool';

export interface ConfiguredPool extends EncodePool {
  /**
   * One unit encoding per thread and one waiting for each (issue 12): the threads
   * never idle, and with the pipelined consumer at most that many copies of
   * fetched units exist at once (src/kafka/unit-runner.ts encodeSlots).
   */
  readonly encodeSlots?: Semaphore;
}

export function poolFromConfig(config: AppConfig, logger: Logger, onThreadStarted: () => void): ConfiguredPool {
  const threads = poolThreads(config.pool, os.availableParallelism());
  const pool =
    config.pool.engine === 'inline'
      ? createInlineEncoder({ maxThreads: threads.maxThreads, maxQueue: config.pool.maxQueue })
      : createEncodePool({ ...config.pool, ...threads, logger, onThreadStarted });
  return Object.assign(pool, { encodeSlots: new Semaphore(threads.maxThreads * 2) });
}
