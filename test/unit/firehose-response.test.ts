import { expect } from 'chai';
import type { PutBatchEntry } from '../../src/firehose/client';
import { assessResponse, MISSING_RECORD_ID } from '../../src/firehose/response';

const ok = (i: number): PutBatchEntry => ({ recordId: `id-${i}` });
const fail = (code = 'ServiceUnavailableException'): PutBatchEntry => ({ errorCode: code, errorMessage: 'Slow down.' });

describe('firehose/response assessResponse', () => {
  const cases: Array<{
    name: string;
    sent: number;
    failedPutCount: number;
    responses: PutBatchEntry[];
    kind: 'ok' | 'partial' | 'invalid';
    failed?: number[];
    codes?: Record<string, number>;
    permanent?: string;
  }> = [
    { name: 'all acked', sent: 3, failedPutCount: 0, responses: [ok(0), ok(1), ok(2)], kind: 'ok' },
    { name: 'empty request, empty response', sent: 0, failedPutCount: 0, responses: [], kind: 'ok' },
    {
      name: 'failed entries listed in order',
      sent: 5,
      failedPutCount: 3,
      responses: [fail(), ok(1), fail('InternalFailure'), ok(3), fail()],
      kind: 'partial',
      failed: [0, 2, 4],
      codes: { ServiceUnavailableException: 2, InternalFailure: 1 },
    },
    {
      name: 'FailedPutCount 0 but an entry has ErrorCode: still resent',
      sent: 2,
      failedPutCount: 0,
      responses: [ok(0), fail()],
      kind: 'partial',
      failed: [1],
      codes: { ServiceUnavailableException: 1 },
    },
    {
      name: 'an entry with neither RecordId nor ErrorCode is not assumed delivered',
      sent: 2,
      failedPutCount: 0,
      responses: [ok(0), {}],
      kind: 'partial',
      failed: [1],
      codes: { [MISSING_RECORD_ID]: 1 },
    },
    {
      name: 'a KMS error on a record stops delivery',
      sent: 2,
      failedPutCount: 1,
      responses: [ok(0), fail('KMS.DisabledException')],
      kind: 'partial',
      failed: [1],
      codes: { 'KMS.DisabledException': 1 },
      permanent: 'KMS.DisabledException',
    },
    { name: 'fewer entries than records', sent: 3, failedPutCount: 0, responses: [ok(0), ok(1)], kind: 'invalid' },
    { name: 'more entries than records', sent: 1, failedPutCount: 0, responses: [ok(0), ok(1)], kind: 'invalid' },
    { name: 'no entries at all', sent: 2, failedPutCount: 0, responses: [], kind: 'invalid' },
    { name: 'FailedPutCount above the failed entries', sent: 2, failedPutCount: 2, responses: [ok(0), fail()], kind: 'invalid' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const out = assessResponse({ failedPutCount: c.failedPutCount, responses: c.responses }, c.sent);
      expect(out.kind).to.equal(c.kind);
      if (out.kind === 'partial') {
        expect(out.failed).to.deep.equal(c.failed);
        expect(out.codes).to.deep.equal(c.codes);
        expect(out.permanent?.code).to.equal(c.permanent);
        if (c.permanent) expect(out.permanent?.retriable).to.equal(false);
      }
      if (out.kind === 'invalid') {
        expect(out.error.code).to.equal('RESPONSE_MISMATCH');
        expect(out.error.retriable).to.equal(true);
      }
    });
  }
});
