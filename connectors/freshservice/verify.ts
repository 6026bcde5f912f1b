import type { InboundDelivery } from '../types';
import { header, safeEqual } from '../kit';
import { CredgateError } from '../../src/util/errors';
import type { FreshserviceConfig } from './schema';

/**
 * The Workflow Automator's "Trigger Webhook" action cannot sign a body; it can send custom headers.
 * credgate's readme has it send the shared secret in `X-Credgate-Token` (configurable), compared in
 * constant time. With no secret configured, nothing is accepted.
 */
export function verifyFreshserviceDelivery(
  delivery: InboundDelivery,
  config: Pick<FreshserviceConfig, 'webhookSecret' | 'webhookHeader'>,
): void {
  const secret = config.webhookSecret;
  if (!secret) {
    throw new CredgateError(
      'auth',
      'no Freshservice webhook secret is configured, so no delivery is accepted: set FRESHSERVICE_WEBHOOK_SECRET',
    );
  }
  const token = header(delivery.headers, config.webhookHeader);
  if (token === undefined)
    throw new CredgateError(
      'auth',
      `the delivery has no ${config.webhookHeader} header: add it to the workflow's webhook action`,
    );
  if (!safeEqual(token.trim(), secret))
    throw new CredgateError('auth', `the ${config.webhookHeader} header does not match the configured secret`);
}
