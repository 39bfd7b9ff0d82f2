/**
 * kafkajs's instrumentation events, carried to health, the kafka circuit, the
 * coordinator watch, the operations counters and the metrics. The supervisor
 * listens to REBALANCING and GROUP_JOIN itself (it acts on them); these only
 * report, except CRASH: kafkajs restarts its consumer on a retriable error, and
 * without a restart it is gone for good, so consumption ends as fatal.
 */
import type { Consumer } from 'kafkajs';
import type { HealthState } from '../health/state';
import type { Logger } from '../logging/types';
import type { Events } from '../metrics/events';
import type { Circuits } from './circuits';
import type { Operations } from './operations';

export interface ConsumerEventDeps {
  health: HealthState;
  circuits: Pick<Circuits, 'kafka' | 'coordinator'>;
  events: Pick<Events, 'rebalance'>;
  operations: Pick<Operations, 'onAssignment' | 'onPoll' | 'onBatchProcessed'>;
  logger: Logger;
  /** kafkajs will not restart the consumer: end consumption as fatal. */
  fail(err: unknown): void;
}

export function wireConsumerEvents(consumer: Pick<Consumer, 'on' | 'events'>, deps: ConsumerEventDeps): void {
  const { health, events, operations, logger } = deps;
  const { kafka: kafkaCircuit, coordinator } = deps.circuits;
  const e = consumer.events;
  consumer.on(e.CONNECT, () => health.consumerConnected());
  consumer.on(e.GROUP_JOIN, (join) => {
    health.joinedGroup();
    coordinator.joined();
    kafkaCircuit.close();
    events.rebalance(join.payload.memberAssignment);
    operations.onAssignment(join.payload.memberAssignment);
  });
  consumer.on(e.HEARTBEAT, () => {
    operations.onPoll();
    coordinator.succeeded();
  });
  consumer.on(e.END_BATCH_PROCESS, (end) => operations.onBatchProcessed(end.payload.duration));
  consumer.on(e.DISCONNECT, () => {
    health.consumerDisconnected();
    coordinator.leftGroup();
  });
  consumer.on(e.CRASH, (crash) => {
    const { error, restart } = crash.payload;
    health.consumerCrashed(error, restart);
    coordinator.leftGroup(); // kafkajs restarts (a new join re-arms the watch) or the consumer is gone
    logger.error('kafka consumer crashed', { error: error.message, restart });
    kafkaCircuit.open(`${error.name}: ${error.message}${restart ? ' (kafkajs restarts)' : ''}`);
    if (!restart) deps.fail(error);
  });
  consumer.on(e.FETCH, () => {
    health.progress();
    operations.onPoll();
  });
}
