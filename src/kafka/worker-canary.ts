/**
 * The worker canary (issue 13, defect 5): a tiny, valid scan that a half-open
 * worker-circuit trial encodes through the same pool, with the same encode
 * options, right after a message failed in the worker on its own. It answers
 * the one question the messages cannot: is the worker broken, or is that
 * message poison? Without it a trial whose messages all crash the worker (a
 * run of poison, ten of which trip the failure window) looked like a broken
 * worker, and the circuit cycled open / half-open forever on the same unit
 * (kafkajs fetches no new round until every handler of the batch returns, so
 * no other unit could take the trial).
 *
 * It is never delivered, dead-lettered or counted as a message outcome. A
 * worker that encodes the canary but fails every real message (a bug that
 * only real data reaches) turns those messages into WORKER_CRASH dead letters,
 * each with its own reason; a replay re-drives them once the worker is fixed
 * (README "Dead letters").
 */
import type { KafkaMessage } from 'kafkajs';

/** Valid JSON of depth 1 (pipeline.maxJsonDepth is at least 1), far below every size limit. */
const CANARY_VALUE = '{"canary":"wsqc worker trial","bssid":"00:00:00:00:00:00","rssi":-50}';

/** A fresh canary message (offset -1: it comes from no partition). */
export function workerCanary(): KafkaMessage {
  return { key: null, value: Buffer.from(CANARY_VALUE), timestamp: '0', attributes: 0, offset: '-1', headers: {} };
}
