/**
 * The graduated Firehose error schedule (issue 6 §3), pure and fake-clock tested.
 *
 *   throttle (ServiceUnavailableException, per record or request):
 *       5 s → 15 s → 45 s → 2 min → 5 min → 5 min …          (steps, jittered)
 *   transient (5xx, InternalFailure, timeout, reset, unknown):
 *       3 fast full-jitter retries (firehose.backoff), then the same steps
 *
 * One plan per delivery (one PutRecordBatch sub-batch and its resends): the
 * steps climb while that delivery keeps failing and start over for the next one.
 * Graduated delays carry ±`jitter` so concurrent deliveries that were throttled
 * together do not come back together; fast retries use full jitter
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
 */
import type { Random } from '../clock';
import { fullJitterDelay } from './backoff';

export interface RetryScheduleSettings {
  /** Fast retries for transient failures before the graduated steps (default 3). */
  readonly fastRetries: number;
  readonly fastBaseMs: number;
  readonly fastMaxMs: number;
  /** The graduated steps, non-decreasing; the last one repeats. */
  readonly stepsMs: readonly number[];
  /** Share of each step that is random, 0..1: the delay is step × (1 ± jitter). */
  readonly jitter: number;
}

export type RetryKind = 'throttle' | 'transient';

export interface RetryDelay {
  readonly delayMs: number;
  readonly phase: 'fast' | 'graduated';
  /** 0-based index into `stepsMs` (graduated) or the fast retry number. */
  readonly step: number;
}

export const DEFAULT_STEPS_MS: readonly number[] = [5_000, 15_000, 45_000, 120_000, 300_000];

export class RetryPlan {
  private fastUsed = 0;
  private stepsUsed = 0;

  constructor(
    private readonly settings: RetryScheduleSettings,
    private readonly random: Random,
  ) {
    if (settings.stepsMs.length === 0) throw new RangeError('stepsMs must have at least one step');
    if (!(settings.jitter >= 0 && settings.jitter <= 1)) throw new RangeError(`jitter must be within 0..1, got ${settings.jitter}`);
  }

  /** Whether this delivery has reached the graduated steps (a transient failure past its fast retries, or any throttle). */
  get graduated(): boolean {
    return this.stepsUsed > 0;
  }

  /** The wait before the next attempt after a failure of `kind`. */
  next(kind: RetryKind): RetryDelay {
    const s = this.settings;
    if (kind === 'transient' && this.stepsUsed === 0 && this.fastUsed < s.fastRetries) {
      const step = this.fastUsed++;
      return { delayMs: fullJitterDelay(step, s.fastBaseMs, s.fastMaxMs, this.random), phase: 'fast', step };
    }
    const step = Math.min(this.stepsUsed++, s.stepsMs.length - 1);
    const base = s.stepsMs[step] as number;
    const r = Math.min(1, Math.max(0, this.random()));
    const delayMs = Math.max(0, Math.round(base * (1 - s.jitter + 2 * s.jitter * r)));
    return { delayMs, phase: 'graduated', step };
  }

  /** Start over (the circuit closed again: the next failure is a new story). */
  reset(): void {
    this.fastUsed = 0;
    this.stepsUsed = 0;
  }
}
