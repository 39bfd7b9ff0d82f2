/**
 * One error hierarchy for the whole service. Retry loops branch on `retriable`
 * alone; programmer errors are never retried. Messages never carry secrets or
 * payload bytes (DESIGN invariant 8).
 */
export interface ErrorData {
  readonly name: string;
  readonly code: string;
  readonly message: string;
  readonly retriable: boolean;
}

export class AppError extends Error {
  readonly code: string;
  readonly retriable: boolean;

  constructor(code: string, message: string, options: { retriable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
  }

  /** Plain data, so an error can cross a worker-thread boundary and be rebuilt. */
  toData(): ErrorData {
    return { name: this.name, code: this.code, message: this.message, retriable: this.retriable };
  }

  static fromData(data: ErrorData): AppError {
    const err = new AppError(data.code, data.message, { retriable: data.retriable });
    err.name = data.name;
    return err;
  }
}

/** Configuration could not be loaded or failed validation; names the key. */
export class ConfigError extends AppError {
  constructor(message: string, readonly key?: string, options: { cause?: unknown } = {}) {
    super('CONFIG_INVALID', message, options);
  }
}

/** TLS material (keystore, truststore, PEM) is missing, unreadable or invalid; names the file. */
export class TlsMaterialError extends AppError {
  constructor(code: string, message: string, readonly file?: string, options: { cause?: unknown } = {}) {
    super(code, message, options);
  }
}

/** A message that can never be delivered; it goes to the dead-letter topic with this reason. */
export class PoisonMessageError extends AppError {
  constructor(code: 'OVERSIZED' | 'INVALID_JSON' | 'WORKER_CRASH' | 'ENCODE_FAILED', message: string) {
    super(code, message, { retriable: false });
  }
}

/** Firehose refused a request. `retriable` says whether waiting and resending can help. */
export class FirehoseError extends AppError {
  constructor(code: string, message: string, retriable: boolean, options: { cause?: unknown } = {}) {
    super(code, message, { retriable, cause: options.cause });
  }
}

/** Work was abandoned on purpose (rebalance, terminate); never logged as a failure. */
export class AbortedError extends AppError {
  constructor(message = 'aborted') {
    super('ABORTED', message, { retriable: false });
  }
}

export function isRetriable(err: unknown): boolean {
  return err instanceof AppError && err.retriable;
}

/** `CODE: message` of an AppError, `Name: message` of an SDK error (its name is the AWS error code). */
export function errorLabel(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; message?: unknown };
  const tag = typeof e.code === 'string' ? e.code : typeof e.name === 'string' ? e.name : 'Error';
  return `${tag}: ${typeof e.message === 'string' ? e.message : String(err)}`;
}
