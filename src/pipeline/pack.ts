/**
 * Copy-once packing (DESIGN invariant 6). kafkajs hands us message values that
 * are Buffer views into its large fetch buffer; posting such a view to a worker
 * would structured-clone the *whole* backing buffer, and transferring it would
 * detach memory kafkajs still uses. So the supervisor copies a unit's values
 * exactly once into one freshly allocated ArrayBuffer, with an offset table,
 * and transfers that buffer to the worker.
 */
import type { MessageMeta } from './wire';

export interface PackableMessage {
  value: Buffer | null;
  offset: string;
  timestamp: string;
  key: Buffer | null;
}

export interface PackedUnit {
  /** Owned, exactly sized, transferable: never a slice of Buffer's shared pool. */
  values: ArrayBuffer;
  /** length = messages + 1; message i is values[valueBounds[i], valueBounds[i+1]). */
  valueBounds: Uint32Array;
  meta: MessageMeta[];
}

/** The bounds table is Uint32, so a unit must stay below 4 GiB (units are a few MiB). */
const MAX_UNIT_BYTES = 0xffff_ffff;

/**
 * Tombstones (null values) become 0-length entries; encodeUnit decides what to
 * do with them (rejected as INVALID_JSON when validating, encoded as an empty
 * message otherwise).
 */
export function packUnit(messages: readonly PackableMessage[]): PackedUnit {
  const valueBounds = new Uint32Array(messages.length + 1);
  let total = 0;
  for (let i = 0; i < messages.length; i++) {
    total += messages[i].value?.length ?? 0;
    valueBounds[i + 1] = total;
  }
  if (total > MAX_UNIT_BYTES) {
    throw new RangeError(`unit of ${total} bytes exceeds the 4 GiB bounds table`);
  }
  // allocUnsafeSlow, not Buffer.allocUnsafe: small allocUnsafe buffers are
  // slices of a shared 8 KiB pool, and transferring that pool would detach
  // other Buffers' memory; allocUnsafeSlow always owns its whole ArrayBuffer.
  // Not `new ArrayBuffer` either: that zero-fills what the copy below overwrites
  // at once (10 MB: 3.8 ms zero-filled and written, 0.9 ms written only, issue 12).
  const target = Buffer.allocUnsafeSlow(total);
  const values = target.buffer as ArrayBuffer;
  const meta: MessageMeta[] = new Array<MessageMeta>(messages.length);
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (m.value !== null && m.value.length > 0) target.set(m.value, valueBounds[i]);
    meta[i] = { offset: m.offset, timestamp: m.timestamp, key: m.key === null ? null : m.key.toString('utf8') };
  }
  return { values, valueBounds, meta };
}

/** A zero-copy view of message i of a packed unit. */
export function messageView(values: ArrayBuffer, valueBounds: Uint32Array, index: number): Uint8Array {
  const start = valueBounds[index];
  return new Uint8Array(values, start, valueBounds[index + 1] - start);
}
