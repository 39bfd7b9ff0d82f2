/**
 * A minimal worker for case b: it does no work on the payload, it only reports
 * how many bytes of backing ArrayBuffers arrived with each message, so the
 * main side measures the hop itself. A structured-cloned view arrives with a
 * fresh copy of its *whole* backing buffer, so the count shows what was cloned
 * (a transferred buffer arrives too, but moved, not copied).
 */
import { parentPort } from 'node:worker_threads';

export interface EchoReply {
  /** Distinct backing ArrayBuffers seen in the message. */
  buffers: number;
  /** Their total byteLength. */
  bytes: number;
}

function collect(value: unknown, seen: Set<ArrayBufferLike>): void {
  if (value instanceof ArrayBuffer) {
    seen.add(value);
  } else if (ArrayBuffer.isView(value)) {
    seen.add(value.buffer);
  } else if (Array.isArray(value)) {
    for (const item of value) collect(item, seen);
  } else if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) collect(item, seen);
  }
}

parentPort?.on('message', (msg: unknown) => {
  const seen = new Set<ArrayBufferLike>();
  collect(msg, seen);
  let bytes = 0;
  for (const b of seen) bytes += b.byteLength;
  const reply: EchoReply = { buffers: seen.size, bytes };
  parentPort?.postMessage(reply);
});
