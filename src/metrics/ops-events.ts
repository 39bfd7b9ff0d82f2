/**
 * The operations metrics of issue 7, each set in one place (STYLE: one
 * function per notable event). Kept apart from ./events.ts so the control
 * layer's events and these do not grow one file past its second idea.
 *
 *   wsqc_poll_processing_seconds      one eachBatch call (kafkajs END_BATCH_PROCESS duration)
 *   wsqc_worker_pool_utilization      Piscina's utilisation, sampled before each scrape
 *   wsqc_worker_pool_queue_depth      tasks waiting for a thread, sampled before each scrape
 *   wsqc_end_to_end_latency_seconds   Kafka message timestamp → acknowledgement of the unit
 *                                     holding it (its last Firehose record acked), per message
 *   wsqc_duplicates_resent_total      messages that may reach S3 twice (see below)
 *   wsqc_certificate_expiry_days      per keystore/truststore certificate (by CN)
 *   wsqc_health_status / wsqc_health_indicator_status   1 up, 0 down
 *
 * wsqc_duplicates_resent_total{cause}, precisely:
 *   cause="timeout"    records of a PutRecordBatch that timed out and is sent
 *                      again: Firehose may have accepted the first copy;
 *   cause="rebalance"  messages of a unit abandoned uncommitted (its partition
 *                      was revoked, or the drain deadline of a stop passed):
 *                      the partition's next owner fetches them again, so the
 *                      ones already sent arrive twice.
 */
import type { Logger } from '../logging/types';
import type { PoolStats } from '../pool/pool';
import type { CertificateStore, DuplicateCause, Metrics, ProbeLabel } from './catalog';


/** The CN of an "CN=a, O=b" subject (a bounded label), else the whole subject cut to 64 characters. */
export function commonName(subject: string): string {
  const m = /(?:^|,\s*)CN=([^,]+)/.exec(subject);
  return (m ? m[1] : subject).trim().slice(0, 64);
}

export interface OpsEvents {
  pollProcessed(seconds: number): void;
  poolSampled(stats: PoolStats): void;
  /** `timestampsMs`: the Kafka timestamps (epoch ms) of the messages acknowledged at `nowMs`. */
  acknowledged(timestampsMs: Iterable<number>, nowMs: number): void;
  duplicatesResent(cause: DuplicateCause, messages: number): void;
  certificateExpiry(store: CertificateStore, subject: string, days: number): void;
  /** What src/health/probes.ts reports each check to (its HealthGauges, structurally). */
  readonly healthGauges: { indicator(name: string, up: boolean): void; probe(probe: ProbeLabel, up: boolean): void };
}

export function createOpsEvents(metrics: Metrics, logger: Logger): OpsEvents {
  return {
    pollProcessed(seconds) {
      if (Number.isFinite(seconds) && seconds >= 0) metrics.pollProcessingSeconds.observe(seconds);
    },
    poolSampled(stats) {
      metrics.workerPoolUtilization.set(Number.isFinite(stats.utilization) ? stats.utilization : 0);
      metrics.workerPoolQueueDepth.set(stats.queueSize);
    },
    acknowledged(timestampsMs, nowMs) {
      for (const ts of timestampsMs) {
        // A producer clock ahead of ours gives a negative age: count it as 0, not drop it.
        if (Number.isFinite(ts) && ts > 0) metrics.endToEndLatencySeconds.observe(Math.max(0, nowMs - ts) / 1000);
      }
    },
    duplicatesResent(cause, messages) {
      if (!(messages > 0)) return;
      metrics.duplicatesResent.inc({ cause }, messages);
      logger.info('messages may be delivered twice', { cause, messages });
    },
    certificateExpiry(store, subject, days) {
      metrics.certificateExpiryDays.set({ store, subject: commonName(subject) }, days);
    },
    healthGauges: {
      indicator: (name, isUp) => metrics.healthIndicatorStatus.set({ indicator: name }, isUp ? 1 : 0),
      probe: (probe, isUp) => metrics.healthStatus.set({ probe }, isUp ? 1 : 0),
    },
  };
}
