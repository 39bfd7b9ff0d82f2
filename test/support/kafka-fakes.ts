/**
 * Fakes behind the supervisor's narrow interfaces: kafkajs messages, an
 * in-flight gate, a scripted encode pool, a recording dispatcher and DLQ sink.
 */
import type { KafkaMessage } from 'kafkajs';
import type { DeadLetter, DeadLetterSink } from '../../src/kafka/dead-letter';
import type { InFlightBudget } from '../../src/kafka/partition-lane';
import { Semaphore } from '../../src/flow/semaphore';
import { UnitRunner, type DeliveryPort, type EncodePort, type UnitRunnerOptions } from '../../src/kafka/unit-runner';
import { silentLogger } from '../../src/logging/types';
import { encodeUnit } from '../../src/pipeline/encode-unit';
import type { EncodeOptions, UnitRequest, UnitResult } from '../../src/pipeline/wire';

export function kafkaMessage(offset: number | string, value: string | Buffer | null, key: string | null = null): KafkaMessage {
  return {
    offset: String(offset),
    timestamp: '1700000000000',
    key: key === null ? null : Buffer.from(key),
    value: value === null ? null : Buffer.isBuffer(value) ? value : Buffer.from(value),
    attributes: 0,
    headers: {},
    size: 0,
  } as unknown as KafkaMessage;
}

export function jsonMessages(fromOffset: number, count: number): KafkaMessage[] {
  return Array.from({ length: count }, (_, i) => kafkaMessage(fromOffset + i, JSON.stringify({ id: `m-${fromOffset + i}` })));
}

export const testEncodeOptions: EncodeOptions = {
  format: 'ndjson',
  gzipLevel: 1,
  envelope: false,
  aggregate: false,
  validateJson: true,
  maxJsonDepth: 64,
  limits: { maxRecordsPerBatch: 500, maxBytesPerBatch: 4 * 1024 * 1024, maxRecordBytes: 1_024_000 },
};

/** Runs the real pure encoder in-thread; `failWhen` scripts task failures. */
export class InlinePool implements EncodePort {
  calls: UnitRequest[] = [];
  constructor(private readonly failWhen: (req: UnitRequest, call: number) => boolean = () => false) {}
  async run(req: UnitRequest): Promise<UnitResult> {
    this.calls.push(req);
    if (this.failWhen(req, this.calls.length)) throw new Error('worker crashed');
    return encodeUnit(req).result;
  }
}

/** Records every delivered record as text; may hold deliveries until released. */
export class RecordingDispatcher implements DeliveryPort {
  delivered: string[] = [];
  requests = 0;
  /** Records whose text matches are refused as invalid (InvalidArgumentException), like Firehose would. */
  refuse?: (text: string) => boolean;
  private gates: Array<() => void> = [];
  constructor(
    public hold = false,
    private readonly failWith?: () => Error | undefined,
  ) {}
  async deliver(records: Uint8Array[], signal: AbortSignal): Promise<{ rejected: { index: number; code: string; message: string }[] }> {
    this.requests += 1;
    const err = this.failWith?.();
    if (err) throw err;
    if (this.hold) {
      await new Promise<void>((resolve, reject) => {
        this.gates.push(resolve);
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      });
    }
    const rejected: { index: number; code: string; message: string }[] = [];
    records.forEach((r, index) => {
      const text = Buffer.from(r).toString('utf8');
      if (this.refuse?.(text)) rejected.push({ index, code: 'InvalidArgumentException', message: 'record failed: InvalidArgumentException' });
      else this.delivered.push(text);
    });
    return { rejected };
  }
  releaseAll(): void {
    const g = this.gates;
    this.gates = [];
    g.forEach((f) => f());
  }
  get waiting(): number {
    return this.gates.length;
  }
}

export class RecordingDeadLetters implements DeadLetterSink {
  letters: DeadLetter[] = [];
  async send(letters: DeadLetter[]): Promise<void> {
    this.letters.push(...letters);
  }
}

export class CountingGate implements InFlightBudget {
  inFlight = 0;
  peak = 0;
  reserve(bytes: number): void {
    this.inFlight += bytes;
    this.peak = Math.max(this.peak, this.inFlight);
  }
  release(bytes: number): void {
    this.inFlight -= bytes;
  }
}

export { flush } from './fakes';

/** A UnitRunner over fakes: the given pool, a recording dispatcher and DLQ, two request slots, no waits; `more` overrides any option. */
export function createTestRunner(pool: EncodePort, more: Partial<UnitRunnerOptions> = {}) {
  const dispatcher = new RecordingDispatcher();
  const deadLetters = new RecordingDeadLetters();
  const runner = new UnitRunner({
    pool,
    dispatcher,
    deadLetters,
    encodeOptions: testEncodeOptions,
    requestSlots: new Semaphore(2),
    logger: silentLogger,
    sleep: async () => undefined,
    ...more,
  });
  return { dispatcher, deadLetters, runner };
}
