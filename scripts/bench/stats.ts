/**
 * Timing for the benchmark runner: warm-ups, then N timed rounds, summarised
 * as median / min / max. The median is the figure to quote: on a shared
 * 2-core machine the mean is dragged around by whichever neighbour happened to
 * run during one round, the median is not.
 */

export interface RoundPlan {
  warmups: number;
  rounds: number;
}

export interface Summary {
  /** Milliseconds per round. */
  medianMs: number;
  minMs: number;
  maxMs: number;
  rounds: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function summarize(samplesMs: readonly number[]): Summary {
  return {
    medianMs: median(samplesMs),
    minMs: Math.min(...samplesMs),
    maxMs: Math.max(...samplesMs),
    rounds: samplesMs.length,
  };
}

/**
 * A round is `setup` (untimed: fresh buffers, since a transfer detaches them)
 * then `run` (timed with the monotonic high-resolution clock).
 */
export interface Round<S> {
  setup: () => S | Promise<S>;
  run: (state: S) => void | Promise<void>;
}

export interface RoundTimes {
  /** Wall-clock ms per timed round. */
  wallMs: number[];
  /**
   * Process CPU ms (user + system, every thread of the process, so the
   * pool's workers too) per timed round. cpu / wall is the number of cores the
   * round kept busy: below what a case should reach means the neighbours took
   * the rest.
   */
  cpuMs: number[];
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

/** Runs warm-ups, then timed rounds. */
export async function timeRounds<S>(plan: RoundPlan, round: Round<S>): Promise<RoundTimes> {
  const times: RoundTimes = { wallMs: [], cpuMs: [] };
  for (let i = 0; i < plan.warmups + plan.rounds; i++) {
    const state = await round.setup();
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    await round.run(state);
    const elapsedNs = process.hrtime.bigint() - start;
    const cpuMs = cpuMsSince(cpu);
    if (i >= plan.warmups) {
      times.wallMs.push(Number(elapsedNs) / 1e6);
      times.cpuMs.push(cpuMs);
    }
  }
  return times;
}

/** Convenience for rounds that need no untimed setup. */
export function timeSimple(plan: RoundPlan, run: () => void | Promise<void>): Promise<RoundTimes> {
  return timeRounds(plan, { setup: () => undefined, run });
}

/** Median over rounds of cpu / wall: how many cores the rounds kept busy. */
export function coresBusy(times: RoundTimes): number {
  return median(times.wallMs.map((w, i) => times.cpuMs[i] / w));
}

/** MB (10^6 bytes) per second for `bytes` handled in `ms`. */
export function mbPerSecond(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000);
}

export function perSecond(count: number, ms: number): number {
  return count / (ms / 1000);
}
