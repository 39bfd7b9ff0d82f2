import { expect } from 'chai';
import { transferableSymbol, valueSymbol } from 'piscina';
import encodeWorker from '../../workers/encode-worker';
import { decodeRecords } from '../../src/pipeline/formats';
import type { UnitFailure, UnitResult } from '../../src/pipeline/wire';
import { createTestUnitRequest } from '../fixtures/unit-request';

type Movable = { [transferableSymbol]: ArrayBuffer[]; [valueSymbol]: UnitResult };

describe('workers/encode-worker', () => {
  it('returns the result wrapped for Piscina.move with every buffer in the transfer list', () => {
    const out = encodeWorker(createTestUnitRequest(['{"a":1}', '{"b":2}'], { options: { format: 'ndjson' } })) as unknown as Movable;
    const transfer = out[transferableSymbol];
    const result = out[valueSymbol];
    expect(transfer).to.be.an('array').with.length(4);
    expect(transfer).to.include(result.data);
    expect(transfer).to.include(result.recordBounds.buffer);
    expect(transfer).to.include(result.recordMessageBounds.buffer);
    expect(transfer).to.include(result.recordMessages.buffer);
    expect(decodeRecords(Buffer.from(result.data), 'ndjson').map(String)).to.deep.equal(['{"a":1}', '{"b":2}']);
    // What piscina's worker does with it: postMessage(value, transferList).
    const received = structuredClone(result, { transfer });
    expect(result.data.byteLength).to.equal(0);
    expect(received.recordBounds.length).to.equal(3);
  });

  it('returns a malformed request as a non-retriable UnitFailure instead of throwing', () => {
    const req = createTestUnitRequest(['{}']);
    req.valueBounds = new Uint32Array([0, 999]); // points past the buffer: a programming error
    const out = encodeWorker(req) as UnitFailure;
    expect(out).to.deep.equal({
      unitId: req.unitId,
      error: { name: 'AppError', code: 'ENCODE_UNIT_FAILED', message: 'encodeUnit threw RangeError', retriable: false },
    });
  });
});
