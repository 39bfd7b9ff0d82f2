/**
 * The compression ratio of a data set, as every benchmark result prints it
 * (STYLE.md: "print the compression ratio of every data set you measure on"):
 * raw bytes ÷ gzip bytes, each message compressed on its own (as the record
 * formats do), with Node's zlib at the given level (6: zlib's default).
 */
import { gzipSync } from 'node:zlib';

export function gzipRatio(messages: readonly Uint8Array[], level = 6): number {
  let raw = 0;
  let packed = 0;
  for (const m of messages) {
    raw += m.length;
    packed += gzipSync(m, { level }).length;
  }
  return packed === 0 ? Number.NaN : raw / packed;
}
