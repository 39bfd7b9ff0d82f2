/**
 * The pause reasons: one registry (issue 15). Everything that treats reasons
 * differently reads it here: PauseControl (which reasons exist), the metrics
 * labels, the supervisor's rules for the idle probe's trial fetch and for
 * batches that arrive while paused, the `firehose` readiness indicator, the
 * README table (`npm run docs:config`) and the dashboard test. Adding a reason
 * is one entry; `satisfies` makes the compiler check every field of it, and
 * every `switch` over PauseReason finds the new case.
 */

export interface PauseReasonSpec {
  /** The metric label value (`wsqc_pause_active{reason}` and friends). */
  readonly label: string;
  /** What holds it, for the README. */
  readonly heldWhile: string;
  /**
   * Firehose is not taking requests: while only such reasons hold, the idle probe
   * may let one batch of one partition through to try it (src/kafka/trial-fetch.ts).
   */
  readonly trialMayPass: boolean;
  /**
   * "Start nothing": a batch fetched before the pause reached kafkajs is left
   * unresolved while it holds (fetched again on resume), and an open trial fetch
   * is cancelled (issue 13, defect 4).
   */
  readonly leavesBatches: boolean;
  /** The `firehose` readiness indicator: DOWN while it holds, UP with a warning, or unaffected. */
  readonly readiness: 'down' | 'warn' | 'none';
}

export const PAUSE_REASON_SPECS = {
  RATE_LIMIT: {
    label: 'rate_limit',
    heldWhile: 'the client-side rate limiter asks for a pause',
    trialMayPass: false,
    leavesBatches: false,
    readiness: 'none',
  },
  BUFFER_FULL: {
    label: 'buffer_full',
    heldWhile: 'Firehose throttled a request or a record; lifts on an unthrottled answer `firehose.retry.throttleQuietMs` after the last throttle',
    trialMayPass: true,
    leavesBatches: false,
    readiness: 'warn',
  },
  NETWORK: {
    label: 'network',
    heldWhile: 'three whole requests in a row failed with a transient error; lifts on any answer',
    trialMayPass: true,
    leavesBatches: false,
    readiness: 'down',
  },
  DOWNSTREAM_ERROR: {
    label: 'downstream_error',
    heldWhile: 'the Firehose circuit is open or half-open, or the worker circuit is open (F3; half-open fetches its trial)',
    trialMayPass: false,
    leavesBatches: true,
    readiness: 'down',
  },
  IN_FLIGHT_CAP: {
    label: 'in_flight_cap',
    heldWhile: 'the in-flight budget `flow.maxInFlightBytes` is spent (fetched, encoding, awaiting Firehose; until it drains below 75 %)',
    trialMayPass: false,
    leavesBatches: false,
    readiness: 'none',
  },
  MANUAL: {
    label: 'manual',
    heldWhile: '`POST /admin/pause`, until `POST /admin/resume` (which lifts only this reason)',
    trialMayPass: false,
    leavesBatches: true,
    readiness: 'none',
  },
} as const satisfies Record<string, PauseReasonSpec>;

export type PauseReason = keyof typeof PAUSE_REASON_SPECS;
export type PauseReasonLabel = (typeof PAUSE_REASON_SPECS)[PauseReason]['label'];

export const PAUSE_REASONS = Object.keys(PAUSE_REASON_SPECS) as readonly PauseReason[];

export function isPauseReason(reason: string): reason is PauseReason {
  return Object.prototype.hasOwnProperty.call(PAUSE_REASON_SPECS, reason);
}

/** The metric label of a reason: RATE_LIMIT → rate_limit. */
export function pauseReasonLabel(reason: PauseReason): PauseReasonLabel {
  return PAUSE_REASON_SPECS[reason].label;
}

/** Whether the idle probe's trial fetch may pass while exactly these reasons hold (and at least one does). */
export function trialMayPass(reasons: readonly PauseReason[]): boolean {
  return reasons.length > 0 && reasons.every((r) => PAUSE_REASON_SPECS[r].trialMayPass);
}

/** The held reasons that mean "start nothing" (a fetched batch is left unresolved). */
export function reasonsLeavingBatches(reasons: readonly PauseReason[]): PauseReason[] {
  return reasons.filter((r) => PAUSE_REASON_SPECS[r].leavesBatches);
}

/** The held reasons that take the `firehose` readiness indicator DOWN, or leave it UP with a warning. */
export function readinessOf(reasons: readonly string[], effect: 'down' | 'warn'): string[] {
  return reasons.filter((r) => isPauseReason(r) && PAUSE_REASON_SPECS[r].readiness === effect);
}

/** The README table of the reasons (between the PAUSE-REASONS markers, `npm run docs:config`). */
export function pauseReasonTable(): string {
  const rows = PAUSE_REASONS.map((r) => {
    const s: PauseReasonSpec = PAUSE_REASON_SPECS[r];
    const readiness = s.readiness === 'down' ? 'DOWN' : s.readiness === 'warn' ? 'UP, warning' : '—';
    return `| \`${r}\` (\`${s.label}\`) | ${s.heldWhile} | ${s.trialMayPass ? 'yes' : 'no'} | ${s.leavesBatches ? 'yes' : 'no'} | ${readiness} |`;
  });
  return ['| reason (label) | held while | trial fetch may pass | batches left for after the resume | readiness (`firehose`) |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}
