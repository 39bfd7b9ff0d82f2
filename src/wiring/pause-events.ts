/**
 * The pause and the rate limiter, wired to the metrics and the log: every hold
 * and release of a pause reason is one event (log line and metrics), the rate
 * limiter's events go through ./rate-events.ts, and the bucket gauges are
 * sampled every second (they change with time, not only on events). The
 * outage flags hold and release their two pause reasons.
 */
import type { Clock } from '../clock';
import type { AppConfig } from '../config';
import { OutageFlag } from '../flow/outage';
import type { PauseControl } from '../flow/pause-control';
import { pauseReasonLabel } from '../flow/pause-reasons';
import type { RateControl, RateControlEvents } from '../flow/rate-control';
import type { Logger } from '../logging/types';
import type { Metrics } from '../metrics/catalog';
import type { Events } from '../metrics/events';
import { rateEvents, sampleRateGauges } from './rate-events';

export function wirePauseEvents(pause: PauseControl, events: Pick<Events, 'pauseHeld' | 'pauseReleased'>): PauseControl {
  pause.onChange((c) => {
    const holding = c.holding.map(pauseReasonLabel);
    if (c.kind === 'hold') events.pauseHeld(pauseReasonLabel(c.reason), holding);
    else events.pauseReleased(pauseReasonLabel(c.reason), c.heldMs / 1000, c.resumed, holding);
  });
  return pause;
}

export function wireRateControl(metrics: Metrics, events: Events, logger: Logger): RateControlEvents {
  return rateEvents(metrics, events, logger);
}

/** Samples the rate limiter's gauges every second; returns the stop function. */
export function wireRateGauges(rate: Pick<RateControl, 'state'>, metrics: Metrics): () => void {
  const timer = setInterval(() => sampleRateGauges(metrics, rate.state()), 1_000);
  timer.unref();
  return () => clearInterval(timer);
}

/** The Firehose outage flags (src/flow/outage.ts), holding BUFFER_FULL and NETWORK. */
export function wireOutage(config: AppConfig, clock: Clock, pause: PauseControl): OutageFlag {
  const outage = new OutageFlag(clock, { quietMs: config.firehose.retry.throttleQuietMs });
  outage.onChange(() => {
    pause.set('BUFFER_FULL', outage.bufferFull);
    pause.set('NETWORK', outage.network);
  });
  return outage;
}
