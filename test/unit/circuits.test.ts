import { expect } from 'chai';
import { Registry } from 'prom-client';
import { createCircuits } from '../../src/circuits';
import { loadConfig } from '../../src/config';
import { PauseControl } from '../../src/flow/pause-control';
import { HealthState } from '../../src/health/state';
import { createEvents, createMetrics } from '../../src/metrics';
import { FakeClock } from '../support/fakes';
import { createRecordingLogger, seriesValue } from './metrics-helpers';

const config = loadConfig({ env: {}, argv: [] });

function setup() {
  const clock = new FakeClock(1_000);
  const registry = new Registry();
  const logger = createRecordingLogger();
  const events = createEvents(createMetrics(registry, { defaultMetrics: false }), logger);
  const circuits = createCircuits(config, { clock, health: new HealthState(clock), events, pause: new PauseControl(clock) });
  const circuitLines = () => logger.entries.filter((e) => e.message.startsWith('circuit '));
  return { clock, registry, circuits, circuitLines };
}

describe('circuits: transitions reach the log and the metrics, and nothing else does', () => {
  it('starting the circuits logs no transition and counts none; the state gauges read closed', async () => {
    const { registry, circuits, circuitLines } = setup();
    try {
      expect(circuitLines()).to.deep.equal([]);
      for (const circuit of ['firehose', 'kafka', 'worker']) {
        expect(await seriesValue(registry, 'wsqc_circuit_state', { circuit }), circuit).to.equal(0);
        expect(await seriesValue(registry, 'wsqc_circuit_transitions_total', { circuit, to: 'closed' }), circuit).to.equal(undefined);
      }
    } finally {
      circuits.stop();
    }
  });

  it('a real transition logs once, with no field whose value is undefined', async () => {
    const { clock, registry, circuits, circuitLines } = setup();
    try {
      circuits.firehose.open('ResourceNotFoundException');
      circuits.firehose.open('ResourceNotFoundException'); // the same reason again is no transition
      await clock.advance(5_000);
      circuits.firehose.close();
      circuits.firehose.close(); // already closed
      expect(circuitLines().map((e) => [e.level, e.message, e.meta])).to.deep.equal([
        ['error', 'circuit open', { circuit: 'firehose', to: 'open', from: 'closed', reason: 'ResourceNotFoundException' }],
        ['info', 'circuit closed', { circuit: 'firehose', to: 'closed', from: 'open' }],
      ]);
      for (const e of circuitLines()) expect(Object.entries(e.meta ?? {}).filter(([, v]) => v === undefined), e.message).to.deep.equal([]);
      expect(await seriesValue(registry, 'wsqc_circuit_transitions_total', { circuit: 'firehose', to: 'open' })).to.equal(1);
      expect(await seriesValue(registry, 'wsqc_circuit_transitions_total', { circuit: 'firehose', to: 'closed' })).to.equal(1);
      expect(await seriesValue(registry, 'wsqc_circuit_state', { circuit: 'firehose' })).to.equal(0);
    } finally {
      circuits.stop();
    }
  });
});
