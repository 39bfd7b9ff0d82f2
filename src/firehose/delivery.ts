/**
 * Delivery from the configuration: the dispatcher (resends, the graduated
 * schedule, the circuit, the quota buckets) and, with `firehose.coalesce.enabled`,
 * the coalescer in front of it that merges units' records into full requests
 * and owns the request cap; without it every planned sub-batch is a request
 * under a semaphore of `firehose.maxConcurrentRequests`.
 */
import type { Clock, Random } from '../clock';
import type { AppConfig } from '../config';
import type { Circuit } from '../flow/circuit';
import type { RateLimiter } from '../flow/rate-limiter';
import { Semaphore } from '../flow/semaphore';
import type { DeliveryPort } from '../kafka/unit-runner';
import type { FirehosePort } from './client';
import { Coalescer, oneSecondOf, type CoalescerObserver } from './coalescer';
import { FirehoseDispatcher, type ThrottleScope } from './dispatcher';
import type { DispatchObserver } from './observer';

export interface DeliveryDeps {
  port: FirehosePort;
  clock: Clock;
  random: Random;
  /** The quota buckets (src/flow/rate-control.ts). */
  quota: RateLimiter;
  circuit: Circuit;
  observer: DispatchObserver;
  coalesceObserver?: CoalescerObserver;
  onThrottle(scope: ThrottleScope): void;
}

/** What the unit runner delivers through: the coalescer, or the dispatcher under request slots. */
export type Delivery = { dispatcher: DeliveryPort; requestSlots?: Semaphore };

export function deliveryFromConfig(config: AppConfig, deps: DeliveryDeps): Delivery {
  const fh = config.firehose;
  const dispatcher = new FirehoseDispatcher({
    port: deps.port,
    streamName: fh.streamName,
    clock: deps.clock,
    random: deps.random,
    backoff: fh.backoff,
    schedule: { fastRetries: fh.retry.fastRetries, stepsMs: fh.retry.scheduleMs, jitter: fh.retry.jitterPercent / 100 },
    rateLimiter: deps.quota,
    requestTimeoutMs: fh.requestTimeoutMs,
    observer: deps.observer,
    circuit: deps.circuit,
    exitOnPermanentError: fh.exitOnPermanentError,
    onThrottle: deps.onThrottle,
  });
  if (!fh.coalesce.enabled) return { dispatcher, requestSlots: new Semaphore(fh.maxConcurrentRequests) };
  return {
    dispatcher: new Coalescer({
      sink: dispatcher,
      clock: deps.clock,
      maxRecords: fh.maxRecordsPerBatch,
      maxBytes: fh.maxBytesPerBatch,
      lingerMs: fh.coalesce.lingerMs,
      maxConcurrent: fh.maxConcurrentRequests,
      cap: oneSecondOf(deps.quota, fh.maxConcurrentRequests),
      observer: deps.coalesceObserver,
    }),
  };
}
