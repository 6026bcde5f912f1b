import { createHmac } from 'node:crypto';
import type { InboundDelivery } from '../types';
import { CredgateError } from '../../src/util/errors';
import { header, safeEqual } from '../kit';
import type { RtConfig } from './schema';

export const SIGNATURE_HEADER = 'X-Credgate-Signature';

/**
 * The credgate Scrip signs the exact body it posts: `X-Credgate-Signature: sha256=<hex HMAC-SHA256
 * of the body under $CredgateWebhookSecret>`, compared in constant time. With no secret configured,
 * nothing is accepted.
 */
export function verifyRtDelivery(delivery: InboundDelivery, config: Pick<RtConfig, 'webhookSecret'>): void {
  const secret = config.webhookSecret;
  if (!secret) {
    throw new CredgateError(
      'auth',
      'no Request Tracker webhook secret is configured, so no delivery is accepted: set RT_WEBHOOK_SECRET',
    );
  }
  const given = header(delivery.headers, SIGNATURE_HEADER);
  if (!given)
    throw new CredgateError('auth', `the delivery has no ${SIGNATURE_HEADER} header: is the credgate Scrip installed?`);
  const expected = `sha256=${createHmac('sha256', secret).update(delivery.rawBody).digest('hex')}`;
  if (!safeEqual(given.trim().toLowerCase(), expected))
    throw new CredgateError(
      'auth',
      `the ${SIGNATURE_HEADER} header does not match the body: $CredgateWebhookSecret in RT and RT_WEBHOOK_SECRET differ`,
    );
}
