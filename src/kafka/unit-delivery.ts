/**
 * Delivering one encoded result of a unit: the messages the worker refused go
 * to the dead-letter topic first (they must be acknowledged before the unit
 * can be), then the records go to Firehose — one `deliver` call for the whole
 * unit through the coalescer, or one per planned sub-batch under the request
 * slots — and records Firehose refuses as invalid are dead-lettered as
 * FIREHOSE_REJECTED with every message they carry.
 */
import type { KafkaMessage } from 'kafkajs';
import type { Semaphore } from '../flow/semaphore';
import type { UnitResult } from '../pipeline/wire';
import type { DeadLetter, DeadLetterSink } from './dead-letter';
import { letter, type DeliveryPort, type Unit, type UnitReport } from './unit';

export interface UnitDeliveryPorts {
  dispatcher: DeliveryPort;
  deadLetters: DeadLetterSink;
  requestSlots?: Semaphore;
}

export async function deliverResult(ports: UnitDeliveryPorts, unit: Unit, messages: KafkaMessage[], result: UnitResult, signal: AbortSignal, report: UnitReport): Promise<void> {
  report.rawBytes += result.rawBytes;
  report.encodedBytes += result.encodedBytes;
  // Dead letters first: they must be acknowledged before the unit can be.
  if (result.rejected.length > 0) {
    const letters = result.rejected.map((r) => letter(unit, messages[r.index], r.code, r.reason, 1));
    await ports.deadLetters.send(letters, signal);
    report.deadLettered += letters.length;
  }
  const data = new Uint8Array(result.data);
  const record = (r: number): Uint8Array => data.subarray(result.recordBounds[r], result.recordBounds[r + 1]);
  const refused: DeadLetter[] = [];
  const slots = ports.requestSlots;
  const recordCount = result.recordBounds.length - 1;
  const calls = slots ? result.batches : recordCount > 0 ? [{ firstRecord: 0, endRecord: recordCount }] : [];
  const deliverCall = async (b: { firstRecord: number; endRecord: number }): Promise<void> => {
    const records: Uint8Array[] = [];
    for (let r = b.firstRecord; r < b.endRecord; r++) records.push(record(r));
    const delivery = await ports.dispatcher.deliver(records, signal);
    report.requests += 1;
    for (const rej of delivery.rejected ?? []) {
      const r = b.firstRecord + rej.index;
      for (let k = result.recordMessageBounds[r] as number; k < (result.recordMessageBounds[r + 1] as number); k++) {
        refused.push(letter(unit, messages[result.recordMessages[k] as number] as KafkaMessage, 'FIREHOSE_REJECTED', rej.message, 1));
      }
    }
  };
  await Promise.all(calls.map((b) => (slots ? slots.with(() => deliverCall(b), signal) : deliverCall(b))));
  if (refused.length > 0) {
    await ports.deadLetters.send(refused, signal);
    report.deadLettered += refused.length;
  }
  report.records += result.recordBounds.length - 1;
  report.delivered += result.recordMessages.length - refused.length;
}
