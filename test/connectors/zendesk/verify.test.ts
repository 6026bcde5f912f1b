import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifyZendeskDelivery, zendeskSignature } from '../../../connectors/zendesk/verify';
import { zendeskConfigSchema } from '../../../connectors/zendesk/schema';
import { CredgateError } from '../../../src/util/errors';

const FIXTURES = join(__dirname, '../../fixtures/zendesk');
const SECRET = 'zd-signing-secret-9c2f41e7b0d35a6e';
const config = zendeskConfigSchema.parse({ webhookSecret: SECRET });

const delivery = (raw: string | Buffer, signature?: string, timestamp?: string) => ({
  rawBody: Buffer.isBuffer(raw) ? raw : Buffer.from(raw),
  headers: {
    ...(signature !== undefined ? { 'x-zendesk-webhook-signature': signature } : {}),
    ...(timestamp !== undefined ? { 'x-zendesk-webhook-signature-timestamp': timestamp } : {}),
  },
});
const authError = (fn: () => void, pattern: RegExp) => {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(CredgateError);
    expect((err as CredgateError).kind).to.equal('auth');
    expect((err as CredgateError).message).to.match(pattern);
    return;
  }
  expect.fail('expected the delivery to be refused');
};

describe('zendesk signature verification', () => {
  const body = '{"ticket_id":"42","actor_id":"1102"}';
  const ts = '2026-11-25T10:00:00Z';
  const at = Date.parse(ts);

  it('accepts base64(HMAC-SHA256(secret, TIMESTAMP + BODY)), the order Zendesk documents today', () => {
    const expected = createHmac('sha256', SECRET)
      .update(ts + body)
      .digest('base64');
    expect(zendeskSignature(SECRET, ts, body)).to.equal(expected);
    verifyZendeskDelivery(delivery(body, expected, ts), config, at + 60_000);
  });

  describe('the legacy test vector (an older revision of the docs, BODY + TIMESTAMP)', () => {
    const vector = JSON.parse(readFileSync(join(FIXTURES, 'signature-vector.legacy-docs.json'), 'utf8')) as {
      signing_secret: string;
      body: string;
      timestamp: string;
      signature: string;
    };
    const legacyConfig = zendeskConfigSchema.parse({ webhookSecret: vector.signing_secret });
    const legacyAt = Date.parse(vector.timestamp);

    it("does not verify under today's order, so credgate refuses it", () => {
      expect(zendeskSignature(vector.signing_secret, vector.timestamp, vector.body)).not.to.equal(vector.signature);
      authError(
        () => verifyZendeskDelivery(delivery(vector.body, vector.signature, vector.timestamp), legacyConfig, legacyAt),
        /does not match/,
      );
    });

    it('does verify under the legacy order (secret as UTF-8 text), which proves the vector is sound', () => {
      const legacy = createHmac('sha256', vector.signing_secret)
        .update(vector.body + vector.timestamp)
        .digest('base64');
      expect(legacy).to.equal(vector.signature);
    });
  });

  it('refuses a tampered body, a wrong secret, and a missing signature or timestamp', () => {
    const sig = zendeskSignature(SECRET, ts, body);
    authError(() => verifyZendeskDelivery(delivery(body.replace('42', '43'), sig, ts), config, at), /does not match/);
    authError(
      () => verifyZendeskDelivery(delivery(body, zendeskSignature(`${SECRET}-x`, ts, body), ts), config, at),
      /does not match/,
    );
    authError(() => verifyZendeskDelivery(delivery(body, undefined, ts), config, at), /not signed/);
    authError(() => verifyZendeskDelivery(delivery(body, sig), config, at), /not signed/);
    // The timestamp is signed too: moving it breaks the signature.
    authError(() => verifyZendeskDelivery(delivery(body, sig, '2026-11-25T10:00:01Z'), config, at), /does not match/);
  });

  it('refuses a stale (or far-future) timestamp even when correctly signed', () => {
    const sig = zendeskSignature(SECRET, ts, body);
    authError(() => verifyZendeskDelivery(delivery(body, sig, ts), config, at + 6 * 60_000), /stale/);
    authError(() => verifyZendeskDelivery(delivery(body, sig, ts), config, at - 6 * 60_000), /stale/);
    verifyZendeskDelivery(delivery(body, sig, ts), config, at + 4 * 60_000);
    const strict = zendeskConfigSchema.parse({ webhookSecret: SECRET, maxSkew: '30s' });
    authError(() => verifyZendeskDelivery(delivery(body, sig, ts), strict, at + 31_000), /more than 30s/);
  });

  it('refuses a timestamp that is not a time, once signed', () => {
    const sig = zendeskSignature(SECRET, 'yesterday', body);
    authError(() => verifyZendeskDelivery(delivery(body, sig, 'yesterday'), config, at), /not a time/);
  });

  it('accepts nothing while no secret is configured', () => {
    authError(
      () => verifyZendeskDelivery(delivery(body, 'x', ts), zendeskConfigSchema.parse({}), at),
      /ZENDESK_WEBHOOK_SECRET/,
    );
  });

  it('cannot verify the Prismatic example (its secret was never published), but its bytes verify once signed with ours', () => {
    const fixture = JSON.parse(
      readFileSync(join(FIXTURES, 'event-webhook.ticket.created.prismatic-example.json'), 'utf8'),
    ) as { headers: Record<string, string>; rawBody: string };
    const published = fixture.headers['X-Zendesk-Webhook-Signature'];
    const stamp = fixture.headers['X-Zendesk-Webhook-Signature-Timestamp'];
    authError(
      () => verifyZendeskDelivery(delivery(fixture.rawBody, published, stamp), config, Date.parse(stamp)),
      /does not match/,
    );
    verifyZendeskDelivery(
      delivery(fixture.rawBody, zendeskSignature(SECRET, stamp, fixture.rawBody), stamp),
      config,
      Date.parse(stamp),
    );
  });
});
