/**
 * The worker canary (issue 13, defect 5) is a known-good message: in every
 * record format, with and without the envelope, validated at the smallest
 * depth cap the config allows (1), the pure encoder turns it into one record
 * and rejects nothing — so a canary that fails in a trial means the worker
 * failed.
 */
import { expect } from 'chai';
import { workerCanary } from '../../src/kafka/worker-canary';
import { encodeUnit } from '../../src/pipeline/encode-unit';
import { packUnit } from '../../src/pipeline/pack';
import { RECORD_FORMATS } from '../../src/pipeline/wire';
import { testEncodeOptions } from '../fixtures/unit-request';

describe('kafka/worker-canary workerCanary', () => {
  for (const format of RECORD_FORMATS) {
    for (const envelope of [false, true]) {
      it(`encodes to one record and no rejection (${format}, envelope ${envelope})`, () => {
        const packed = packUnit([workerCanary()]);
        const { result } = encodeUnit({ unitId: 1, topic: 'wifi-scans', partition: 0, ...packed, options: testEncodeOptions({ format, envelope, maxJsonDepth: 1 }) });
        expect(result.rejected).to.deep.equal([]);
        expect(result.recordBounds).to.have.length(2);
      });
    }
  }

  it('is a fresh message each time (a pool transfers what it is given)', () => {
    const a = workerCanary();
    const b = workerCanary();
    expect(a.value).to.not.equal(b.value);
    expect(a.value?.equals(b.value as Buffer)).to.equal(true);
  });
});
