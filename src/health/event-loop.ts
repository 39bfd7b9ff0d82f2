/**
 * Liveness: `eventLoop` — the main thread's event-loop delay
 * (`perf_hooks.monitorEventLoopDelay`, https://nodejs.org/api/perf_hooks.html#perf_hooksmonitoreventloopdelayoptions).
 * DOWN when the 99th percentile since the previous evaluation is above the
 * limit (default 2 s): heartbeats and probes are then late, and a main thread
 * that stays that busy is wedged. Each evaluation reads and resets the
 * histogram, so the figure describes the last interval only.
 */
import { down, up, type Indicator, type IndicatorResult } from './indicator';

/** The part of `IntervalHistogram` read here (nanoseconds). */
export interface DelayHistogram {
  percentile(p: number): number;
  readonly max: number;
  readonly mean: number;
  reset(): void;
}

export function judgeEventLoop(h: DelayHistogram, maxDelayMs: number): IndicatorResult {
  const ms = (ns: number): number => (Number.isFinite(ns) ? Math.round(ns / 1e5) / 10 : 0);
  const p99 = ms(h.percentile(99));
  const details = { p99DelayMs: p99, maxDelayMs: ms(h.max), meanDelayMs: ms(h.mean), limitMs: maxDelayMs };
  h.reset();
  return p99 > maxDelayMs ? down({ ...details, reason: `event-loop delay p99 ${p99} ms above ${maxDelayMs} ms` }) : up(details);
}

export function eventLoopIndicator(h: DelayHistogram, maxDelayMs: number, cacheMs = 1_000): Indicator {
  return { name: 'eventLoop', cacheMs, check: () => judgeEventLoop(h, maxDelayMs) };
}
