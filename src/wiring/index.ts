/** The wiring room: adapters that carry one room's events into another (issue 15, DESIGN "Rooms"). */
export { startAdmin } from './admin';
export { Closers } from './closers';
export { createCircuits, type Circuits } from './circuits';
export { wireDelivery } from './dispatch-observer';
export { firehoseProbers } from './firehose-probes';
export { wireConsumerEvents } from './kafka-events';
export { createOperations, reportDeadLetter, type Operations } from './operations';
export { wireOutage, wirePauseEvents, wireRateControl, wireRateGauges } from './pause-events';
export { supervisorEvents } from './supervisor-events';
export { instrumentedUnits } from './unit-instrumentation';
