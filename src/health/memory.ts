/**
 * Liveness: `processMemory` — heap used over the V8 heap limit
 * (`v8.getHeapStatistics()`: used_heap_size / heap_size_limit). DOWN only when
 * it stays above the threshold (default 90 %, the original's JVM rule) for the
 * whole window (default 60 s): a short spike during a large batch is normal, a
 * heap that stays full is a leak or an undersized pod, which a restart fixes.
 * The periodic health refresh samples it, so the window is measured even when
 * nobody probes. Pure apart from the injected sources.
 */
import { down, up, type Indicator, type IndicatorResult } from './indicator';

export interface HeapFigures {
  used_heap_size: number;
  heap_size_limit: number;
}

export interface MemoryRule {
  thresholdPercent: number;
  windowMs: number;
}

export class MemoryWatch {
  private aboveSince: number | null = null;

  constructor(private readonly rule: MemoryRule) {}

  judge(heap: HeapFigures, now: number): IndicatorResult {
    const percent = heap.heap_size_limit > 0 ? Math.round((heap.used_heap_size / heap.heap_size_limit) * 1000) / 10 : 0;
    const details = {
      heapUsedMb: Math.round(heap.used_heap_size / 1048576),
      heapLimitMb: Math.round(heap.heap_size_limit / 1048576),
      heapUsedPercent: percent,
      thresholdPercent: this.rule.thresholdPercent,
      windowMs: this.rule.windowMs,
    };
    if (percent <= this.rule.thresholdPercent) {
      this.aboveSince = null;
      return up(details);
    }
    this.aboveSince ??= now;
    const aboveMs = now - this.aboveSince;
    if (aboveMs >= this.rule.windowMs) {
      return down({ ...details, aboveForMs: aboveMs, reason: `heap above ${this.rule.thresholdPercent} % for ${Math.round(aboveMs / 1000)} s` });
    }
    return up({ ...details, aboveForMs: aboveMs, warning: `heap above ${this.rule.thresholdPercent} % for ${Math.round(aboveMs / 1000)} s` });
  }
}

export function memoryIndicator(rule: MemoryRule, heap: () => HeapFigures, now: () => number, cacheMs = 1_000): Indicator {
  const watch = new MemoryWatch(rule);
  return { name: 'processMemory', cacheMs, check: () => watch.judge(heap(), now()) };
}
