/**
 * What the supervisor reports (src/kafka/supervisor.ts SupervisorEvents),
 * carried to health, the delivery summary, the operations counters, the
 * metrics and the coordinator watch (a commit that succeeds proves the
 * coordinator is there; a rebalance means no heartbeats while joining).
 */
import type { CoordinatorWatch } from '../flow/coordinator-watch';
import type { HealthState } from '../health/state';
import type { SupervisorEvents } from '../kafka/supervisor';
import type { Logger } from '../logging/types';
import type { DeliverySummary } from '../metrics/delivery-summary';
import type { Events } from '../metrics/events';
import type { Operations } from './operations';

export interface SupervisorEventDeps {
  health: HealthState;
  summary: Pick<DeliverySummary, 'add'>;
  operations: Pick<Operations, 'onConsumed' | 'onUnitAcked' | 'onCommitted'>;
  events: Pick<Events, 'messagesConsumed' | 'unitAcked' | 'offsetsCommitted' | 'commitLag' | 'fatal'>;
  coordinator: Pick<CoordinatorWatch, 'succeeded' | 'failed' | 'leftGroup'>;
  logger: Logger;
}

export function supervisorEvents(deps: SupervisorEventDeps): SupervisorEvents {
  const { health, summary, operations, events, coordinator, logger } = deps;
  return {
    batchReceived: (topic, partition, count, bytes) => {
      events.messagesConsumed(topic, partition, count, bytes);
      operations.onConsumed(count, bytes);
    },
    unitAcked: (unit, report, seconds) => {
      health.progress();
      summary.add(report);
      operations.onUnitAcked(unit.messages.map((m) => Number(m.timestamp)), report.delivered, report.rawBytes);
      events.unitAcked(unit.topic, unit.partition, unit.messages.length, seconds);
    },
    kafkaRequestFailed: (what, err) => coordinator.failed(what, err),
    committed: (topic, partition, offset, highWatermark) => {
      coordinator.succeeded();
      events.offsetsCommitted(topic, partition, offset);
      operations.onCommitted();
      events.commitLag(topic, partition, Number(BigInt(highWatermark) - BigInt(offset)));
    },
    paused: (reason) => logger.info('consumer paused', { reason }),
    rebalancing: () => {
      health.rebalancing();
      coordinator.leftGroup(); // no heartbeats while joining
    },
    fatal: (err) => {
      health.fatal(err);
      events.fatal(err);
    },
  };
}
