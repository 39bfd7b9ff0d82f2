/**
 * Unit cutting: a kafkajs batch of one partition is cut into consecutive
 * "units", the piece of work one Piscina task encodes. A unit is bounded in
 * message count (so one slow unit does not hold back many offsets) and in value
 * bytes (so the copy made by packUnit and the transfer stay bounded).
 *
 * Pure and order-preserving: concatenating the units gives back the input.
 */

import { packRuns } from './pack-runs';

/** Byte length of a message value; a tombstone (null value) counts as 0. */
export function valueBytes(message: { value: Buffer | null }): number {
  return message.value === null ? 0 : message.value.length;
}

/**
 * Consecutive slices of at most `maxMessages` messages and at most `maxBytes`
 * summed value bytes. A single message larger than `maxBytes` forms a unit of
 * its own (it is not split and not dropped: encodeUnit rejects it later if its
 * record would exceed the Firehose record limit).
 */
export function cutUnits<M extends { value: Buffer | null }>(
  messages: M[],
  maxMessages: number,
  maxBytes: number,
): M[][] {
  if (!Number.isInteger(maxMessages) || maxMessages < 1) {
    throw new RangeError(`maxMessages must be a positive integer, got ${maxMessages}`);
  }
  if (!(maxBytes > 0)) {
    throw new RangeError(`maxBytes must be positive, got ${maxBytes}`);
  }
  const sizes = messages.map(valueBytes);
  return packRuns(sizes, { maxItems: maxMessages, maxBytes }).map((r) => messages.slice(r.start, r.end));
}
