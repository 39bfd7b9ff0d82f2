import { expect } from 'chai';
import type { Clock } from '../../src/clock';
import type { Logger, LogMeta } from '../../src/logging/types';
import { DeliverySummary } from '../../src/metrics/delivery-summary';

function recordingLogger(lines: Array<{ message: string; meta?: LogMeta }>): Logger {
  const log = (message: string, meta?: LogMeta) => lines.push({ message, meta });
  const logger: Logger = { error: log, warn: log, info: log, debug: log, child: () => logger };
  return logger;
}

describe('DeliverySummary', () => {
  it('logs the interval: messages, rates and mean request fill; nothing when idle', () => {
    let now = 0;
    const clock: Clock = { now: () => now, sleep: async () => undefined };
    const lines: Array<{ message: string; meta?: LogMeta }> = [];
    const summary = new DeliverySummary(clock, recordingLogger(lines));
    summary.flush(); // idle: nothing
    summary.add({ messages: 150, delivered: 149, deadLettered: 1, rawBytes: 10_000_000, encodedBytes: 5_000_000, records: 149, requests: 2 });
    summary.add({ messages: 50, delivered: 50, deadLettered: 0, rawBytes: 3_000_000, encodedBytes: 1_000_000, records: 50, requests: 1 });
    now = 10_000;
    summary.flush();
    now = 20_000;
    summary.flush(); // idle again
    expect(lines).to.have.length(1);
    expect(lines[0].message).to.equal('delivered');
    expect(lines[0].meta).to.deep.equal({
      messages: 199,
      deadLettered: 1,
      messagesPerSec: 20,
      rawMBPerSec: 1.3,
      requests: 3,
      meanRecordsPerRequest: 66,
      meanBytesPerRequest: 2_000_000,
      totalDelivered: 199,
    });
  });
});
