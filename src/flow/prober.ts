/**
 * A probe loop: every `intervalMs`, if the probe is `due()`, run it and report
 * the outcome. Used twice (src/wiring/firehose-probes.ts):
 *  - the Firehose circuit's half-open probe (DescribeDeliveryStream while open);
 *  - the idle-outage probe (F1): BUFFER_FULL / NETWORK hold, nothing is in
 *    flight, so no request will ever be sent that could clear them — the probe
 *    asks Firehose instead and clears the flags when it answers.
 * Time comes from the injected clock, so the loop is tested with a fake one.
 */
import type { Clock } from '../clock';
import type { Logger } from '../logging/types';

export interface ProberOptions {
  readonly name: string;
  readonly clock: Clock;
  readonly intervalMs: number;
  readonly logger: Logger;
  /** Whether a probe should run at this tick. */
  due(): boolean;
  /** Rejects when the probe fails. */
  probe(signal: AbortSignal): Promise<void>;
  /** Called right before the probe runs (e.g. circuit → half-open). */
  beforeProbe?(): void;
  onSuccess(): void;
  onFailure(err: unknown): void;
}

export class Prober {
  private stopper: AbortController | undefined;
  private loop: Promise<void> | undefined;

  constructor(private readonly opts: ProberOptions) {
    if (!(opts.intervalMs > 0)) throw new RangeError(`${opts.name}: intervalMs must be > 0`);
  }

  start(): void {
    if (this.stopper) return;
    const stopper = new AbortController();
    this.stopper = stopper;
    this.loop = this.run(stopper.signal);
  }

  async stop(): Promise<void> {
    this.stopper?.abort();
    this.stopper = undefined;
    await this.loop;
  }

  /** One tick: runs the probe if due; returns whether it ran. */
  async tick(signal: AbortSignal): Promise<boolean> {
    if (!this.opts.due()) return false;
    this.opts.beforeProbe?.();
    try {
      await this.opts.probe(signal);
    } catch (err) {
      if (signal.aborted) return true;
      this.opts.logger.warn('probe failed', { probe: this.opts.name, error: (err as Error).message, errorName: (err as Error).name });
      this.opts.onFailure(err);
      return true;
    }
    if (signal.aborted) return true;
    this.opts.logger.info('probe answered', { probe: this.opts.name });
    this.opts.onSuccess();
    return true;
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.opts.clock.sleep(this.opts.intervalMs, signal);
      } catch {
        return;
      }
      await this.tick(signal);
    }
  }
}
