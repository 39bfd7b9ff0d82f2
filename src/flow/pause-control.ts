/**
 * Pause control: the one owner of "why is fetching paused". Each source holds
 * its own reason; fetching resumes only when no reason holds (issue 6 §4).
 * Pure (STYLE: "pause state is a pure class", after arroyo's MessageRejected →
 * pause and kafkajs's subscriptionState): no timers, no I/O; the clock only
 * stamps when a reason began, so durations are exact under a fake clock.
 *
 *   BackpressureGate ──IN_FLIGHT_CAP──┐
 *   rate limiter (H2) ──RATE_LIMIT────┤
 *   Firehose throttling ──BUFFER_FULL─┤
 *   Firehose 5xx/network ──NETWORK────┼──▶ PauseControl ──paused/resumed──▶ Supervisor ──▶ consumer.pause/resume
 *   Firehose circuit open ─DOWNSTREAM_ERROR┤                (re-applied after every GROUP_JOIN: F8)
 *   POST /admin/pause ──MANUAL────────┘
 *
 * The reasons and how each is treated: ./pause-reasons.ts (the one registry).
 * hold/release are idempotent: holding a reason already held keeps its original
 * start time; releasing one not held does nothing. Listeners hear each reason's
 * hold and release (with its duration) and whether the overall state flipped.
 */

import { isPauseReason, PAUSE_REASONS, type PauseReason } from './pause-reasons';

export type { PauseReason } from './pause-reasons';

export interface PauseSnapshot {
  paused: boolean;
  /** In the order they were taken; `sinceMs` is the clock time the reason was first held. */
  reasons: { reason: string; sinceMs: number }[];
}

export type PauseChange =
  | { readonly kind: 'hold'; readonly reason: PauseReason; readonly atMs: number; readonly wasPaused: boolean; readonly holding: readonly PauseReason[] }
  | {
      readonly kind: 'release';
      readonly reason: PauseReason;
      readonly atMs: number;
      /** How long this reason was held. */
      readonly heldMs: number;
      /** True when this release resumed fetching (no reason holds any more). */
      readonly resumed: boolean;
      readonly holding: readonly PauseReason[];
    };

export type PauseListener = (change: PauseChange) => void;

export class PauseControl {
  private readonly held = new Map<PauseReason, number>();
  private readonly listeners: PauseListener[] = [];

  constructor(private readonly clock: { now(): number }) {}

  get paused(): boolean {
    return this.held.size > 0;
  }

  get reasons(): readonly PauseReason[] {
    return [...this.held.keys()];
  }

  isHeld(reason: PauseReason): boolean {
    return this.held.has(reason);
  }

  /** Holds `reason`; returns true if it was not held before. */
  hold(reason: PauseReason): boolean {
    assertReason(reason);
    if (this.held.has(reason)) return false;
    const wasPaused = this.paused;
    const atMs = this.clock.now();
    this.held.set(reason, atMs);
    this.emit({ kind: 'hold', reason, atMs, wasPaused, holding: this.reasons });
    return true;
  }

  /** Releases `reason`; returns true if it was held. */
  release(reason: PauseReason): boolean {
    assertReason(reason);
    const since = this.held.get(reason);
    if (since === undefined) return false;
    this.held.delete(reason);
    const atMs = this.clock.now();
    this.emit({ kind: 'release', reason, atMs, heldMs: Math.max(0, atMs - since), resumed: !this.paused, holding: this.reasons });
    return true;
  }

  /** hold(reason) when `on`, else release(reason). */
  set(reason: PauseReason, on: boolean): boolean {
    return on ? this.hold(reason) : this.release(reason);
  }

  /** The snapshot with how long each reason has held so far (GET /api/metrics/kafka, the status page). */
  view(): { paused: boolean; reasons: Array<{ reason: string; sinceMs: number; heldMs: number }> } {
    const now = this.clock.now();
    const snap = this.snapshot();
    return { paused: snap.paused, reasons: snap.reasons.map((r) => ({ ...r, heldMs: Math.max(0, now - r.sinceMs) })) };
  }

  snapshot(): PauseSnapshot {
    return { paused: this.paused, reasons: [...this.held].map(([reason, sinceMs]) => ({ reason, sinceMs })) };
  }

  onChange(listener: PauseListener): void {
    this.listeners.push(listener);
  }

  private emit(change: PauseChange): void {
    for (const l of this.listeners) l(change);
  }
}

function assertReason(reason: string): asserts reason is PauseReason {
  if (!isPauseReason(reason)) {
    throw new RangeError(`unknown pause reason '${reason}' (expected one of ${PAUSE_REASONS.join(', ')})`);
  }
}
