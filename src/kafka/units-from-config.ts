/**
 * The unit runner from the configuration: the encode options the workers are
 * told, the worker circuit, the Firehose delivery and the dead-letter sink.
 */
import type { Clock } from '../clock';
import type { AppConfig } from '../config';
import type { Delivery } from '../firehose/delivery';
import type { Logger } from '../logging/types';
import { encodeOptionsOf } from '../pipeline/encode-options';
import type { ConfiguredPool } from '../pool';
import type { DeadLetterSink } from './dead-letter';
import { UnitRunner, type UnitRunnerOptions, type WorkerGate } from './unit-runner';

export interface UnitDeps extends Delivery {
  pool: ConfiguredPool;
  deadLetters: DeadLetterSink;
  workerCircuit: WorkerGate;
  clock: Clock;
  logger: Logger;
  onWorkerFailure: UnitRunnerOptions['onWorkerFailure'];
  onEncoded: UnitRunnerOptions['onEncoded'];
}

export function unitRunnerFromConfig(config: AppConfig, deps: UnitDeps): UnitRunner {
  const { clock } = deps;
  return new UnitRunner({
    pool: deps.pool,
    dispatcher: deps.dispatcher,
    requestSlots: deps.requestSlots,
    deadLetters: deps.deadLetters,
    encodeOptions: encodeOptionsOf(config),
    encodeSlots: deps.pool.encodeSlots,
    logger: deps.logger,
    sleep: (ms, signal) => clock.sleep(ms, signal),
    now: () => clock.now(),
    onWorkerFailure: deps.onWorkerFailure,
    workerCircuit: deps.workerCircuit,
    exitOnBrokenWorker: config.pool.exitOnBrokenWorker,
    onEncoded: deps.onEncoded,
  });
}
