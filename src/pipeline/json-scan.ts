/**
 * One pass over the bytes that answers "is this one UTF-8 JSON text nested at
 * most maxDepth levels?" without decoding a string or allocating an object
 * (issue 8: TextDecoder + JSON.parse + a separate depth pass cost as much CPU
 * as gzip).
 *
 * It accepts exactly the documents that `new TextDecoder('utf-8', { fatal:
 * true, ignoreBOM: true })` decodes and `JSON.parse` accepts, with a nesting
 * depth ≤ maxDepth. Grammar: RFC 8259 §2–§7 — whitespace is only space, tab,
 * LF, CR (so a BOM, U+FEFF, is refused); strings refuse raw U+0000–U+001F;
 * escapes are \" \\ \/ \b \f \n \r \t \uXXXX (lone surrogates in \u escapes
 * are allowed, as JSON.parse allows them); numbers are
 * -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?. UTF-8 validity follows the
 * WHATWG decoder (Unicode Table 3-7): no overlong forms, no encoded
 * surrogates (ED A0–BF), nothing above U+10FFFF.
 *
 * How (issue 12 item 3, ≥ 1 GB/s per core on realistic scans; figures in
 * docs/benchmarks.md, case e of `npm run bench`):
 * 1. UTF-8 validity for the whole text with Node's native isUtf8 (simdutf,
 *    many GB/s); bytes ≥ 0x80 outside strings are then refused by the grammar.
 * 2. The grammar in WebAssembly (json-scan.wat, SIMD): the text is copied
 *    into the module's memory with 64 sentinel bytes after it, string bodies
 *    are skipped 16 bytes per step, the rest goes through a byte-class table.
 *    The JavaScript scanner this replaces (a word-at-a-time string skip) ran
 *    at a third to a half of its speed; it is kept as the reference of the
 *    differential test (test/support/json-scan-reference.ts), which also
 *    checks both against TextDecoder + JSON.parse + the depth rule.
 * Each thread (every Piscina worker) instantiates its own module on import;
 * its memory holds the largest text seen (twice over, with the depth stack)
 * up to RETAINED_MEMORY_BYTES, beyond which it is replaced after the call.
 */

import { isUtf8 } from 'node:buffer';
import { JSON_SCAN_WASM_BASE64 } from './json-scan-wasm';

/** The part of the WebAssembly JS API used here (the global exists in Node; @types/node does not declare it). */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: Record<string, unknown> };
};
interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** Memory layout of json-scan.wat. */
const CLASS_AT = 0;
const HEX_AT = 256;
const ESCAPE_AT = 512;
const DOC_AT = 1024;
const SENTINELS = 64;
const PAGE = 65_536;
/** The scanner's depth counter is an unsigned 32-bit integer; an unbounded cap becomes the largest. */
const MAX_I32 = 0x7fff_ffff;

const compiled = new WebAssembly.Module(Buffer.from(JSON_SCAN_WASM_BASE64, 'base64'));

function tables(): Uint8Array {
  const t = new Uint8Array(768);
  for (const b of [0x20, 0x09, 0x0a, 0x0d]) t[CLASS_AT + b] = 1;
  const classes: Array<[string, number]> = [['"', 2], ['{', 3], ['[', 4], ['}', 5], [']', 6], [',', 7], [':', 8], ['-0123456789', 9], ['t', 10], ['f', 11], ['n', 12]];
  for (const [chars, c] of classes) for (const ch of chars) t[CLASS_AT + ch.charCodeAt(0)] = c;
  for (const ch of '0123456789abcdefABCDEF') t[HEX_AT + ch.charCodeAt(0)] = 1;
  for (const ch of '"\\/bfnrt') t[ESCAPE_AT + ch.charCodeAt(0)] = 1;
  return t;
}
const TABLES = tables();

let memory: WasmMemory;
let scan: (n: number, maxDepth: number) => number;
let heap: Uint8Array;

/** A new instance (memory: one 64 KiB page) with its tables written. */
function instantiate(): void {
  const instance = new WebAssembly.Instance(compiled);
  memory = instance.exports.memory as WasmMemory;
  scan = instance.exports.scan as (n: number, maxDepth: number) => number;
  heap = new Uint8Array(memory.buffer);
  heap.set(TABLES, 0);
}
instantiate();

/**
 * WebAssembly memory only grows. Past this size (texts above about 2 MB)
 * the instance is dropped after the call and a fresh one made, so one huge
 * message does not stay resident in every worker.
 */
export const RETAINED_MEMORY_BYTES = 4 * 1024 * 1024;

/** The scanner's current memory in this thread (for tests). */
export function scannerMemoryBytes(): number {
  return memory.buffer.byteLength;
}

/** Room for the text, its sentinels and one depth byte per level (at most one per byte of text). */
function ensureRoom(n: number): void {
  const need = DOC_AT + n + SENTINELS + n + 2;
  if (need > heap.length) {
    memory.grow(Math.ceil((need - heap.length) / PAGE));
    heap = new Uint8Array(memory.buffer);
  }
}

/** True when `bytes` is one valid UTF-8 JSON text nested at most `maxDepth` levels. */
export function isJsonWithinDepth(bytes: Uint8Array, maxDepth: number): boolean {
  // Native (simdutf) and far faster than any JS loop; same rules as the fatal TextDecoder.
  if (!isUtf8(bytes)) return false;
  const n = bytes.length;
  ensureRoom(n);
  heap.set(bytes, DOC_AT);
  heap.fill(0x22, DOC_AT + n, DOC_AT + n + SENTINELS);
  const ok = scan(n, maxDepth >= MAX_I32 ? MAX_I32 : Math.max(0, Math.floor(maxDepth))) === 1;
  if (heap.length > RETAINED_MEMORY_BYTES) instantiate();
  return ok;
}
