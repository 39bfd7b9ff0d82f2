/**
 * Readiness: `firehose` — the delivery stream is ACTIVE (DescribeDeliveryStream,
 * cached for `cacheMs`, 30 s by default, so probes never hammer the API), the
 * Firehose circuit is not open (when the control layer reports one), and
 * fetching is not paused for a Firehose outage (pause reasons NETWORK or
 * DOWNSTREAM_ERROR): an outage can fail PutRecordBatch while
 * DescribeDeliveryStream still answers ACTIVE. Throttling (BUFFER_FULL) is
 * UP with a warning: the stream works, only slower.
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

export function firehoseIndicator(source: FirehoseHealthSource, cacheMs = 30_000): Indicator {
  return {
    name: 'firehose',
    cacheMs,
    check: async (signal) => {
      const circuit = source.circuit?.();
      const base: Details = {
        stream: source.streamName,
        ...(circuit ? { circuit: circuit.state, ...(circuit.reason ? { circuitReason: circuit.reason } : {}) } : {}),
        ...(source.lastRequestOk ? { lastRequestOk: source.lastRequestOk() } : {}),
      };
      let status: string;
      try {
        status = (await source.describe(source.streamName, signal)).status;
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
