import { expect } from 'chai';
import { verifyFreshserviceDelivery } from '../../../connectors/freshservice/verify';
import { CredgateError } from '../../../src/util/errors';

const SECRET = 'freshservice-webhook-secret-0123';
const config = { webhookSecret: SECRET, webhookHeader: 'X-Credgate-Token' };
const delivery = (headers: Record<string, string | string[]>) => ({
  rawBody: Buffer.from('{"ticket_id":212}'),
  headers,
});
const refusal = (fn: () => void): string => {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(CredgateError);
    expect((err as CredgateError).kind).to.equal('auth');
    return (err as CredgateError).message;
  }
  throw new Error('expected a refusal');
};

describe('freshservice webhook verification (shared-secret header)', () => {
  it('accepts the secret in the configured header, whatever its case on the wire', () => {
    expect(() => verifyFreshserviceDelivery(delivery({ 'x-credgate-token': SECRET }), config)).to.not.throw();
    expect(() =>
      verifyFreshserviceDelivery(delivery({ 'x-fs-secret': SECRET }), { ...config, webhookHeader: 'X-FS-Secret' }),
    ).to.not.throw();
  });

  it('refuses a wrong, shorter or missing secret without echoing the secret', () => {
    for (const h of [
      { 'x-credgate-token': `${SECRET}x` },
      { 'x-credgate-token': SECRET.slice(0, -1) },
      { 'x-credgate-token': '' },
    ]) {
      expect(refusal(() => verifyFreshserviceDelivery(delivery(h), config)))
        .to.match(/does not match/)
        .and.not.include(SECRET);
    }
    expect(refusal(() => verifyFreshserviceDelivery(delivery({}), config))).to.match(/no X-Credgate-Token header/);
  });

  it('accepts nothing when no secret is configured', () => {
    expect(
      refusal(() =>
        verifyFreshserviceDelivery(delivery({ 'x-credgate-token': SECRET }), {
          webhookSecret: undefined,
          webhookHeader: 'X-Credgate-Token',
        }),
      ),
    ).to.match(/FRESHSERVICE_WEBHOOK_SECRET/);
  });
});
