/**
 * A unit of work and what the unit runner (./unit-runner.ts) talks to: the
 * encode pool, the delivery (the coalescer or the dispatcher), the worker
 * circuit; and how a message of a unit becomes a dead letter.
 */
import type { KafkaMessage } from 'kafkajs';
import { AppError } from '../errors';
import type { Admission } from '../flow/worker-circuit';
import type { UnitRequest, UnitResult } from '../pipeline/wire';
import type { DeadLetter } from './dead-letter';

export interface EncodePort {
  run(req: UnitRequest, signal?: AbortSignal): Promise<UnitResult>;
}

export interface DeliveryPort {
  /** Resolves once every record is acked or `rejected` (indices into `records`, refused by Firehose as invalid). */
  deliver(records: Uint8Array[], signal: AbortSignal): Promise<{ readonly rejected?: readonly { readonly index: number; readonly code: string; readonly message: string }[] }>;
}

export interface Unit {
  id: number;
  topic: string;
  partition: number;
  messages: KafkaMessage[];
}

export interface UnitReport {
  messages: number;
  delivered: number;
  deadLettered: number;
  records: number;
  /** `deliver` calls: planned sub-batches, or 1 per unit with the coalescer (it counts its own requests). */
  requests: number;
  rawBytes: number;
  encodedBytes: number;
  workerAttempts: number;
}

/** The part of src/flow/worker-circuit.ts the runner uses. */
export interface WorkerGate {
  readonly state: 'closed' | 'open' | 'half-open';
  admit(signal: AbortSignal): Promise<Admission>;
  messagesEnded(ok: number, failed: number): void;
  broken(reason: string): void;
  trialEnded(outcome: 'worked' | 'failed' | 'abandoned', reason?: string): void;
}

/** The dead letter of message `m` of `unit`: its coordinates, bytes and headers, with the reason. */
export function letter(unit: Unit, m: KafkaMessage, code: string, reason: string, attempts: number): DeadLetter {
  return {
    topic: unit.topic,
    partition: unit.partition,
    offset: m.offset,
    timestamp: m.timestamp,
    key: m.key ?? null,
    value: m.value ?? null,
    ...(m.headers ? { headers: m.headers } : {}),
    code,
    reason,
    attempts,
  };
}

/** `CODE: message` of an AppError, the message of any other error. */
export function errorText(err: unknown): string {
  if (err instanceof AppError) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}
