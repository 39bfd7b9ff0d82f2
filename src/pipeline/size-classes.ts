/**
 * Size classes of raw message bytes, for metrics and capacity planning. The
 * payloads are WiFi scans of 30–100 KB; KB here is 1,000 bytes.
 */
import type { SizeClasses } from './wire';

export type SizeClass = keyof SizeClasses;

/** Upper bound (inclusive) of the small class. */
export const SMALL_MAX_BYTES = 30_000;
/** Upper bound (inclusive) of the medium class; larger is large. */
export const MEDIUM_MAX_BYTES = 80_000;

export function classify(bytes: number): SizeClass {
  if (bytes <= SMALL_MAX_BYTES) return 'small';
  if (bytes <= MEDIUM_MAX_BYTES) return 'medium';
  return 'large';
}

export function emptySizeClasses(): SizeClasses {
  return { small: { count: 0, bytes: 0 }, medium: { count: 0, bytes: 0 }, large: { count: 0, bytes: 0 } };
}

/** Counts one message of `bytes` raw bytes into `classes` (mutates and returns it). */
export function addToSizeClasses(classes: SizeClasses, bytes: number): SizeClasses {
  const stats = classes[classify(bytes)];
  stats.count += 1;
  stats.bytes += bytes;
  return classes;
}

/** Sums two tallies into a new one (the supervisor folds unit results together). */
export function mergeSizeClasses(a: SizeClasses, b: SizeClasses): SizeClasses {
  const out = emptySizeClasses();
  for (const k of ['small', 'medium', 'large'] as const) {
    out[k].count = a[k].count + b[k].count;
    out[k].bytes = a[k].bytes + b[k].bytes;
  }
  return out;
}
