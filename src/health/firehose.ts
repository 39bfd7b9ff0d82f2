/**
 * Readiness: `firehose` — the delivery stream is ACTIVE (DescribeDeliveryStream,
 * its answer reused for `describeCacheMs`, 30 s by default, so probes never
 * hammer the API), the Firehose circuit is not open (when the control layer
 * reports one), and fetching is not paused for a Firehose outage (pause reasons
 * NETWORK or DOWNSTREAM_ERROR): an outage can fail PutRecordBatch while
 * DescribeDeliveryStream still answers ACTIVE. Throttling (BUFFER_FULL) is
 * UP with a warning: the stream works, only slower.
 * Only the describe answer is cached: the circuit and the pause are read on
 * every check (the indicator's own cacheMs is 0), so readiness follows them at
 * once — when they are attached after the first probe, and when an outage or
 * an open circuit ends — instead of up to 30 s later (issue 13, defect 6).
 * DOWN carries the reason: the stream's status, the error of the describe call
 * (missing stream, access denied, an outage), or the circuit's reason.
 * Liveness never looks at Firehose: a pod waiting out an outage must stay alive.
 */
import { down, errorDetails, up, type Details, type Indicator } from './indicator';

/** Pause reasons that mean Firehose is not accepting requests. */
const OUTAGE_REASONS: ReadonlySet<string> = new Set(['NETWORK', 'DOWNSTREAM_ERROR']);

export interface CircuitView {
  readonly name: string;
  readonly state: 'closed' | 'open' | 'half-open';
  readonly sinceMs: number;
  readonly reason?: string;
}

export interface FirehoseHealthSource {
  streamName: string;
  describe(streamName: string, signal: AbortSignal): Promise<{ status: string }>;
  /** The Firehose circuit (src/flow/circuit.ts snapshot()), when wired. */
  circuit?(): CircuitView | undefined;
  /** Pause reasons currently held (src/flow/pause-control.ts). */
  pausedFor?(): readonly string[];
  /** Whether the last PutRecordBatch was answered (null before the first one). */
  lastRequestOk?(): boolean | null;
}

export function firehoseIndicator(source: FirehoseHealthSource, clock: { now(): number }, describeCacheMs = 30_000): Indicator {
  const describe = reusedFor(describeCacheMs, clock, (signal) => source.describe(source.streamName, signal));
  return {
    name: 'firehose',
    cacheMs: 0,
    check: async (signal) => {
      const circuit = source.circuit?.();
      const base: Details = {
        stream: source.streamName,
        ...(circuit ? { circuit: circuit.state, ...(circuit.reason ? { circuitReason: circuit.reason } : {}) } : {}),
        ...(source.lastRequestOk ? { lastRequestOk: source.lastRequestOk() } : {}),
      };
      let status: string;
      try {
        status = (await describe(signal)).status;
      } catch (err) {
        return down({ ...base, reason: 'DescribeDeliveryStream failed', ...errorDetails(err) });
      }
      if (circuit?.state === 'open') return down({ ...base, status, reason: `circuit open${circuit.reason ? `: ${circuit.reason}` : ''}` });
      if (status !== 'ACTIVE') return down({ ...base, status, reason: `stream is ${status}, not ACTIVE` });
      const paused = source.pausedFor?.() ?? [];
      const outage = paused.filter((r) => OUTAGE_REASONS.has(r));
      if (outage.length > 0) {
        return down({ ...base, status, reason: `stream ACTIVE, but PutRecordBatch is failing: fetching paused (${outage.join(', ')}) until Firehose answers again` });
      }
      if (paused.includes('BUFFER_FULL')) return up({ ...base, status, reason: 'stream ACTIVE', warning: 'Firehose is throttling: fetching paused (BUFFER_FULL)' });
      return up({ ...base, status, reason: 'stream ACTIVE' });
    },
  };
}

/**
 * `call`'s outcome (its answer or its error) reused for `cacheMs` after it
 * settled, a call in flight shared; as ./probes.ts caches whole results, for a
 * check whose other parts must be read afresh.
 */
function reusedFor<T>(cacheMs: number, clock: { now(): number }, call: (signal: AbortSignal) => Promise<T>): (signal: AbortSignal) => Promise<T> {
  let last: { outcome: Promise<T>; settledAt?: number } | undefined;
  return (signal) => {
    const settledAt = last?.settledAt;
    if (last && (settledAt === undefined || clock.now() - settledAt < cacheMs)) return last.outcome;
    const entry: { outcome: Promise<T>; settledAt?: number } = { outcome: Promise.resolve().then(() => call(signal)) };
    const settled = (): void => void (entry.settledAt = clock.now());
    entry.outcome.then(settled, settled);
    last = entry;
    return entry.outcome;
  };
}
