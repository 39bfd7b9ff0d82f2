/**
 * The rate pause of the original service ("Batch-Aware Consumer Management During
 * Bucket4j Rate Limiting", the original task list,
 * ../shared/reference/000_1e8dbbeff2f859c3.txt): when a bucket cannot serve a
 * whole unit and is nearly empty (below the pause threshold, 10 % of its
 * capacity by default), stop fetching for a while instead of letting kafkajs hand
 * us more work we can only queue. The pause length backs off 5 s → 7.5 s → … →
 * 60 s (× 1.5) while the limiter stays behind, and resets once a unit passes
 * without waiting.
 *
 * The pause is a reason on the pause control (RATE_LIMIT): fetching stops on every
 * assigned partition; kafkajs keeps heartbeating paused partitions, so no
 * rebalance is caused. Work already fetched keeps flowing through the limiter at
 * its rate during the pause.
 *
 * A pause ends early ("lifted early" in the log, with its cause) once holding it
 * can only idle the consumer:
 *  - `caught-up`: the limiter has caught up ("consumer resume logic when the
 *    bucket has sufficient tokens for a full batch", same task list): `ready` is
 *    probed every `everyMs`;
 *  - `work-exhausted`: every fetched message has passed the limiter (`lift`,
 *    src/flow/rate-backlog.ts). kafkajs fetches the next round only after the
 *    handlers of this one return, so a pause that outlasts the work in hand
 *    stops nothing but the consumer: the bucket fills, its tokens overflow and
 *    the long-run rate falls below the configured one (README "Rate limiting").
 *    Lifted then, the next round is fetched while the bucket refills (capacity
 *    150 = 2 s at 75 msg/s covers the round trip), and no token is wasted.
 * The backoff still grows: the next pause is the next step unless a unit passed.
 *
 * A pause already in force is not extended or escalated by further blocked units:
 * the next step is taken only when the condition is met again after it ended.
 * Time comes from the injected clock (the release is a clock sleep, never a
 * blocking wait), so the schedule is tested exactly with a fake clock.
 */
import type { Clock } from '../clock';

/** The part of the pause control this class uses (src/flow/ pause control, reason RATE_LIMIT). */
export interface RatePauseHolder {
  hold(reason: 'RATE_LIMIT'): void;
  release(reason: 'RATE_LIMIT'): void;
}

export interface RatePauseSettings {
  /** First pause, ms (5 s). */
  readonly initialMs: number;
  /** Each pause in a row is this much longer (1.5). */
  readonly multiplier: number;
  /** Longest pause, ms (60 s). */
  readonly maxMs: number;
}

export interface RatePauseEvent {
  /** Which bucket asked for it (a RateBucketLabel). */
  readonly bucket: string;
  readonly pauseMs: number;
  /** 1 for the first pause after a reset, 2 for the next, … */
  readonly step: number;
}

/** Ends a pause early when holding it can only idle the consumer (see the file comment); null: keep it. */
export interface RatePauseProbe {
  ready(): 'caught-up' | 'work-exhausted' | null;
  readonly everyMs: number;
}

/** Why a pause ended: its time ran out, or it was lifted early (see the file comment), or shutdown. */
export type RatePauseEnd = 'elapsed' | 'caught-up' | 'work-exhausted' | 'stopped';

export interface RatePauseSnapshot {
  readonly active: boolean;
  /** Length of the pause in force, or of the last one. */
  readonly currentMs: number | null;
  /** Length the next pause would have. */
  readonly nextMs: number;
  readonly pauses: number;
  /** ms until the pause in force ends. */
  readonly remainingMs: number | null;
}

export class RatePause {
  private nextMsValue: number;
  private step = 0;
  private currentMsValue: number | null = null;
  private endsAtMs: number | null = null;
  private count = 0;
  private timer: AbortController | undefined;

  constructor(
    private readonly settings: RatePauseSettings,
    private readonly clock: Clock,
    private readonly holder: RatePauseHolder,
    private readonly onPause: (event: RatePauseEvent) => void = () => undefined,
    private readonly onResume: (pauseMs: number, heldMs: number, endedBy: RatePauseEnd) => void = () => undefined,
    private readonly probe?: RatePauseProbe,
  ) {
    const { initialMs, multiplier, maxMs } = settings;
    if (!(initialMs > 0)) throw new RangeError(`rate pause initialMs must be > 0, got ${initialMs}`);
    if (!(multiplier >= 1)) throw new RangeError(`rate pause multiplier must be >= 1, got ${multiplier}`);
    if (!(maxMs >= initialMs)) throw new RangeError(`rate pause maxMs (${maxMs}) must be >= initialMs (${initialMs})`);
    this.nextMsValue = initialMs;
  }

  get active(): boolean {
    return this.timer !== undefined;
  }

  /** A bucket could not serve a whole unit and holds fewer tokens than its pause threshold. */
  blocked(bucket: string): void {
    if (this.timer) return;
    const pauseMs = this.nextMsValue;
    this.step += 1;
    this.count += 1;
    this.currentMsValue = pauseMs;
    this.endsAtMs = this.clock.now() + pauseMs;
    this.nextMsValue = Math.min(this.settings.maxMs, pauseMs * this.settings.multiplier);
    const timer = new AbortController();
    this.timer = timer;
    this.holder.hold('RATE_LIMIT');
    this.onPause({ bucket, pauseMs, step: this.step });
    void this.run(timer, pauseMs);
  }

  /** Sleeps out the pause in probe steps; stop() aborts the sleep and releases itself. */
  private async run(timer: AbortController, pauseMs: number): Promise<void> {
    let left = pauseMs;
    while (left > 0) {
      const step = this.probe ? Math.min(left, this.probe.everyMs) : left;
      try {
        await this.clock.sleep(step, timer.signal);
      } catch {
        return;
      }
      left -= step;
      const early = left > 0 ? this.probe?.ready() : null;
      if (early) {
        this.end(timer, early);
        return;
      }
    }
    this.end(timer, 'elapsed');
  }

  /** Ends a pause in force now because holding it can only idle the consumer (`work-exhausted`); the backoff is kept. */
  lift(cause: 'work-exhausted' | 'caught-up'): void {
    this.endNow(cause);
  }

  /** A unit passed without waiting: the next pause starts from the first step again. */
  passed(): void {
    this.nextMsValue = this.settings.initialMs;
    this.step = 0;
  }

  /** Ends a pause in force now (shutdown); the backoff is kept. */
  stop(): void {
    this.endNow('stopped');
  }

  private endNow(endedBy: RatePauseEnd): void {
    const timer = this.timer;
    if (!timer) return;
    timer.abort();
    this.end(timer, endedBy);
  }

  snapshot(): RatePauseSnapshot {
    return {
      active: this.active,
      currentMs: this.currentMsValue,
      nextMs: this.nextMsValue,
      pauses: this.count,
      remainingMs: this.timer && this.endsAtMs !== null ? Math.max(0, this.endsAtMs - this.clock.now()) : null,
    };
  }

  private end(timer: AbortController, endedBy: RatePauseEnd): void {
    if (this.timer !== timer) return;
    const heldMs = (this.currentMsValue ?? 0) - Math.max(0, (this.endsAtMs ?? 0) - this.clock.now());
    this.timer = undefined;
    this.endsAtMs = null;
    this.holder.release('RATE_LIMIT');
    this.onResume(this.currentMsValue ?? 0, heldMs, endedBy);
  }
}
