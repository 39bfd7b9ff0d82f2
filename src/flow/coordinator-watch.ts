/**
 * "Coordinator lost" for the kafka circuit (issue 6 §3: the kafka circuit
 * opens when "kafkajs crashed without restart, coordinator lost").
 *
 * What kafkajs 2.2.4 lets us see (read in node_modules/kafkajs/src):
 *  - a heartbeat or an offset commit of a batch in progress rejects
 *    (src/kafka/supervisor.ts reports both); the group coordinator answers
 *    NOT_COORDINATOR (kafkajs: NOT_COORDINATOR_FOR_GROUP, code 16) when it moved
 *    or COORDINATOR_NOT_AVAILABLE (GROUP_COORDINATOR_NOT_AVAILABLE, code 15)
 *    while none is elected; a stopped broker shows as KafkaJSConnectionError
 *    (ECONNREFUSED), a hung one as KafkaJSRequestTimeoutError;
 *  - consumer.events.HEARTBEAT is emitted only after a heartbeat succeeded
 *    (consumer/consumerGroup.js, heartbeat()); GROUP_JOIN after a join;
 *  - outside a batch, kafkajs retries fetch errors itself (consumer/runner.js
 *    retrier) and reports only the final CRASH (handled in src/wiring/kafka-events.ts).
 * A stopped broker therefore shows up as one or two failed requests of a
 * batch, or none at all (no batch in progress: kafkajs retries its fetch in
 * silence, consumer/runner.js retrier, BrokerPool "Failed to connect to seed
 * broker"), so the rule is silence, not a count of errors. kafkajs heartbeats
 * after every empty fetch and every batch, paused partitions included
 * (consumerGroup.fetch sleeps maxWaitTime and returns []), and the supervisor
 * heartbeats every second during a batch, so a member whose coordinator
 * answers sees HEARTBEAT at least every heartbeat interval (+ one fetch wait):
 *
 *  - a coordinator error on a heartbeat or commit → lost at once;
 *  - while a member of the group (between GROUP_JOIN and REBALANCING or stop),
 *    no heartbeat, commit or join succeeding for `lostAfterMs` → lost (keep
 *    it above the heartbeat interval: a rebalance is not watched, kafkajs
 *    sends no heartbeat while it joins);
 *  - the group's own protocol answers (REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION,
 *    UNKNOWN_MEMBER_ID) are a rebalance, not a lost coordinator;
 *  - any success → back (the circuit closes).
 * Time comes from the injected clock (tested with a fake one).
 */
import type { Clock } from '../clock';

export type KafkaFailureClass = 'coordinator' | 'transient' | 'rebalance';

const COORDINATOR_TYPES = new Set(['NOT_COORDINATOR', 'NOT_COORDINATOR_FOR_GROUP', 'COORDINATOR_NOT_AVAILABLE', 'GROUP_COORDINATOR_NOT_AVAILABLE']);
const REBALANCE_TYPES = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID']);

/** The kafkajs protocol error type (`err.type`), also looked for in a retry wrapper's cause. */
function protocolType(err: unknown): string | undefined {
  for (let e = err as { type?: unknown; cause?: unknown; originalError?: unknown } | null | undefined, depth = 0; e && depth < 5; depth++) {
    if (typeof e.type === 'string') return e.type;
    e = (e.cause ?? e.originalError) as typeof e;
  }
  return undefined;
}

export function classifyKafkaFailure(err: unknown): KafkaFailureClass {
  const type = protocolType(err);
  if (type !== undefined && COORDINATOR_TYPES.has(type)) return 'coordinator';
  if (type !== undefined && REBALANCE_TYPES.has(type)) return 'rebalance';
  return 'transient';
}

export interface CoordinatorWatchOptions {
  readonly clock: Clock;
  readonly lostAfterMs: number;
  /** The coordinator is lost (the kafka circuit opens with this reason). */
  onLost(reason: string): void;
  /** A heartbeat, commit or join succeeded after a loss (the circuit closes). */
  onBack(): void;
}

export class CoordinatorWatch {
  private lost = false;
  private member = false;
  private lastOkAt = 0;
  private lastFailure = '';
  private timer: AbortController | undefined;

  constructor(private readonly opts: CoordinatorWatchOptions) {
    if (!(opts.lostAfterMs > 0)) throw new RangeError(`coordinator lostAfterMs must be > 0, got ${opts.lostAfterMs}`);
  }

  get isLost(): boolean {
    return this.lost;
  }

  /** GROUP_JOIN: a member again; the silence bound runs from now. */
  joined(): void {
    this.member = true;
    this.succeeded();
  }

  /** REBALANCING, disconnect or stop: no heartbeats are due, nothing is watched. */
  leftGroup(): void {
    this.member = false;
    this.cancel();
  }

  /** A heartbeat or commit failed; `what` names the request ('heartbeat', 'commit'). */
  failed(what: string, err: unknown): void {
    const kind = classifyKafkaFailure(err);
    if (kind === 'rebalance') return;
    this.lastFailure = `${what} failed: ${describe(err)}`;
    if (kind === 'coordinator') this.markLost(`coordinator lost: ${what} answered ${describe(err)}`);
  }

  /** A heartbeat, commit or group join succeeded. */
  succeeded(): void {
    this.lastOkAt = this.opts.clock.now();
    this.lastFailure = '';
    if (this.member) this.arm();
    if (!this.lost) return;
    this.lost = false;
    this.opts.onBack();
  }

  /** Cancels the silence bound (shutdown). */
  stop(): void {
    this.leftGroup();
  }

  /** One timer, due when the silence would reach the bound; re-armed by every success. */
  private arm(): void {
    if (this.timer) return;
    const timer = new AbortController();
    this.timer = timer;
    const wait = Math.max(0, this.lastOkAt + this.opts.lostAfterMs - this.opts.clock.now());
    this.opts.clock.sleep(wait, timer.signal).then(
      () => {
        if (this.timer !== timer) return;
        this.timer = undefined;
        if (!this.member || this.lost) return;
        const silentMs = this.opts.clock.now() - this.lastOkAt;
        if (silentMs < this.opts.lostAfterMs) {
          this.arm(); // a success came in meanwhile
          return;
        }
        const after = this.lastFailure ? ` (last: ${this.lastFailure})` : '';
        this.markLost(`coordinator lost: no heartbeat or commit succeeded for ${Math.round(silentMs)} ms${after}`);
      },
      () => undefined,
    );
  }

  private markLost(reason: string): void {
    this.cancel();
    this.lost = true;
    this.opts.onLost(reason);
  }

  private cancel(): void {
    this.timer?.abort();
    this.timer = undefined;
  }
}

function describe(err: unknown): string {
  const e = err as { name?: unknown; type?: unknown; message?: unknown } | null;
  const tag = typeof e?.type === 'string' ? e.type : typeof e?.name === 'string' ? e.name : 'Error';
  return `${tag}: ${typeof e?.message === 'string' ? e.message : String(err)}`;
}
