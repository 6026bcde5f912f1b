import { expect } from 'chai';
import { CredgateError } from '../../src/util/errors';

/** The CredgateError a call fails with; the test fails if it succeeds or throws anything else. */
export async function failure(promise: Promise<unknown>): Promise<CredgateError> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(CredgateError);
    return err as CredgateError;
  }
  throw new Error('expected the call to fail');
}
