import { expect } from 'chai';
import {
  decideRequest,
  type Faults,
  inWindow,
  mergeResponses,
  QuotaMeter,
  partitionEntries,
  rejectsAsInvalid,
  seededRandom,
  selectFailedEntries,
} from '../../test/support/fault-proxy-logic';

/** A PRNG stub that returns the given values in turn and counts draws. */
function scripted(...values: number[]): (() => number) & { draws: number } {
  const fn = Object.assign(() => {
    const v = values[fn.draws % values.length] as number;
    fn.draws++;
    return v;
  }, { draws: 0 });
  return fn;
}

const ctx0 = { seq: 0, elapsedMs: 0 };
const err = { code: 'ServiceUnavailableException' as const, message: 'Slow down.' };

describe('fault-proxy logic', () => {
  describe('seededRandom', () => {
    it('repeats the same sequence for the same seed, in [0, 1)', () => {
      const a = seededRandom(42);
      const b = seededRandom(42);
      const xs = Array.from({ length: 100 }, () => a());
      expect(Array.from({ length: 100 }, () => b())).to.deep.equal(xs);
      expect(xs.every((x) => x >= 0 && x < 1)).to.equal(true);
    });

    it('differs between seeds', () => {
      const a = seededRandom(1);
      const b = seededRandom(2);
      expect([a(), a(), a()]).to.not.deep.equal([b(), b(), b()]);
    });
  });

  describe('selectFailedEntries', () => {
    const exactTable: [count: number, share: number, failed: number][] = [
      [0, 0.3, 0],
      [1, 0.3, 0],
      [1, 0.5, 1],
      [10, 0.3, 3],
      [50, 0.3, 15],
      [499, 0.3, 150],
      [500, 0.3, 150],
      [501, 0.3, 150],
      [500, 0, 0],
      [500, 1, 500],
    ];
    for (const [count, share, failed] of exactTable) {
      it(`exact: ${count} entries at ${share} fail ${failed}`, () => {
        const mask = selectFailedEntries(count, share, true, seededRandom(7));
        expect(mask).to.have.length(count);
        expect(mask.filter(Boolean)).to.have.length(failed);
      });
    }

    it('is deterministic for a seed and varies with it', () => {
      const one = selectFailedEntries(100, 0.3, true, seededRandom(9));
      expect(selectFailedEntries(100, 0.3, true, seededRandom(9))).to.deep.equal(one);
      expect(selectFailedEntries(100, 0.3, true, seededRandom(10))).to.not.deep.equal(one);
      const b = selectFailedEntries(100, 0.3, false, seededRandom(9));
      expect(selectFailedEntries(100, 0.3, false, seededRandom(9))).to.deep.equal(b);
    });

    it('independent mode fails each entry with the share as probability', () => {
      expect(selectFailedEntries(4, 0.5, false, scripted(0.1, 0.9, 0.49, 0.5))).to.deep.equal([true, false, true, false]);
      const many = selectFailedEntries(10_000, 0.3, false, seededRandom(3)).filter(Boolean).length;
      expect(many).to.be.within(2_800, 3_200);
    });

    it('draws nothing for share 0 or 1', () => {
      const rnd = scripted(0.5);
      expect(selectFailedEntries(5, 0, false, rnd)).to.deep.equal([false, false, false, false, false]);
      expect(selectFailedEntries(5, 1, true, rnd)).to.deep.equal([true, true, true, true, true]);
      expect(rnd.draws).to.equal(0);
    });
  });

  describe('inWindow', () => {
    it('bounds by request count and by time, exclusive', () => {
      expect(inWindow({}, { seq: 1e6, elapsedMs: 1e9 })).to.equal(true);
      expect(inWindow({ firstRequests: 2 }, { seq: 1, elapsedMs: 0 })).to.equal(true);
      expect(inWindow({ firstRequests: 2 }, { seq: 2, elapsedMs: 0 })).to.equal(false);
      expect(inWindow({ durationMs: 100 }, { seq: 0, elapsedMs: 99 })).to.equal(true);
      expect(inWindow({ durationMs: 100 }, { seq: 0, elapsedMs: 100 })).to.equal(false);
    });
  });

  describe('decideRequest', () => {
    it('forwards when no fault is configured', () => {
      expect(decideRequest({}, ctx0, scripted(0))).to.deep.equal({ kind: 'forward' });
    });

    it('checks reset, then outage, then throttle', () => {
      const all: Faults = { reset: {}, outage: {}, throttle: {} };
      expect(decideRequest(all, ctx0, scripted(0)).kind).to.equal('reset');
      expect(decideRequest({ outage: {}, throttle: {} }, ctx0, scripted(0))).to.include({ kind: 'error', fault: 'outage' });
      expect(decideRequest({ throttle: {} }, ctx0, scripted(0))).to.include({ kind: 'error', fault: 'throttle' });
    });

    it('answers AWS-shaped errors with sensible defaults', () => {
      expect(decideRequest({ outage: {} }, ctx0, scripted(0))).to.deep.include({
        status: 503,
        errorType: 'ServiceUnavailableException',
      });
      expect(decideRequest({ outage: { status: 500 } }, ctx0, scripted(0))).to.deep.include({ status: 500, errorType: 'InternalFailure' });
      expect(decideRequest({ throttle: {} }, ctx0, scripted(0))).to.deep.include({
        status: 400,
        errorType: 'ThrottlingException',
        message: 'Rate exceeded',
      });
      expect(decideRequest({ throttle: { errorType: 'LimitExceededException' } }, ctx0, scripted(0))).to.deep.include({
        errorType: 'LimitExceededException',
      });
    });

    it('applies a request share with the PRNG', () => {
      const faults: Faults = { throttle: { share: 0.25 } };
      expect(decideRequest(faults, ctx0, scripted(0.2)).kind).to.equal('error');
      expect(decideRequest(faults, ctx0, scripted(0.25)).kind).to.equal('forward');
    });

    it('ends an outage after N requests or a duration', () => {
      expect(decideRequest({ outage: { firstRequests: 3 } }, { seq: 2, elapsedMs: 0 }, scripted(0)).kind).to.equal('error');
      expect(decideRequest({ outage: { firstRequests: 3 } }, { seq: 3, elapsedMs: 0 }, scripted(0)).kind).to.equal('forward');
      expect(decideRequest({ outage: { durationMs: 500 } }, { seq: 9, elapsedMs: 600 }, scripted(0)).kind).to.equal('forward');
    });
  });

  describe('mergeResponses', () => {
    it('puts moto answers back between the injected failures, in order', () => {
      const out = mergeResponses(
        [false, true, false, true],
        { FailedPutCount: 0, Encrypted: false, RequestResponses: [{ RecordId: 'a' }, { RecordId: 'c' }] },
        err,
      );
      expect(out).to.deep.equal({
        FailedPutCount: 2,
        Encrypted: false,
        RequestResponses: [
          { RecordId: 'a' },
          { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' },
          { RecordId: 'c' },
          { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' },
        ],
      });
    });

    it('counts failures that came from upstream too', () => {
      const out = mergeResponses(
        [true, false],
        { FailedPutCount: 1, RequestResponses: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'x' }] },
        { code: 'InternalFailure', message: 'injected' },
      );
      expect(out.FailedPutCount).to.equal(2);
    });

    it('answers an all-failed request without an upstream response', () => {
      const out = mergeResponses([true, true], undefined, err);
      expect(out.FailedPutCount).to.equal(2);
      expect(out.RequestResponses.every((r) => r.RecordId === undefined)).to.equal(true);
    });

    it('refuses an upstream answer of the wrong length', () => {
      expect(() => mergeResponses([false, false], { FailedPutCount: 0, RequestResponses: [{ RecordId: 'a' }] }, err)).to.throw(
        /answered 1 entries for 2/,
      );
    });
  });

  it('partitionEntries splits by the mask and keeps order', () => {
    expect(partitionEntries(['a', 'b', 'c', 'd'], [true, false, false, true])).to.deep.equal({ forward: ['b', 'c'], fail: ['a', 'd'] });
  });

  describe('QuotaMeter', () => {
    it('admits one second of the quota at once, then refills continuously', () => {
      const q = new QuotaMeter(1_000, 0);
      expect(q.admit(600, 0)).to.equal(true);
      expect(q.admit(600, 0)).to.equal(false); // 400 left
      expect(q.admit(400, 0)).to.equal(true);
      expect(q.admit(500, 499)).to.equal(false);
      expect(q.admit(500, 500)).to.equal(true);
      expect(q.admit(1_000, 60_000)).to.equal(true); // never more than one second banked
      expect(q.admit(1, 60_000)).to.equal(false);
    });
  });
});

describe('fault-proxy-logic rejectsAsInvalid', () => {
  it('rejects a request when any entry carries the marker, and only then', () => {
    const faults = { rejectInvalid: { marker: '"id":"bad-1"' } };
    expect(rejectsAsInvalid(faults, [Buffer.from('{"id":"ok"}'), Buffer.from('{"id":"bad-1"}')])).to.equal(true);
    expect(rejectsAsInvalid(faults, [Buffer.from('{"id":"bad-10"}')])).to.equal(false);
    expect(rejectsAsInvalid({}, [Buffer.from('{"id":"bad-1"}')])).to.equal(false);
  });
});
