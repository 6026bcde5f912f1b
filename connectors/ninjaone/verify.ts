import type { InboundDelivery } from '../types';
import { header, safeEqual } from '../kit';
import { CredgateError } from '../../src/util/errors';
import type { NinjaoneConfig } from './schema';

/**
 * NinjaOne signs no webhook delivery: it sends the custom headers configured with PUT /v2/webhook.
 * credgate configures one holding a secret of at least 32 random bytes and compares it in constant
 * time; TLS and this header are the only protection (connectors/ninjaone/readme.md). With no secret
 * configured, nothing is accepted.
 */
export function verifyNinjaoneDelivery(
  delivery: InboundDelivery,
  config: Pick<NinjaoneConfig, 'webhookSecret' | 'webhookHeader'>,
): void {
  const secret = config.webhookSecret;
  if (!secret)
    throw new CredgateError(
      'auth',
      'no NinjaOne webhook secret is configured, so no delivery is accepted: set NINJAONE_WEBHOOK_SECRET',
    );
  const token = header(delivery.headers, config.webhookHeader);
  if (token === undefined)
    throw new CredgateError(
      'auth',
      `the delivery has no ${config.webhookHeader} header: run "credgate ninjaone register-webhook"`,
    );
  if (!safeEqual(token, secret))
    throw new CredgateError('auth', `the ${config.webhookHeader} header does not match the configured secret`);
}
