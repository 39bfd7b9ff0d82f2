/**
 * The rate-limiting layer's events (src/flow/rate-control.ts), each one function
 * that logs and counts together, and the sampler that keeps the bucket gauges
 * current (they change with time, not only on events, so they are sampled).
 */
import type { DispatchObserver } from '../firehose/observer';
import { isThrottleCode } from '../firehose/classify';
import type { RateControlEvents, RateLimiterState } from '../flow/rate-control';
import type { Logger } from '../logging/types';
import type { Metrics } from '../metrics/catalog';
import type { Events } from '../metrics/events';

export function rateEvents(metrics: Metrics, events: Events, logger: Logger): RateControlEvents {
  return {
    limited(bucket) {
      metrics.rateLimitEvents.inc({ bucket });
    },
    waited(seconds) {
      events.rateLimiterWaited(seconds);
    },
    paused({ bucket, pauseMs, step }) {
      logger.info('rate pause: fetching paused', { reason: 'RATE_LIMIT', bucket, pauseMs, step });
    },
    resumed(pauseMs, heldMs, endedBy) {
      // endedBy (src/flow/rate-pause.ts): elapsed, or lifted early — caught-up / work-exhausted — or stopped.
      logger.info('rate pause over: fetching resumes', { reason: 'RATE_LIMIT', pauseMs, heldMs: Math.round(heldMs), early: heldMs < pauseMs, endedBy });
    },
    rateCut(from, to) {
      metrics.rateLimiterBytesPerSecond.set(to);
      logger.warn('firehose throttling: bytes/s limit cut (AIMD)', { fromBytesPerSecond: from, toBytesPerSecond: to });
    },
  };
}

/** Sets wsqc_rate_limiter_{tokens,utilization}{bucket} and wsqc_rate_limiter_bytes_per_second from a snapshot. */
export function sampleRateGauges(metrics: Metrics, state: RateLimiterState): void {
  for (const b of state.buckets) {
    if (b.rate === 0) continue; // unlimited: no tokens to report
    metrics.rateLimiterTokens.set({ bucket: b.bucket }, b.tokens);
    metrics.rateLimiterUtilization.set({ bucket: b.bucket }, b.utilization);
  }
  const bytes = state.aimd?.bytesPerSecond ?? state.buckets.find((b) => b.bucket === 'bytes')?.rate ?? 0;
  metrics.rateLimiterBytesPerSecond.set(bytes);
}

/**
 * The dispatcher's observer, plus the throttling signal for AIMD: a request
 * refused with a throttle code, or answered with ServiceUnavailableException for
 * any record.
 */
export function withThrottleSignal(observer: DispatchObserver, throttled: () => void): DispatchObserver {
  return {
    ...observer,
    partialFailure(failed, total, codes) {
      observer.partialFailure(failed, total, codes);
      if (Object.keys(codes).some(isThrottleCode)) throttled();
    },
    requestFailed(err, attempt, request, latencyMs) {
      observer.requestFailed(err, attempt, request, latencyMs);
      if (isThrottleCode(err.code)) throttled();
    },
  };
}
