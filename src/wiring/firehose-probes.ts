/**
 * The two Firehose probes (src/flow/prober.ts), wired to the circuit, the
 * outage flags and the supervisor:
 *
 *  - firehose-circuit: DescribeDeliveryStream every `firehose.probe.circuitIntervalMs`
 *    while the Firehose circuit is open; half-open before, closed on ACTIVE,
 *    open again (with the error's name) otherwise.
 *  - firehose-idle (F1): while an outage flag holds and nothing is in flight
 *    (src/flow/outage.ts idleProbeDue). DescribeDeliveryStream answering does not
 *    prove PutRecordBatch works (it answers through a data-plane outage), so its
 *    answer only lets one batch of one partition through (src/kafka/trial-fetch.ts):
 *    the pause lifts when that real request is answered; with every partition
 *    tried and nothing fetched there is nothing to send, and the flags lift.
 */
import type { Clock } from '../clock';
import type { AppConfig } from '../config';
import { AppError, errorLabel } from '../errors';
import type { FirehosePort } from '../firehose/client';
import type { Circuit } from '../flow/circuit';
import type { OutageFlag } from '../flow/outage';
import { Prober } from '../flow/prober';
import type { Logger } from '../logging/types';

export interface FirehoseProbeDeps {
  clock: Clock;
  logger: Logger;
  firehose: Pick<FirehosePort, 'checkStream'>;
  circuit: Circuit;
  outage: OutageFlag;
  nothingInFlight(): boolean;
  /** The supervisor's trial fetch: the partition tried, 'idle' when every one was tried without a batch. */
  probeFetch(): unknown;
}

export function firehoseProbers(config: AppConfig, deps: FirehoseProbeDeps): { stop(): Promise<void> } {
  const { clock, logger, circuit, outage } = deps;
  const stream = config.firehose.streamName;
  const streamActive = async (signal: AbortSignal): Promise<void> => {
    const { status } = await deps.firehose.checkStream(stream, signal);
    if (status !== 'ACTIVE') throw new AppError('FIREHOSE_STREAM_NOT_ACTIVE', `delivery stream '${stream}' is ${status}`);
  };
  const probes = [
    new Prober({
      name: 'firehose-circuit',
      clock,
      logger,
      intervalMs: config.firehose.probe.circuitIntervalMs,
      due: () => circuit.state === 'open',
      beforeProbe: () => circuit.halfOpen(),
      probe: streamActive,
      onSuccess: () => circuit.close(),
      // The reason names the error (e.g. ResourceNotFoundException), not only its text.
      onFailure: (err) => circuit.open(`probe: ${errorLabel(err)}`),
    }),
    new Prober({
      name: 'firehose-idle',
      clock,
      logger,
      intervalMs: config.firehose.probe.idleIntervalMs,
      due: () => outage.idleProbeDue(deps.nothingInFlight(), circuit.state === 'closed'),
      probe: streamActive,
      onSuccess: () => {
        if (deps.probeFetch() === 'idle') outage.nothingToSend();
      },
      onFailure: () => undefined,
    }),
  ];
  probes.forEach((p) => p.start());
  return { stop: async () => void (await Promise.all(probes.map((p) => p.stop()))) };
}
