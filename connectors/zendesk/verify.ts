import { createHmac } from 'node:crypto';
import type { InboundDelivery } from '../types';
import { header, safeEqual } from '../kit';
import { CredgateError } from '../../src/util/errors';
import { parseDuration } from '../../src/policy/parse-duration';
import type { ZendeskConfig } from './schema';

const SIGNATURE = 'x-zendesk-webhook-signature';
const TIMESTAMP = 'x-zendesk-webhook-signature-timestamp';

/**
 * The signature Zendesk sends today: base64(HMAC-SHA256(secret, TIMESTAMP + BODY)), the secret used
 * as its UTF-8 text (https://developer.zendesk.com/documentation/webhooks/verifying/). An older
 * revision of that page said BODY + TIMESTAMP; its test vector is kept in
 * test/fixtures/zendesk/signature-vector.legacy-docs.json and verifies only in that order.
 */
export function zendeskSignature(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(timestamp).update(rawBody).digest('base64');
}

/**
 * Accepts a delivery only when its signature matches and its timestamp is within `maxSkew` of now,
 * so a captured delivery cannot be replayed later. Never touches the network.
 */
export function verifyZendeskDelivery(
  delivery: InboundDelivery,
  config: Pick<ZendeskConfig, 'webhookSecret' | 'maxSkew'>,
  now: number,
): void {
  if (!config.webhookSecret) {
    throw new CredgateError(
      'auth',
      "no Zendesk webhook secret is configured, so no delivery is accepted: set ZENDESK_WEBHOOK_SECRET to the webhook's signing secret",
    );
  }
  const signature = header(delivery.headers, SIGNATURE)?.trim();
  const timestamp = header(delivery.headers, TIMESTAMP)?.trim();
  if (!signature || !timestamp) {
    throw new CredgateError(
      'auth',
      'the delivery is not signed: expected X-Zendesk-Webhook-Signature and X-Zendesk-Webhook-Signature-Timestamp headers',
    );
  }
  // Compare the signature first: an unsigned timestamp says nothing worth reporting.
  if (!safeEqual(signature, zendeskSignature(config.webhookSecret, timestamp, delivery.rawBody))) {
    throw new CredgateError(
      'auth',
      "the X-Zendesk-Webhook-Signature does not match the body: check ZENDESK_WEBHOOK_SECRET (the webhook's signing secret)",
    );
  }
  const at = Date.parse(timestamp);
  const skew = parseDuration(config.maxSkew) ?? 300_000;
  if (Number.isNaN(at))
    throw new CredgateError(
      'auth',
      `the X-Zendesk-Webhook-Signature-Timestamp "${timestamp.slice(0, 40)}" is not a time`,
    );
  if (Math.abs(now - at) > skew) {
    throw new CredgateError(
      'auth',
      `the delivery was signed at ${timestamp}, more than ${config.maxSkew} from now: refused as stale (a replay, or a clock out of sync)`,
    );
  }
}
