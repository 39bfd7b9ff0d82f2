/**
 * kafkajs's own log lines, routed to our structured logger (its logCreator).
 *
 * Start-up retries are not errors. On every start kafkajs logs at ERROR
 * "Response GroupCoordinator ... The group coordinator is not available" while
 * the broker loads the __consumer_offsets partition for the group, and then
 * succeeds on its own retry (Kafka's FindCoordinator returns
 * COORDINATOR_NOT_AVAILABLE / COORDINATOR_LOAD_IN_PROGRESS until then:
 * https://kafka.apache.org/protocol#protocol_error_codes). Such a coordinator
 * error is logged at info while its streak is younger than `persistAfterMs`
 * (default 60 s), and at ERROR again once it persists, so a real coordinator
 * outage still shows. Every other kafkajs error stays an error.
 *
 * kafkajs's numeric request `correlationId` is renamed `kafkaCorrelationId`:
 * `correlationId` names our units (src/logging/context.ts).
 */
import { logLevel, type LogEntry } from 'kafkajs';
import type { Logger } from '../logging/types';

const TRANSIENT = /group coordinator is not available|coordinator is loading|not the correct coordinator/i;
/** A quiet gap this long ends a streak: the next occurrence is a new start-up retry. */
const STREAK_GAP_MS = 120_000;

export class TransientErrorStreak {
  private firstAt: number | null = null;
  private lastAt = -Infinity;

  constructor(private readonly persistAfterMs = 60_000) {}

  /** Whether an error seen at `now` is still a transient retry (true) or has persisted (false). */
  transient(now: number): boolean {
    if (this.firstAt === null || now - this.lastAt > STREAK_GAP_MS) this.firstAt = now;
    this.lastAt = now;
    return now - this.firstAt < this.persistAfterMs;
  }
}

export function kafkaLogRouter(logger: Logger, now: () => number = Date.now, streak = new TransientErrorStreak()): (entry: LogEntry) => void {
  return (entry) => {
    const { message, ...rest } = entry.log;
    const meta: Record<string, unknown> = { component: 'kafkajs', namespace: entry.namespace, ...sanitize(rest) };
    const text = String(message);
    let level = entry.level;
    if (level === logLevel.ERROR && TRANSIENT.test(String(rest.error ?? '')) && streak.transient(now())) {
      level = logLevel.INFO;
      meta.retrying = 'kafkajs retries this on its own (normal while the broker loads the group)';
    }
    switch (level) {
      case logLevel.ERROR:
        logger.error(text, meta);
        break;
      case logLevel.WARN:
        logger.warn(text, meta);
        break;
      case logLevel.INFO:
        logger.info(text, meta);
        break;
      default:
        logger.debug(text, meta);
    }
  };
}

/** kafkajs log extras may carry buffers or huge structures; keep scalars only. */
function sanitize(extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(extra)) {
    if (k === 'timestamp' || k === 'logger') continue;
    if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) out[k === 'correlationId' ? 'kafkaCorrelationId' : k] = v;
  }
  return out;
}
