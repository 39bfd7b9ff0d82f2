/**
 * The request coalescer's observer (src/firehose/coalescer.ts), wired to the
 * metrics catalog. The request-size metrics (wsqc_records_per_request,
 * wsqc_bytes_per_request) stay with the dispatcher, per attempt; these say how
 * well the coalescer fills them: units per request, why each was cut, how
 * long records waited, and what waits now.
 */
import type { CoalescerObserver } from '../firehose/coalescer';
import type { Metrics } from '../metrics/catalog';

export function coalesceObserver(metrics: Metrics): CoalescerObserver {
  return {
    flushed(request) {
      metrics.coalesceUnitsPerRequest.observe(request.callers);
      metrics.coalesceFlushes.inc({ trigger: request.trigger });
      metrics.coalesceWaitSeconds.observe(request.waitedMs / 1000);
    },
    queued(bytes) {
      metrics.coalesceQueuedBytes.set(bytes);
    },
  };
}
