/**
 * The whole per-unit job a worker runs: validate, (envelope), encode, reject
 * what can never be delivered, account sizes, (aggregate), copy every record
 * into ONE new ArrayBuffer and plan the PutRecordBatch sub-batches.
 *
 * Rejections are results, never exceptions: one bad message never fails the
 * unit; the supervisor dead-letters each rejection with its reason
 * (DESIGN invariant 2). Pure apart from zlib.
 */
import { encodeMessage, encodeMessageAsync, envelopeMessage, hasRawNewline, isLineDelimitedJson, newlinesToSpaces } from './formats';
import { messageView } from './pack';
import { aggregate, planSubBatches } from './plan';
import { addToSizeClasses, emptySizeClasses } from './size-classes';
import { validateJson } from './validate';
import type { EncodeOptions, MessageMeta, Rejection, RejectReason, UnitRequest, UnitResult } from './wire';

export interface EncodedUnit {
  result: UnitResult;
  /** Every buffer of `result` that should be moved, not cloned, back to the main thread. */
  transfer: ArrayBuffer[];
}

type Rejected = { ok: false; code: RejectReason; reason: string };
type Outcome = { ok: true; encoded: Buffer } | Rejected;

interface MessageContext {
  meta: MessageMeta;
  topic: string;
  partition: number;
  options: EncodeOptions;
}

/** A record must fit a record and a whole request; config keeps maxRecordBytes below maxBytesPerBatch anyway. */
function recordLimit(options: EncodeOptions): number {
  return Math.min(options.limits.maxRecordBytes, options.limits.maxBytesPerBatch);
}

function reject(code: RejectReason, reason: string): Rejected {
  return { ok: false, code, reason };
}

type Prepared = { ok: true; msg: Uint8Array } | Rejected;

/**
 * One message through the stages before encoding. JSON is checked when
 * validateJson is on (with the depth cap) and also when the envelope is on,
 * because the envelope splices the raw bytes in as a JSON value. Raw newlines
 * in the line-delimited formats: see formats.ts.
 */
function prepare(raw: Uint8Array, ctx: MessageContext): Prepared {
  const { options } = ctx;
  let msg: Uint8Array = raw;
  let knownValid = false;
  if (options.validateJson || options.envelope) {
    const depthCap = options.validateJson ? options.maxJsonDepth : Number.POSITIVE_INFINITY;
    const check = validateJson(msg, depthCap);
    if (!check.ok) return reject('INVALID_JSON', check.reason);
    knownValid = true;
  }
  if (isLineDelimitedJson(options.format) && hasRawNewline(msg)) {
    if (!knownValid) return reject('INVALID_JSON', 'raw newline in message');
    msg = newlinesToSpaces(msg);
  }
  if (options.envelope) msg = envelopeMessage(msg, ctx.meta, ctx.topic, ctx.partition);
  return { ok: true, msg };
}

/** The encoded record, or OVERSIZED when it cannot fit a record. */
function sizeChecked(encoded: Buffer, raw: Uint8Array, options: EncodeOptions): Outcome {
  const limit = recordLimit(options);
  if (encoded.length > limit) {
    return reject(
      'OVERSIZED',
      `encoded record is ${encoded.length} bytes, above the ${limit}-byte record limit (message is ${raw.length} bytes)`,
    );
  }
  return { ok: true, encoded };
}

/** An unexpected failure becomes an ENCODE_FAILED rejection, never a failed unit. */
function encodeFailed(err: unknown): Outcome {
  // Name and code only: an error message might quote payload bytes.
  const e = err as { name?: unknown; code?: unknown };
  return reject('ENCODE_FAILED', `encoding failed: ${String(e?.code ?? e?.name ?? 'unknown error')}`);
}

function safeEncodeOne(raw: Uint8Array, ctx: MessageContext): Outcome {
  try {
    const prepared = prepare(raw, ctx);
    if (!prepared.ok) return prepared;
    return sizeChecked(encodeMessage(prepared.msg, ctx.options.format, ctx.options.gzipLevel), raw, ctx.options);
  } catch (err) {
    return encodeFailed(err);
  }
}

/** safeEncodeOne with zlib on libuv's thread pool (the inline engine). */
async function safeEncodeOneAsync(raw: Uint8Array, ctx: MessageContext): Promise<Outcome> {
  try {
    const prepared = prepare(raw, ctx);
    if (!prepared.ok) return prepared;
    return sizeChecked(await encodeMessageAsync(prepared.msg, ctx.options.format, ctx.options.gzipLevel), raw, ctx.options);
  } catch (err) {
    return encodeFailed(err);
  }
}

function contextOf(req: UnitRequest, i: number): MessageContext {
  return { meta: req.meta[i], topic: req.topic, partition: req.partition, options: req.options };
}

export function encodeUnit(req: UnitRequest): EncodedUnit {
  const outcomes: Outcome[] = [];
  for (let i = 0; i < req.valueBounds.length - 1; i++) outcomes.push(safeEncodeOne(messageView(req.values, req.valueBounds, i), contextOf(req, i)));
  return assemble(req, outcomes);
}

/**
 * encodeUnit with every message's zlib call on libuv's thread pool, all of the
 * unit's messages at once: the `pool.engine: inline` variant measured against
 * the worker pool (issue 8). Validation and assembly run on the calling thread.
 */
export async function encodeUnitAsync(req: UnitRequest): Promise<EncodedUnit> {
  const pending: Promise<Outcome>[] = [];
  for (let i = 0; i < req.valueBounds.length - 1; i++) pending.push(safeEncodeOneAsync(messageView(req.values, req.valueBounds, i), contextOf(req, i)));
  return assemble(req, await Promise.all(pending));
}

/** Accounts sizes, aggregates, copies every record into ONE new ArrayBuffer and plans the sub-batches. */
function assemble(req: UnitRequest, outcomes: readonly Outcome[]): EncodedUnit {
  const sizeClasses = emptySizeClasses();
  const encoded: Buffer[] = [];
  const accepted: number[] = [];
  const rejected: Rejection[] = [];
  let rawBytes = 0;

  for (let i = 0; i < outcomes.length; i++) {
    const rawLength = (req.valueBounds[i + 1] as number) - (req.valueBounds[i] as number);
    // Size classes and rawBytes describe the traffic as received, rejected messages included.
    rawBytes += rawLength;
    addToSizeClasses(sizeClasses, rawLength);
    const outcome = outcomes[i] as Outcome;
    if (outcome.ok) {
      encoded.push(outcome.encoded);
      accepted.push(i);
    } else {
      rejected.push({ index: i, code: outcome.code, reason: outcome.reason });
    }
  }

  const groups = req.options.aggregate
    ? aggregate(encoded, recordLimit(req.options))
    : encoded.map((_, k) => [k]);

  let encodedBytes = 0;
  for (const e of encoded) encodedBytes += e.length;
  const data = new ArrayBuffer(encodedBytes);
  const bytes = new Uint8Array(data);
  const recordBounds = new Uint32Array(groups.length + 1);
  const recordMessageBounds = new Uint32Array(groups.length + 1);
  const recordMessages = new Uint32Array(encoded.length);
  const recordSizes: number[] = new Array<number>(groups.length);

  let pos = 0;
  let m = 0;
  for (let r = 0; r < groups.length; r++) {
    for (const k of groups[r]) {
      bytes.set(encoded[k], pos);
      pos += encoded[k].length;
      recordMessages[m++] = accepted[k];
    }
    recordBounds[r + 1] = pos;
    recordMessageBounds[r + 1] = m;
    recordSizes[r] = pos - recordBounds[r];
  }

  const result: UnitResult = {
    unitId: req.unitId,
    data,
    recordBounds,
    recordMessageBounds,
    recordMessages,
    batches: planSubBatches(recordSizes, req.options.limits),
    rejected,
    sizeClasses,
    rawBytes,
    encodedBytes,
  };
  return {
    result,
    transfer: [data, recordBounds.buffer, recordMessageBounds.buffer, recordMessages.buffer],
  };
}

/** Record r of a result as a zero-copy view (for the dispatcher and tests). */
export function recordView(result: UnitResult, r: number): Uint8Array {
  const start = result.recordBounds[r];
  return new Uint8Array(result.data, start, result.recordBounds[r + 1] - start);
}

/** The unit-relative message indexes carried by record r. */
export function recordMessageIndexes(result: UnitResult, r: number): Uint32Array {
  return result.recordMessages.subarray(result.recordMessageBounds[r], result.recordMessageBounds[r + 1]);
}
