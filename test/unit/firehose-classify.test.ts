import { expect } from 'chai';
import { AbortedError, FirehoseError } from '../../src/errors';
import { classifyEntryError, classifyRequestError, isThrottleCode } from '../../src/firehose/classify';

/** Shapes of errors as the AWS SDK v3 and Node raise them. */
function serviceError(name: string, status: number, fault: 'client' | 'server' = status >= 500 ? 'server' : 'client'): Error {
  return Object.assign(new Error(`${name} message`), { name, $fault: fault, $metadata: { httpStatusCode: status } });
}
function nodeError(code: string, message = `connect ${code}`): Error {
  return Object.assign(new Error(message), { code });
}

describe('firehose/classify classifyRequestError', () => {
  const cases: Array<{ name: string; err: unknown; code: string; retriable: boolean }> = [
    { name: 'ThrottlingException', err: serviceError('ThrottlingException', 400), code: 'ThrottlingException', retriable: true },
    { name: 'LimitExceededException', err: serviceError('LimitExceededException', 400), code: 'LimitExceededException', retriable: true },
    { name: 'ServiceUnavailableException', err: serviceError('ServiceUnavailableException', 503), code: 'ServiceUnavailableException', retriable: true },
    { name: 'InternalFailure', err: serviceError('InternalFailure', 500), code: 'InternalFailure', retriable: true },
    { name: 'InternalFailureException', err: serviceError('InternalFailureException', 500), code: 'InternalFailureException', retriable: true },
    { name: 'unknown 5xx', err: serviceError('Error', 502), code: 'HTTP_502', retriable: true },
    { name: 'unknown named 5xx', err: serviceError('BadGatewayThing', 504), code: 'BadGatewayThing', retriable: true },
    { name: '429 without a name', err: serviceError('Error', 429), code: 'HTTP_429', retriable: true },
    { name: 'SDK TimeoutError with ETIMEDOUT', err: Object.assign(new Error('t'), { name: 'TimeoutError', code: 'ETIMEDOUT' }), code: 'ETIMEDOUT', retriable: true },
    { name: 'SDK TimeoutError without code', err: Object.assign(new Error('t'), { name: 'TimeoutError' }), code: 'TimeoutError', retriable: true },
    { name: 'ECONNRESET', err: nodeError('ECONNRESET'), code: 'ECONNRESET', retriable: true },
    { name: 'ECONNREFUSED', err: nodeError('ECONNREFUSED'), code: 'ECONNREFUSED', retriable: true },
    { name: 'EPIPE', err: nodeError('EPIPE'), code: 'EPIPE', retriable: true },
    { name: 'EAI_AGAIN', err: nodeError('EAI_AGAIN'), code: 'EAI_AGAIN', retriable: true },
    { name: 'ETIMEDOUT', err: nodeError('ETIMEDOUT'), code: 'ETIMEDOUT', retriable: true },
    { name: 'socket hang up', err: new Error('socket hang up'), code: 'ECONNRESET', retriable: true },
    { name: 'our per-request timeout inside the SDK AbortError', err: Object.assign(new Error('Request aborted'), { name: 'AbortError', cause: new FirehoseError('REQUEST_TIMEOUT', 'x', true) }), code: 'REQUEST_TIMEOUT', retriable: true },
    { name: 'AbortError not from the caller', err: Object.assign(new Error('Request aborted'), { name: 'AbortError' }), code: 'REQUEST_TIMEOUT', retriable: true },
    { name: 'server fault without status', err: Object.assign(new Error('x'), { name: 'Weird', $fault: 'server' }), code: 'Weird', retriable: true },
    { name: 'ResourceNotFoundException', err: serviceError('ResourceNotFoundException', 400), code: 'ResourceNotFoundException', retriable: false },
    { name: 'AccessDeniedException', err: serviceError('AccessDeniedException', 400), code: 'AccessDeniedException', retriable: false },
    { name: 'InvalidArgumentException', err: serviceError('InvalidArgumentException', 400), code: 'InvalidArgumentException', retriable: false },
    { name: 'InvalidKMSResourceException', err: serviceError('InvalidKMSResourceException', 400), code: 'InvalidKMSResourceException', retriable: false },
    { name: 'ValidationException', err: serviceError('ValidationException', 400), code: 'ValidationException', retriable: false },
    { name: 'UnrecognizedClientException', err: serviceError('UnrecognizedClientException', 400), code: 'UnrecognizedClientException', retriable: false },
    { name: 'unknown 4xx', err: serviceError('SomethingNew', 400), code: 'SomethingNew', retriable: false },
    { name: 'unknown 403 without a name', err: serviceError('Error', 403), code: 'HTTP_403', retriable: false },
    { name: 'programmer error', err: new TypeError('x is undefined'), code: 'TypeError', retriable: false },
    { name: 'a thrown string', err: 'boom', code: 'UNKNOWN', retriable: false },
  ];
  for (const c of cases) {
    it(`${c.name} -> ${c.code}, retriable ${c.retriable}`, () => {
      const out = classifyRequestError(c.err);
      expect(out).to.be.instanceOf(FirehoseError);
      expect(out.code).to.equal(c.code);
      expect(out.retriable).to.equal(c.retriable);
    });
  }

  it('the caller aborted -> AbortedError, whatever the error', () => {
    const controller = new AbortController();
    controller.abort();
    const abortErr = Object.assign(new Error('Request aborted'), { name: 'AbortError' });
    expect(classifyRequestError(abortErr, controller.signal)).to.be.instanceOf(AbortedError);
    expect(classifyRequestError(serviceError('ThrottlingException', 400), controller.signal)).to.be.instanceOf(AbortedError);
  });

  it('passes our own FirehoseError through unchanged', () => {
    const own = new FirehoseError('REQUEST_TIMEOUT', 'no response', true);
    expect(classifyRequestError(own)).to.equal(own);
  });

  it('keeps the original error as cause and the message short', () => {
    const err = serviceError('InvalidArgumentException', 400);
    err.message = 'x'.repeat(5_000);
    const out = classifyRequestError(err);
    expect(out.cause).to.equal(err);
    expect(out.message.length).to.be.at.most(200);
  });
});

describe('firehose/classify classifyEntryError', () => {
  const cases: Array<{ code: string; retriable: boolean }> = [
    { code: 'ServiceUnavailableException', retriable: true },
    { code: 'InternalFailure', retriable: true },
    { code: 'SomethingUndocumented', retriable: true },
    { code: 'InvalidKMSResourceException', retriable: false },
    { code: 'KMS.AccessDeniedException', retriable: false },
    { code: 'KMS.DisabledException', retriable: false },
    { code: 'AccessDeniedException', retriable: false },
    { code: 'ResourceNotFoundException', retriable: false },
  ];
  for (const c of cases) {
    it(`${c.code} -> retriable ${c.retriable}`, () => {
      const err = classifyEntryError(c.code, 'detail');
      expect(err.code).to.equal(c.code);
      expect(err.retriable).to.equal(c.retriable);
    });
  }
});

describe('firehose/classify isThrottleCode', () => {
  it('names the throttling codes only', () => {
    expect(['ThrottlingException', 'LimitExceededException', 'ServiceUnavailableException', 'HTTP_429'].every(isThrottleCode)).to.equal(true);
    expect(['InternalFailure', 'ECONNRESET', 'REQUEST_TIMEOUT'].some(isThrottleCode)).to.equal(false);
  });
});
