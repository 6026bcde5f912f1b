import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import { verifyGenericDelivery } from '../../../connectors/generic/verify';
import { genericConfigSchema } from '../../../connectors/generic/schema';
import { CredgateError } from '../../../src/util/errors';

const SECRET = 'generic-webhook-secret-0123';
const body = Buffer.from('{"ticket":{"id":1}}');
const configWith = (webhook: Record<string, unknown>) => genericConfigSchema.parse({ webhookSecret: SECRET, webhook });
const delivery = (headers: Record<string, string>, raw = body) => ({ rawBody: raw, headers });
const refused = (fn: () => void, pattern: RegExp) => {
  expect(fn).to.throw(CredgateError, pattern).with.property('kind', 'auth');
};

describe('generic signature verification', () => {
  it('checks prefix + hex HMAC-SHA256 of the raw body in the configured header (case-insensitive hex)', () => {
    const config = configWith({ signatureHeader: 'X-Desk-Signature', prefix: 'sha256=' });
    const hex = createHmac('sha256', SECRET).update(body).digest('hex');
    verifyGenericDelivery(delivery({ 'x-desk-signature': `sha256=${hex}` }), config);
    verifyGenericDelivery(delivery({ 'x-desk-signature': `sha256=${hex.toUpperCase()}` }), config);
    refused(() => verifyGenericDelivery(delivery({ 'x-desk-signature': hex }), config), /does not match/);
    refused(
      () =>
        verifyGenericDelivery(
          delivery({ 'x-desk-signature': `sha256=${hex}` }, Buffer.from('{"ticket":{"id":2}}')),
          config,
        ),
      /does not match/,
    );
  });

  it('supports base64 digests and SHA-512', () => {
    const config = configWith({ signatureHeader: 'X-Sig', algorithm: 'sha512', encoding: 'base64' });
    verifyGenericDelivery(delivery({ 'x-sig': createHmac('sha512', SECRET).update(body).digest('base64') }), config);
    refused(
      () =>
        verifyGenericDelivery(
          delivery({ 'x-sig': createHmac('sha256', SECRET).update(body).digest('base64') }),
          config,
        ),
      /does not match/,
    );
  });

  it('refuses a wrong secret, a missing header, and everything while no secret is configured', () => {
    const config = configWith({ signatureHeader: 'X-Sig' });
    refused(
      () =>
        verifyGenericDelivery(
          delivery({ 'x-sig': createHmac('sha256', 'another-secret-000000').update(body).digest('hex') }),
          config,
        ),
      /does not match/,
    );
    refused(() => verifyGenericDelivery(delivery({}), config), /not signed: expected a X-Sig header/);
    refused(
      () => verifyGenericDelivery(delivery({ 'x-sig': 'x' }), genericConfigSchema.parse({})),
      /GENERIC_WEBHOOK_SECRET/,
    );
  });
});
