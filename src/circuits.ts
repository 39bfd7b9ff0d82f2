/**
 * The three circuits and what they are wired to (composition, like
 * src/service.ts; the decisions are in src/flow/):
 *
 *  - firehose: the dispatcher opens it on a permanent error; the half-open
 *    probe in src/service.ts closes it. DOWNSTREAM_ERROR while not closed.
 *  - kafka: opened by a kafkajs CRASH (src/service.ts) or a lost group
 *    coordinator (`coordinator`, src/flow/coordinator-watch.ts); closed by the
 *    next join or successful heartbeat/commit. It pauses nothing.
 *  - worker (F3, src/flow/worker-circuit.ts): DOWNSTREAM_ERROR while open
 *    (half-open fetches the trial).
 * Every transition reaches health (readiness) and metrics
 * (wsqc_circuit_state, wsqc_circuit_transitions_total, one log line); the
 * state at start sets only the gauge: it is no transition, so it is neither
 * counted nor logged.
 */
import type { Clock } from './clock';
import type { AppConfig } from './config';
import { Circuit, type CircuitSnapshot } from './flow/circuit';
import { CoordinatorWatch } from './flow/coordinator-watch';
import type { PauseControl } from './flow/pause-control';
import { WorkerCircuit } from './flow/worker-circuit';
import type { HealthState } from './health/state';
import type { Events } from './metrics';

export interface Circuits {
  readonly firehose: Circuit;
  readonly kafka: Circuit;
  readonly worker: WorkerCircuit;
  readonly coordinator: CoordinatorWatch;
  snapshots(): CircuitSnapshot[];
  stop(): void;
}

export function createCircuits(config: AppConfig, deps: { clock: Clock; health: HealthState; events: Events; pause: PauseControl }): Circuits {
  const { clock, health, events, pause } = deps;
  const firehose = new Circuit('firehose', clock);
  const kafka = new Circuit('kafka', clock);
  const t = config.pool.brokenThreshold;
  const worker = new WorkerCircuit({ clock, probeIntervalMs: config.pool.brokenProbeIntervalMs, window: { size: t.window, ratio: t.ratio, minSamples: t.minSamples } });
  const all = [firehose, kafka, worker.circuit];
  for (const circuit of all) {
    health.circuit(circuit.snapshot());
    events.circuitStarted(circuit.name, stateLabel(circuit.snapshot()));
    circuit.onChange((now, before) => {
      health.circuit(now);
      events.circuitChanged(now.name, stateLabel(now), stateLabel(before), now.reason);
    });
  }
  const coordinator = new CoordinatorWatch({
    clock,
    lostAfterMs: config.kafka.consumer.coordinatorLostAfterMs,
    onLost: (reason) => kafka.open(reason),
    onBack: () => kafka.close(),
  });
  const downstream = (): void => void pause.set('DOWNSTREAM_ERROR', firehose.state !== 'closed' || worker.state === 'open');
  firehose.onChange(downstream);
  worker.circuit.onChange(downstream);
  return {
    firehose,
    kafka,
    worker,
    coordinator,
    snapshots: () => all.map((c) => c.snapshot()),
    stop: () => {
      worker.stop();
      coordinator.stop();
    },
  };
}

function stateLabel(s: CircuitSnapshot): 'closed' | 'half_open' | 'open' {
  return s.state === 'half-open' ? 'half_open' : s.state;
}
