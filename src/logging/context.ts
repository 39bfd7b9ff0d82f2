/**
 * Log context that follows async work: every line logged inside
 * `withLogContext(fields, fn)` — by the unit runner, the dispatcher, the
 * dead-letter sink, anyone — carries `fields` (AsyncLocalStorage,
 * https://nodejs.org/api/async_context.html#class-asynclocalstorage), without
 * threading a child logger through every call. The service wraps each unit's
 * work with its correlation id.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { LogMeta } from './types';

const storage = new AsyncLocalStorage<LogMeta>();

export function withLogContext<T>(fields: LogMeta, fn: () => Promise<T>): Promise<T> {
  return storage.run({ ...storage.getStore(), ...fields }, fn);
}

/** The fields of the current context (empty outside any). */
export function logContext(): LogMeta {
  return storage.getStore() ?? {};
}

/** `topic:partition:first-last`: names a unit's offset range, so its lines can be followed. */
export function unitCorrelationId(unit: { topic: string; partition: number; messages: ReadonlyArray<{ offset: string }> }): string {
  const first = unit.messages[0]?.offset ?? '?';
  const last = unit.messages[unit.messages.length - 1]?.offset ?? '?';
  return `${unit.topic}:${unit.partition}:${first}-${last}`;
}
