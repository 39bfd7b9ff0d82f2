/**
 * The producer's messages, reproducible one by one: message k of a run is a
 * pure function of (seed, sizes, idPrefix, k), so a checker can regenerate any
 * message from its id alone, without replaying the sequence.
 */
import { generateScan, mulberry32 } from '../../src/generator/wifi-scan';

export interface ScanSpec {
  id: string;
  targetBytes: number;
  /** Seed for generateScan. */
  seed: number;
}

export interface SourceOptions {
  seed: number;
  sizes: readonly number[];
  idPrefix: string;
}

/** Spreads (seed, k) over the 32-bit seed space (golden-ratio multiplier), so neighbouring k are unrelated. */
function mix(seed: number, k: number): number {
  return (seed ^ Math.imul(k + 1, 0x9e3779b1)) >>> 0;
}

export function scanSpecAt(o: SourceOptions, k: number): ScanSpec {
  const rng = mulberry32(mix(o.seed, k));
  const targetBytes = o.sizes[Math.floor(rng() * o.sizes.length)];
  return { id: `${o.idPrefix}-${k}`, targetBytes, seed: Math.floor(rng() * 0x1_0000_0000) };
}

export function scanAt(o: SourceOptions, k: number): { id: string; value: Buffer } {
  const spec = scanSpecAt(o, k);
  return { id: spec.id, value: generateScan({ seed: spec.seed, targetBytes: spec.targetBytes, id: spec.id }) };
}
