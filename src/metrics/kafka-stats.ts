/**
 * The counters behind `GET /api/metrics/kafka` (the original service's
 * MetricsController JSON): consumed, delivered, dead-lettered and failed since
 * the last `POST /api/metrics/kafka/reset`, throughput over a sliding window,
 * and the last dead letters' coordinates and reason codes (never a payload).
 * Resetting touches only these counters: the Prometheus counters stay
 * monotonic, as rate() requires.
 *
 * Pure: a per-second ring of buckets over an injected wall clock.
 */
export interface DeadLetterEntry {
  topic: string;
  partition: number;
  offset: string;
  code: string;
  reason: string;
  at: string;
}

export interface Totals {
  consumed: number;
  consumedBytes: number;
  delivered: number;
  deliveredBytes: number;
  deadLettered: number;
  failed: number;
}

export interface Throughput {
  windowSeconds: number;
  messagesInPerSecond: number;
  messagesOutPerSecond: number;
  mbInPerSecond: number;
  mbOutPerSecond: number;
}

export interface KafkaStatsSnapshot {
  since: string;
  totals: Totals;
  throughput: Throughput;
  lastDeadLetters: DeadLetterEntry[];
}

const zero = (): Totals => ({ consumed: 0, consumedBytes: 0, delivered: 0, deliveredBytes: 0, deadLettered: 0, failed: 0 });

export class KafkaStats {
  private totals = zero();
  private since: number;
  private readonly buckets: Array<{ second: number; t: Totals }>;
  private readonly letters: DeadLetterEntry[] = [];

  constructor(
    private readonly wallNow: () => number,
    private readonly windowSeconds = 10,
    private readonly keepDeadLetters = 20,
  ) {
    this.since = wallNow();
    this.buckets = Array.from({ length: windowSeconds + 1 }, () => ({ second: -1, t: zero() }));
  }

  consumed(messages: number, bytes: number): void {
    this.add({ consumed: messages, consumedBytes: bytes });
  }

  delivered(messages: number, bytes: number): void {
    this.add({ delivered: messages, deliveredBytes: bytes });
  }

  failed(messages: number): void {
    this.add({ failed: messages });
  }

  deadLettered(entry: Omit<DeadLetterEntry, 'at'>): void {
    this.add({ deadLettered: 1 });
    this.letters.push({ ...entry, reason: entry.reason.slice(0, 200), at: new Date(this.wallNow()).toISOString() });
    if (this.letters.length > this.keepDeadLetters) this.letters.shift();
  }

  reset(): void {
    this.totals = zero();
    this.since = this.wallNow();
    for (const b of this.buckets) b.second = -1;
    this.letters.length = 0;
  }

  snapshot(): KafkaStatsSnapshot {
    const nowSecond = Math.floor(this.wallNow() / 1000);
    // Full seconds only: the current one is still filling.
    const window = zero();
    for (const b of this.buckets) {
      if (b.second < nowSecond - this.windowSeconds || b.second >= nowSecond) continue;
      for (const k of Object.keys(window) as Array<keyof Totals>) window[k] += b.t[k];
    }
    const per = (n: number): number => Math.round((n / this.windowSeconds) * 100) / 100;
    return {
      since: new Date(this.since).toISOString(),
      totals: { ...this.totals },
      throughput: {
        windowSeconds: this.windowSeconds,
        messagesInPerSecond: per(window.consumed),
        messagesOutPerSecond: per(window.delivered),
        mbInPerSecond: per(window.consumedBytes / 1e6),
        mbOutPerSecond: per(window.deliveredBytes / 1e6),
      },
      lastDeadLetters: this.letters.slice().reverse(),
    };
  }

  private add(delta: Partial<Totals>): void {
    const second = Math.floor(this.wallNow() / 1000);
    const bucket = this.buckets[second % this.buckets.length];
    if (bucket.second !== second) {
      bucket.second = second;
      bucket.t = zero();
    }
    for (const [k, v] of Object.entries(delta) as Array<[keyof Totals, number]>) {
      const n = Number.isFinite(v) && v > 0 ? v : 0;
      this.totals[k] += n;
      bucket.t[k] += n;
    }
  }
}
