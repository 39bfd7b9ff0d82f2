/**
 * The narrow logger every module receives. winston's Logger satisfies it; tests
 * pass a recording fake. Meta objects are structured fields, never payloads or secrets.
 */
export type LogMeta = Record<string, unknown>;

export interface Logger {
  error(message: string, meta?: LogMeta): unknown;
  warn(message: string, meta?: LogMeta): unknown;
  info(message: string, meta?: LogMeta): unknown;
  debug(message: string, meta?: LogMeta): unknown;
  child(meta: LogMeta): Logger;
}

/** A logger that drops everything, for tests that do not look at logs. */
export const silentLogger: Logger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
  child: () => silentLogger,
};
