/**
 * A one-line summary of deliveries every `everyMs` while work flows, so
 * operators (and `npm run local`) see throughput without debug logs: messages,
 * messages/s, raw MB/s, requests, and mean records and bytes per request.
 */
import type { Clock } from '../clock';
import type { Logger } from '../logging/types';

export interface UnitTotals {
  messages: number;
  delivered: number;
  deadLettered: number;
  rawBytes: number;
  encodedBytes: number;
  records: number;
  requests: number;
}

const zero = (): UnitTotals => ({ messages: 0, delivered: 0, deadLettered: 0, rawBytes: 0, encodedBytes: 0, records: 0, requests: 0 });

export class DeliverySummary {
  private readonly totals = zero();
  private last = zero();
  private lastAt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly everyMs = 10_000,
  ) {}

  add(unit: UnitTotals): void {
    for (const k of Object.keys(this.totals) as Array<keyof UnitTotals>) this.totals[k] += unit[k];
  }

  start(): void {
    this.lastAt = this.clock.now();
    this.timer = setInterval(() => this.flush(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Logs the interval since the previous flush (nothing when idle). */
  flush(): void {
    const now = this.clock.now();
    const secs = Math.max((now - this.lastAt) / 1000, 1e-3);
    const d = (k: keyof UnitTotals): number => this.totals[k] - this.last[k];
    if (d('messages') > 0) {
      this.logger.info('delivered', {
        messages: d('delivered'),
        deadLettered: d('deadLettered'),
        messagesPerSec: Math.round(d('messages') / secs),
        rawMBPerSec: +(d('rawBytes') / 1e6 / secs).toFixed(2),
        requests: d('requests'),
        meanRecordsPerRequest: d('requests') ? Math.round(d('records') / d('requests')) : 0,
        meanBytesPerRequest: d('requests') ? Math.round(d('encodedBytes') / d('requests')) : 0,
        totalDelivered: this.totals.delivered,
      });
    }
    this.last = { ...this.totals };
    this.lastAt = now;
  }
}
