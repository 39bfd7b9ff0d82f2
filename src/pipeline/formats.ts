/**
 * Firehose record formats (DESIGN "Record formats on the Firehose side").
 * Firehose concatenates records without delimiters, so every format ends each
 * message with a newline or is self-delimiting:
 *
 *   base64-gzip-lines  base64(gzip(message)) + "\n"   (the original system's format)
 *   gzip-ndjson        gzip(message + "\n"), one gzip member per message; an S3
 *                      object is a valid multi-member gzip file of NDJSON (RFC 1952 §2.2)
 *   ndjson             message + "\n"
 *
 * Raw newlines: in ndjson and gzip-ndjson a 0x0a byte inside a message would
 * split it across two lines. Valid JSON can hold a raw 0x0a only as
 * insignificant whitespace between tokens (RFC 8259 §2 and §7: control
 * characters inside strings must be escaped; UTF-8 multi-byte sequences never
 * contain 0x0a), so for a message *known to be valid JSON* replacing every 0x0a
 * with a space changes whitespace only and keeps every number, escape and key
 * order byte for byte (unlike JSON.stringify(JSON.parse(...)), which would
 * round large integers and rewrite escapes). A message not known to be valid
 * JSON is rejected instead (see encode-unit.ts). base64-gzip-lines has no such
 * issue.
 */
import { promisify } from 'node:util';
import { gunzipSync, gzip, gzipSync } from 'node:zlib';
import type { MessageMeta, RecordFormat } from './wire';

const NEWLINE = 0x0a;
const SPACE = 0x20;

/** True for the formats whose messages are separated by newlines inside the (decompressed) stream. */
export function isLineDelimitedJson(format: RecordFormat): boolean {
  return format === 'ndjson' || format === 'gzip-ndjson';
}

export function hasRawNewline(msg: Uint8Array): boolean {
  return msg.indexOf(NEWLINE) !== -1;
}

/** A copy of `msg` with every 0x0a byte replaced by a space. Only for messages known to be valid JSON. */
export function newlinesToSpaces(msg: Uint8Array): Buffer {
  const out = Buffer.from(msg);
  for (let i = out.indexOf(NEWLINE); i !== -1; i = out.indexOf(NEWLINE, i + 1)) out[i] = SPACE;
  return out;
}

function withNewline(msg: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(msg.length + 1);
  out.set(msg, 0);
  out[msg.length] = NEWLINE;
  return out;
}

/** Encodes one message as one self-delimiting Firehose payload. */
export function encodeMessage(msg: Uint8Array, format: RecordFormat, gzipLevel: number): Buffer {
  const input = gzipInput(msg, format);
  return finishRecord(format, input === undefined ? undefined : gzipSync(input, { level: gzipLevel }), msg);
}

const gzipAsync = promisify(gzip);

/**
 * encodeMessage with zlib on libuv's thread pool instead of this thread: the
 * `pool.engine: inline` variant (src/pool/inline-encoder.ts). Same bytes.
 */
export async function encodeMessageAsync(msg: Uint8Array, format: RecordFormat, gzipLevel: number): Promise<Buffer> {
  const input = gzipInput(msg, format);
  return finishRecord(format, input === undefined ? undefined : await gzipAsync(input, { level: gzipLevel }), msg);
}

/** What a format gzips (undefined: nothing, ndjson). */
function gzipInput(msg: Uint8Array, format: RecordFormat): Uint8Array | undefined {
  switch (format) {
    case 'base64-gzip-lines':
      return msg;
    case 'gzip-ndjson':
      return withNewline(msg);
    case 'ndjson':
      return undefined;
    default:
      throw new TypeError(`unknown record format: ${String(format satisfies never)}`);
  }
}

/** The record from the gzip output (or from the message itself, for ndjson). */
function finishRecord(format: RecordFormat, gzipped: Buffer | undefined, msg: Uint8Array): Buffer {
  if (gzipped === undefined) return withNewline(msg);
  return format === 'base64-gzip-lines' ? Buffer.from(`${gzipped.toString('base64')}\n`, 'ascii') : gzipped;
}

function splitLines(data: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = data.indexOf(NEWLINE); i !== -1; i = data.indexOf(NEWLINE, start)) {
    lines.push(data.subarray(start, i));
    start = i + 1;
  }
  if (start !== data.length) throw new Error('truncated record stream: data after the last newline');
  return lines;
}

/**
 * The inverse of encodeMessage over a concatenation of any number of encoded
 * messages (one record, a whole batch, or a delivered S3 object). For tests and
 * tools; the service itself never decodes.
 */
export function decodeRecords(data: Buffer, format: RecordFormat): Buffer[] {
  switch (format) {
    case 'base64-gzip-lines':
      return splitLines(data).map((line) => gunzipSync(Buffer.from(line.toString('ascii'), 'base64')));
    case 'gzip-ndjson':
      // zlib's gunzip reads concatenated members one after another.
      return data.length === 0 ? [] : splitLines(gunzipSync(data));
    case 'ndjson':
      return splitLines(data);
    default:
      throw new TypeError(`unknown record format: ${String(format satisfies never)}`);
  }
}

/**
 * Wraps a message with its Kafka coordinates so downstream readers can drop the
 * duplicates that at-least-once delivery allows:
 *   {"topic":..,"partition":..,"offset":"..","timestamp":"..","key":..|null,"value":<message>}
 * The message's raw bytes are spliced in as `value` (never re-serialized), so
 * the caller must know it is valid JSON. Offsets and timestamps stay strings,
 * as kafkajs gives them (int64 does not fit a double).
 */
export function envelopeMessage(msg: Uint8Array, meta: MessageMeta, topic: string, partition: number): Buffer {
  const head =
    `{"topic":${JSON.stringify(topic)},"partition":${partition},"offset":${JSON.stringify(meta.offset)},` +
    `"timestamp":${JSON.stringify(meta.timestamp)},"key":${JSON.stringify(meta.key)},"value":`;
  const headLength = Buffer.byteLength(head);
  const out = Buffer.allocUnsafe(headLength + msg.length + 1);
  out.write(head, 0, 'utf8');
  out.set(msg, headLength);
  out[out.length - 1] = 0x7d; // '}'
  return out;
}
