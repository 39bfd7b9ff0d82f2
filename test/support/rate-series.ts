/**
 * Measuring a rate-limited run (issue 6 scenario 4): pure functions over
 * (time, count) events — units admitted by the limiter, or entries Firehose
 * accepted — so the measurement itself is unit-tested (test/unit/flow-rate-series.test.ts).
 *
 * The interval-refill bucket (src/flow/interval-bucket.ts) releases its tokens in
 * steps: every refill (1 s) a group of units is admitted within a few ms, and a
 * fetch round that starts with banked tokens admits them at once. A rate read
 * over fixed windows is off by a whole step at each edge (75 messages in a 2 s
 * window is ±37.5 msg/s); read between two steps it is exact:
 *
 *   moments:  events closer than `gapMs` are one step (one refill's admissions);
 *   steady:   from the end of the 2nd moment to the end of the next-to-last —
 *             the 1st is the start-up burst (a full bucket, 150), the last is the
 *             tail (the work ran out before the tokens did) —
 *             rate = messages in moments 3 … k-1 / (t[k-1] - t[2]).
 *
 * Banked tokens at a later round's start stay in the window: they make up for the
 * gap before it, so a limiter that wastes no tokens reads exactly its rate, and
 * one whose pause idles the consumer past the bucket's capacity reads less.
 */

export interface RateEvent {
  readonly atMs: number;
  readonly count: number;
}

/** Groups events (sorted or not) into steps: a step ends where the next event is more than `gapMs` later. */
export function moments(events: readonly RateEvent[], gapMs: number): RateEvent[] {
  const sorted = [...events].filter((e) => e.count > 0).sort((a, b) => a.atMs - b.atMs);
  const out: Array<{ atMs: number; count: number }> = [];
  let lastAt = Number.NEGATIVE_INFINITY;
  for (const e of sorted) {
    if (out.length > 0 && e.atMs - lastAt <= gapMs) out[out.length - 1].count += e.count;
    else out.push({ atMs: e.atMs, count: e.count });
    lastAt = e.atMs;
  }
  return out;
}

export interface SteadyRate {
  /** Per second over the steady window; NaN when there are fewer than 4 moments. */
  readonly perSecond: number;
  readonly fromMs: number;
  readonly toMs: number;
  readonly spanS: number;
  readonly messages: number;
  readonly moments: number;
}

/** The steady rate of a series (see the file comment). */
export function steadyRate(events: readonly RateEvent[], gapMs: number): SteadyRate {
  const m = moments(events, gapMs);
  if (m.length < 4) return { perSecond: Number.NaN, fromMs: Number.NaN, toMs: Number.NaN, spanS: 0, messages: 0, moments: m.length };
  const from = m[1];
  const to = m[m.length - 2];
  const messages = m.slice(2, m.length - 1).reduce((n, x) => n + x.count, 0);
  const spanS = (to.atMs - from.atMs) / 1000;
  return { perSecond: messages / spanS, fromMs: from.atMs, toMs: to.atMs, spanS, messages, moments: m.length };
}

/**
 * The longest time between two steps. With a backlog in hand, a gap longer than the
 * bucket's capacity in time (150 tokens / 75 per s = 2 s) means refills overflowed
 * a full bucket: the consumer idled and the long-run rate fell below the configured one.
 */
export function longestGapMs(events: readonly RateEvent[], gapMs: number): number {
  const m = moments(events, gapMs);
  let longest = 0;
  for (let i = 1; i < m.length; i++) longest = Math.max(longest, m[i].atMs - m[i - 1].atMs);
  return longest;
}

/** Per-window rates (per second) from `t0`, for printing rate over time; windows with no event read 0. */
export function perWindow(events: readonly RateEvent[], t0: number, windowMs: number, until: number): number[] {
  const out = new Array<number>(Math.max(1, Math.ceil((until - t0) / windowMs))).fill(0);
  for (const e of events) {
    const i = Math.floor((e.atMs - t0) / windowMs);
    if (i >= 0 && i < out.length) out[i] += e.count / (windowMs / 1000);
  }
  return out;
}
