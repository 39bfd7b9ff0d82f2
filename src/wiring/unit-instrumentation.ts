/**
 * A unit's run, reported: the in-flight gauges and health's unit count, one
 * event when it starts and one when it fails or is abandoned (with the
 * duplicates an abandoned unit may cause), and the unit's correlation id on
 * every log line of its work (topic:partition:first-last).
 */
import { AbortedError } from '../errors';
import type { HealthState } from '../health/state';
import type { Unit, UnitReport } from '../kafka/unit-runner';
import { unitCorrelationId, withLogContext } from '../logging/context';
import type { Events } from '../metrics/events';
import type { Operations } from './operations';

export interface InstrumentedUnits {
  run(unit: Unit, signal: AbortSignal): Promise<UnitReport>;
  /** Units running now (the idle probe runs only when none is). */
  readonly inFlight: number;
}

export function instrumentedUnits(
  runner: { run(unit: Unit, signal: AbortSignal): Promise<UnitReport> },
  deps: {
    health: Pick<HealthState, 'setInflightUnits'>;
    events: Pick<Events, 'unitStarted' | 'inflight' | 'unitAbandoned' | 'unitFailed'>;
    operations: Pick<Operations, 'onUnitAbandoned' | 'onUnitFailed'>;
    gate: { readonly inFlightBytes: number };
  },
): InstrumentedUnits {
  const { health, events, operations, gate } = deps;
  let inFlight = 0;
  return {
    get inFlight() {
      return inFlight;
    },
    run: async (unit, signal) => {
      health.setInflightUnits(++inFlight);
      const bytes = unit.messages.reduce((n, m) => n + (m.value?.length ?? 0), 0);
      events.unitStarted(unit.topic, unit.partition, unit.messages.length, bytes);
      events.inflight(inFlight, gate.inFlightBytes);
      try {
        return await withLogContext({ correlationId: unitCorrelationId(unit) }, () => runner.run(unit, signal));
      } catch (err) {
        if (err instanceof AbortedError) operations.onUnitAbandoned(unit.messages.length);
        else operations.onUnitFailed(unit.messages.length);
        if (err instanceof AbortedError || signal.aborted) events.unitAbandoned(unit.topic, unit.partition, unit.messages.length, (err as Error).message);
        else events.unitFailed(unit.topic, unit.partition, err);
        throw err;
      } finally {
        health.setInflightUnits(--inFlight);
        events.inflight(inFlight, gate.inFlightBytes);
      }
    },
  };
}
