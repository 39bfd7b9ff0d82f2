/** Asserts that `fn` throws the command-line USAGE error (scripts/lib/cli.ts) whose message matches `pattern`. */
import { expect } from 'chai';
import { AppError } from '../../src/errors';

export function expectUsageError(fn: () => unknown, pattern: RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(AppError);
    expect((err as AppError).code).to.equal('USAGE');
    expect((err as AppError).retriable).to.equal(false);
    expect((err as AppError).message).to.match(pattern);
    return;
  }
  expect.fail(`expected a usage error matching ${pattern}`);
}
