import { timingSafeEqual } from 'node:crypto';
import type { InboundDelivery } from '../types';
import { CredgateError } from '../../src/util/errors';
import type { FreshserviceConfig } from './schema';

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

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
  const raw = delivery.headers[config.webhookHeader.toLowerCase()];
  const token = Array.isArray(raw) ? raw[0] : raw;
  if (token === undefined)
    throw new CredgateError(
      'auth',
      `the delivery has no ${config.webhookHeader} header: add it to the workflow's webhook action`,
    );
  if (!safeEqual(token.trim(), secret))
    throw new CredgateError('auth', `the ${config.webhookHeader} header does not match the configured secret`);
}
