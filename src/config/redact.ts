/**
 * Redaction of sensitive keys (DESIGN invariant 8: secrets never reach a log
 * line or --print-config). The list of keys comes from the schema, so a new
 * `sensitive: true` key is covered without touching this file.
 */
import { sensitiveKeys } from './schema';
import type { AppConfig } from './types';

export const REDACTED = '[REDACTED]';

/** A deep copy with every non-empty sensitive value replaced by "[REDACTED]" ("" stays "", so "not set" stays visible). */
export function redactedConfig(cfg: AppConfig): AppConfig {
  const copy = structuredClone(cfg) as unknown as Record<string, unknown>;
  for (const key of sensitiveKeys()) {
    const parts = key.split('.');
    const last = parts.pop() as string;
    let node: Record<string, unknown> | undefined = copy;
    for (const p of parts) node = node?.[p] as Record<string, unknown> | undefined;
    if (node && typeof node === 'object' && last in node && node[last] !== '') node[last] = REDACTED;
  }
  return copy as unknown as AppConfig;
}

/** The text `--print-config` writes (no trailing newline): the effective configuration, redacted, as JSON. */
export function printConfig(cfg: AppConfig): string {
  return JSON.stringify(redactedConfig(cfg), null, 2);
}
