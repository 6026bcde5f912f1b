import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import { serviceNowSignature, verifyServiceNowDelivery } from '../../../connectors/servicenow/verify';
import { CredgateError } from '../../../src/util/errors';

const SECRET = 'servicenow-webhook-secret-0123';
const config = { webhookSecret: SECRET, webhookTolerance: '5m' };
const NOW = 1_767_600_000_000;
const TS = String(NOW / 1000);
const RAW = Buffer.from(
  '{"sys_id":"a9e30c7dc61122760116894de7bcc7bd","number":"INC0000046","table":"incident","event":"update","updated_by":"alice","sys_mod_count":"4"}',
);

const delivery = (headers: Record<string, string>, rawBody = RAW) => ({ rawBody, headers });
const signed = (ts = TS, secret = SECRET, rawBody = RAW) =>
  delivery({ 'x-credgate-timestamp': ts, 'x-credgate-signature': serviceNowSignature(secret, ts, rawBody) }, rawBody);
const refusal = (fn: () => void) => {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(CredgateError);
    expect((err as CredgateError).kind).to.equal('auth');
    return (err as CredgateError).message;
  }
  throw new Error('expected a refusal');
};

describe('servicenow webhook verification', () => {
  it('accepts the Business Rule\'s signature: base64 HMAC-SHA256 of "<timestamp>.<body>", as generateMac returns it', () => {
    const expected = 'sha256=' + createHmac('sha256', SECRET).update(`${TS}.${RAW.toString()}`).digest('base64');
    expect(serviceNowSignature(SECRET, TS, RAW)).to.equal(expected);
    expect(() => verifyServiceNowDelivery(signed(), config, NOW)).to.not.throw();
  });

  it('refuses a wrong secret, a changed body and a missing timestamp', () => {
    expect(refusal(() => verifyServiceNowDelivery(signed(TS, 'another-secret-0000000'), config, NOW))).to.match(
      /does not match/,
    );
    const tampered = { ...signed(), rawBody: Buffer.from(RAW.toString().replace('alice', 'credgate')) };
    expect(refusal(() => verifyServiceNowDelivery(tampered, config, NOW))).to.match(/does not match/);
    expect(
      refusal(() =>
        verifyServiceNowDelivery(
          delivery({ 'x-credgate-signature': serviceNowSignature(SECRET, TS, RAW) }),
          config,
          NOW,
        ),
      ),
    ).to.match(/Timestamp/);
  });

  it('refuses a correctly signed delivery that is too old or from the future (a replay)', () => {
    const old = String(NOW / 1000 - 301);
    expect(refusal(() => verifyServiceNowDelivery(signed(old), config, NOW))).to.match(/more than 5m away/);
    expect(refusal(() => verifyServiceNowDelivery(signed(String(NOW / 1000 + 301)), config, NOW))).to.match(
      /more than 5m away/,
    );
    expect(() => verifyServiceNowDelivery(signed(String(NOW / 1000 - 299)), config, NOW)).to.not.throw();
  });

  it('accepts the shared secret in X-Credgate-Token (REST message or Flow step without a MAC)', () => {
    expect(() => verifyServiceNowDelivery(delivery({ 'x-credgate-token': SECRET }), config, NOW)).to.not.throw();
    expect(
      refusal(() => verifyServiceNowDelivery(delivery({ 'x-credgate-token': `${SECRET}x` }), config, NOW)),
    ).to.match(/does not match/);
  });

  it('refuses unsigned deliveries, and everything when no secret is configured', () => {
    expect(refusal(() => verifyServiceNowDelivery(delivery({}), config, NOW))).to.match(/not signed/);
    expect(
      refusal(() => verifyServiceNowDelivery(signed(), { webhookSecret: undefined, webhookTolerance: '5m' }, NOW)),
    ).to.match(/SERVICENOW_WEBHOOK_SECRET/);
  });

  it('never echoes the secret in its messages', () => {
    const messages = [
      refusal(() => verifyServiceNowDelivery(delivery({ 'x-credgate-token': 'guess' }), config, NOW)),
      refusal(() => verifyServiceNowDelivery(signed(TS, 'wrong-secret-00000000'), config, NOW)),
    ];
    for (const m of messages) expect(m).to.not.include(SECRET);
  });
});
