/**
 * The Firehose dispatcher's observer, wired to the metrics catalog, health and
 * the outage flags: each attempt is reported with its own size, since requests
 * run concurrently. Throttling reaches the outage flags through the
 * dispatcher's onThrottle (`wireDelivery`), before the attempt's answer, and
 * AIMD through the throttle signal (./rate-events.ts).
 */
import type { CoalescerObserver } from '../firehose/coalescer';
import type { ThrottleScope } from '../firehose/dispatcher';
import type { DispatchObserver } from '../firehose/observer';
import { requestClass } from '../firehose/verdict';
import type { OutageFlag } from '../flow/outage';
import type { HealthState } from '../health/state';
import type { RateControl } from '../flow/rate-control';
import type { Metrics } from '../metrics/catalog';
import type { Events } from '../metrics/events';
import { coalesceObserver } from './coalesce-observer';
import { withThrottleSignal } from './rate-events';

/** Issue 7: a timed-out request's records are sent again and may arrive twice (src/metrics/ops-events.ts). */
export interface RequestFailureWatcher {
  onFirehoseRequestFailed(code: string, records: number): void;
}

export function dispatchObserver(events: Events, health: HealthState, outage: OutageFlag, watcher?: RequestFailureWatcher): DispatchObserver {
  return {
    requestSent() {
      /* counted when the outcome is known, with its own size (requests run concurrently) */
    },
    requestSucceeded(latencyMs, request) {
      health.firehoseSucceeded();
      outage.requestAnswered();
      events.firehoseRequest('ok', request.records, request.bytes, latencyMs / 1000);
    },
    partialFailure(failed, total, codes) {
      events.partialFailure(failed, total, codes);
    },
    requestFailed(err, attempt, request, latencyMs) {
      health.firehoseFailed(err);
      const cls = requestClass(err);
      // Throttling is BUFFER_FULL (onThrottle); the other transient failures count towards NETWORK.
      if (cls === 'transient') outage.requestFailed();
      events.firehoseRequestFailed(err, attempt);
      events.firehoseRequest(cls === 'throttle' ? 'throttled' : 'error', request.records, request.bytes, latencyMs / 1000);
      if (err.retriable) watcher?.onFirehoseRequestFailed(err.code, request.records);
    },
    retryScheduled(delayMs, attempt, reason) {
      health.firehoseRetryScheduled(delayMs);
      events.retryScheduled(reason, delayMs, attempt);
    },
  };
}

/** Everything delivery reports to (src/firehose/delivery.ts DeliveryDeps). */
export function wireDelivery(deps: {
  metrics: Metrics;
  events: Events;
  health: HealthState;
  outage: OutageFlag;
  rate: Pick<RateControl, 'throttled'>;
  watcher?: RequestFailureWatcher;
}): { observer: DispatchObserver; coalesceObserver: CoalescerObserver; onThrottle(scope: ThrottleScope): void } {
  const { metrics, events, health, outage, rate, watcher } = deps;
  return {
    observer: withThrottleSignal(dispatchObserver(events, health, outage, watcher), () => rate.throttled()),
    coalesceObserver: coalesceObserver(metrics),
    onThrottle: (scope) => {
      outage.throttled();
      events.bufferFull(scope);
    },
  };
}
