import { expect } from 'chai';
import { resultProblem } from '../../src/kafka/result-check';
import type { UnitResult } from '../../src/pipeline/wire';

const limits = { maxRecordsPerBatch: 2, maxBytesPerBatch: 100, maxRecordBytes: 100 };

/** 3 messages: 0 and 2 in records of 10 bytes, 1 rejected; one sub-batch of both records. */
function good(): UnitResult {
  return {
    unitId: 1,
    data: new ArrayBuffer(20),
    recordBounds: Uint32Array.from([0, 10, 20]),
    recordMessageBounds: Uint32Array.from([0, 1, 2]),
    recordMessages: Uint32Array.from([0, 2]),
    batches: [{ firstRecord: 0, endRecord: 2, bytes: 20 }],
    rejected: [{ index: 1, code: 'INVALID_JSON', reason: 'x' }],
    sizeClasses: { small: { count: 0, bytes: 0 }, medium: { count: 0, bytes: 0 }, large: { count: 0, bytes: 0 } },
    rawBytes: 0,
    encodedBytes: 20,
  };
}

describe('kafka/result-check (F11: the main thread does not trust the worker)', () => {
  it('accepts a result that covers the unit exactly', () => {
    expect(resultProblem(good(), 3, limits)).to.equal(undefined);
  });

  const broken: Array<{ name: string; edit: (r: UnitResult) => UnitResult; messages?: number; problem: RegExp }> = [
    { name: 'a message missing', edit: (r) => ({ ...r, rejected: [] }), problem: /message 1 is neither delivered nor rejected/ },
    { name: 'a message twice', edit: (r) => ({ ...r, rejected: [{ index: 0, code: 'INVALID_JSON', reason: 'x' }] }), problem: /message 0 is accounted for twice/ },
    { name: 'a message outside the unit', edit: (r) => ({ ...r, recordMessages: Uint32Array.from([0, 7]) }), problem: /names message 7 of a unit of 3/ },
    { name: 'more messages in the unit than covered', edit: (r) => r, messages: 4, problem: /message 3 is neither/ },
    { name: 'sub-batches leave a record out', edit: (r) => ({ ...r, batches: [{ firstRecord: 0, endRecord: 1, bytes: 10 }] }), problem: /cover 1 of 2 records/ },
    { name: 'sub-batches overlap', edit: (r) => ({ ...r, batches: [{ firstRecord: 0, endRecord: 2, bytes: 20 }, { firstRecord: 1, endRecord: 2, bytes: 10 }] }), problem: /does not continue at record 2/ },
    { name: 'a sub-batch over the record limit', edit: (r) => ({ ...r, batches: [{ firstRecord: 0, endRecord: 2, bytes: 20 }] }), problem: /more than 1 records/ },
    { name: 'record bounds not spanning the data', edit: (r) => ({ ...r, data: new ArrayBuffer(30) }), problem: /do not span the 30 data bytes/ },
    { name: 'an empty record', edit: (r) => ({ ...r, recordBounds: Uint32Array.from([0, 0, 20]) }), problem: /record 0 is empty/ },
  ];
  for (const b of broken) {
    it(`rejects ${b.name}`, () => {
      const lim = b.name.includes('record limit') ? { ...limits, maxRecordsPerBatch: 1 } : limits;
      expect(resultProblem(b.edit(good()), b.messages ?? 3, lim)).to.match(b.problem);
    });
  }
});
