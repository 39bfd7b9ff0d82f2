import { expect } from 'chai';
import { AbortedError, FirehoseError } from '../../src/errors';
import { classifyEntryError, classifyRequestError, failureClass, isThrottleCode } from '../../src/firehose/classify';
import { requestClass } from '../../src/firehose/verdict';

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
    // F5: anything unrecognised is retriable (it used to stop the process with exit 2).
    { name: 'unknown 4xx', err: serviceError('SomethingNew', 400), code: 'SomethingNew', retriable: true },
    { name: 'unknown 403 without a name', err: serviceError('Error', 403), code: 'HTTP_403', retriable: true },
    { name: 'programmer error', err: new TypeError('x is undefined'), code: 'TypeError', retriable: true },
    { name: 'a thrown string', err: 'boom', code: 'UNKNOWN', retriable: true },
    { name: 'F5 CredentialsProviderError', err: Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }), code: 'CredentialsProviderError', retriable: true },
    { name: 'F5 EPROTO', err: nodeError('EPROTO', 'write EPROTO'), code: 'EPROTO', retriable: true },
    { name: 'F5 ENETDOWN', err: nodeError('ENETDOWN'), code: 'ENETDOWN', retriable: true },
    { name: 'F5 ERR_STREAM_PREMATURE_CLOSE', err: nodeError('ERR_STREAM_PREMATURE_CLOSE', 'Premature close'), code: 'ERR_STREAM_PREMATURE_CLOSE', retriable: true },
  ];
  for (const c of cases) {
    it(`${c.name} -> ${c.code}, retriable ${c.retriable}`, () => {
      const out = classifyRequestError(c.err);
      expect(out).to.be.instanceOf(FirehoseError);
      expect(out.code).to.equal(c.code);
      expect(out.retriable).to.equal(c.retriable);
    });
  }

  it('F5: an unrecognised error keeps its full name and code in the message', () => {
    const out = classifyRequestError(Object.assign(new Error('odd'), { name: 'WeirdSdkError', code: 'E_ODD' }));
    expect(out.message).to.contain('name=WeirdSdkError').and.contain('code=E_ODD').and.contain('odd');
    expect(requestClass(out as FirehoseError)).to.equal('transient');
  });

  const classes: Array<{ err: unknown; cls: string }> = [
    { err: serviceError('ServiceUnavailableException', 503), cls: 'throttle' },
    { err: serviceError('ThrottlingException', 400), cls: 'throttle' },
    { err: serviceError('InternalFailure', 500), cls: 'transient' },
    { err: nodeError('ECONNRESET'), cls: 'transient' },
    { err: serviceError('SomethingNew', 400), cls: 'transient' },
    { err: serviceError('InvalidArgumentException', 400), cls: 'invalid' },
    { err: serviceError('ValidationException', 400), cls: 'invalid' },
    { err: serviceError('ResourceNotFoundException', 400), cls: 'downstream' },
    { err: serviceError('AccessDeniedException', 400), cls: 'downstream' },
    { err: serviceError('InvalidKMSResourceException', 400), cls: 'downstream' },
    { err: serviceError('UnrecognizedClientException', 400), cls: 'downstream' },
  ];
  for (const c of classes) {
    it(`class of ${(c.err as Error).name || (c.err as { code: string }).code}: ${c.cls}`, () => {
      expect(requestClass(classifyRequestError(c.err) as FirehoseError)).to.equal(c.cls);
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
    { code: 'InvalidArgumentException', retriable: false },
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

describe('firehose/classify failureClass (per-record ErrorCode)', () => {
  const table: Array<[string, string]> = [
    ['ServiceUnavailableException', 'throttle'],
    ['InternalFailure', 'transient'],
    ['SomethingUndocumented', 'transient'],
    ['InvalidArgumentException', 'invalid'],
    ['ResourceNotFoundException', 'downstream'],
    ['AccessDeniedException', 'downstream'],
    ['KMS.DisabledException', 'downstream'],
  ];
  for (const [code, cls] of table) it(`${code} -> ${cls}`, () => expect(failureClass(code)).to.equal(cls));
});

describe('firehose/classify isThrottleCode', () => {
  it('names the throttling codes only', () => {
    expect(['ThrottlingException', 'LimitExceededException', 'ServiceUnavailableException', 'HTTP_429'].every(isThrottleCode)).to.equal(true);
    expect(['InternalFailure', 'ECONNRESET', 'REQUEST_TIMEOUT'].some(isThrottleCode)).to.equal(false);
  });
});
