/**
 * Liveness: `messageConsumptionActivity` — the consumer is polling and making
 * progress, after the original's MessageConsumptionActivityHealthIndicator:
 *   - DOWN when there was no poll or heartbeat for `activityTimeoutMs`
 *     (default 5 min): the kafkajs loop is gone or wedged;
 *   - DOWN when stuck: lag above zero and no committed progress for
 *     `stuckAfterMs` (default 10 min) while fetching is NOT paused. A pod with
 *     nothing to read (lag 0) is not stuck, and neither is one that is paused
 *     (a Firehose outage, the rate limiter, an operator): a restart would not
 *     cure those and would cost a rebalance;
 *   - DOWN on the existing HealthState rules: a fatal error, or pending units
 *     with no movement for the stall timeout (src/health/state.ts).
 * Pure: the service reports polls, commits and lag; the clock is injected.
 */
import { down, up, type Indicator, type IndicatorResult } from './indicator';
import type { CheckResult } from './state';

export const DEFAULT_ACTIVITY_TIMEOUT_MS = 5 * 60_000;
export const DEFAULT_STUCK_AFTER_MS = 10 * 60_000;

export interface ActivityRule {
  activityTimeoutMs: number;
  stuckAfterMs: number;
}

export interface ActivityContext {
  /** Pause reasons holding fetching (empty when consuming). */
  pausedFor: readonly string[];
  /** HealthState liveness checks: fatal and the pending-work stall rule. */
  stateChecks: Readonly<Record<string, CheckResult>>;
}

export class ActivityWatch {
  private lastPollAt: number;
  private lastCommitAt: number | null = null;
  private lag: number | null = null;
  /** Since when lag has been above zero without a commit (null while lag is 0 or unknown). */
  private lagSince: number | null = null;

  constructor(
    private readonly rule: ActivityRule,
    startedAt: number,
  ) {
    this.lastPollAt = startedAt;
  }

  /** A fetch or a heartbeat. */
  polled(now: number): void {
    this.lastPollAt = now;
  }

  committed(now: number): void {
    this.lastCommitAt = now;
    if (this.lagSince !== null) this.lagSince = now;
  }

  /** Total lag over this member's partitions (high watermark - committed). */
  lagSampled(total: number, now: number): void {
    this.lag = total;
    if (total <= 0) this.lagSince = null;
    else this.lagSince ??= now;
  }

  judge(now: number, ctx: ActivityContext): IndicatorResult {
    const sincePollMs = Math.max(0, now - this.lastPollAt);
    const details = {
      lastPollAgoMs: Math.round(sincePollMs),
      lastCommitAgoMs: this.lastCommitAt === null ? null : Math.round(now - this.lastCommitAt),
      lag: this.lag,
      paused: ctx.pausedFor.length > 0,
      pausedFor: [...ctx.pausedFor],
      activityTimeoutMs: this.rule.activityTimeoutMs,
      stuckAfterMs: this.rule.stuckAfterMs,
    };
    const failed = Object.entries(ctx.stateChecks).find(([, c]) => !c.ok);
    if (failed) return down({ ...details, reason: failed[1].detail });
    if (sincePollMs > this.rule.activityTimeoutMs) {
      return down({ ...details, reason: `no poll or heartbeat for ${Math.round(sincePollMs / 1000)} s` });
    }
    const noProgressMs = this.lagSince === null ? 0 : now - this.lagSince;
    if (ctx.pausedFor.length === 0 && noProgressMs > this.rule.stuckAfterMs) {
      return down({ ...details, reason: `stuck: lag ${this.lag} and no committed progress for ${Math.round(noProgressMs / 1000)} s` });
    }
    if (ctx.pausedFor.length > 0) return up({ ...details, reason: `paused (${ctx.pausedFor.join(', ')}); waiting is not stuck` });
    return up({ ...details, reason: this.lag === 0 ? 'nothing to read' : 'consuming' });
  }
}

export function activityIndicator(watch: ActivityWatch, now: () => number, context: () => ActivityContext, cacheMs = 1_000): Indicator {
  return { name: 'messageConsumptionActivity', cacheMs, check: () => watch.judge(now(), context()) };
}
