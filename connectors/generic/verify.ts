import { createHmac } from 'node:crypto';
import type { InboundDelivery } from '../types';
import { header, safeEqual } from '../kit';
import { CredgateError } from '../../src/util/errors';
import type { GenericConfig } from './schema';

/** The signature header value for a body: `prefix` + the HMAC digest in the configured encoding. */
export function genericSignature(secret: string, rawBody: Buffer, webhook: GenericConfig['webhook']): string {
  return webhook.prefix + createHmac(webhook.algorithm, secret).update(rawBody).digest(webhook.encoding);
}

/**
 * Accepts a delivery only when the configured header holds HMAC(secret, raw body), the scheme most
 * systems use (GitHub's X-Hub-Signature-256, Jira's X-Hub-Signature, ...). Hex digests compare
 * case-insensitively. Never touches the network.
 */
export function verifyGenericDelivery(
  delivery: InboundDelivery,
  config: Pick<GenericConfig, 'webhookSecret' | 'webhook' | 'name'>,
): void {
  const { webhook } = config;
  if (!config.webhookSecret) {
    throw new CredgateError(
      'auth',
      'no webhook secret is configured for the generic connector, so no delivery is accepted: set GENERIC_WEBHOOK_SECRET',
    );
  }
  const given = header(delivery.headers, webhook.signatureHeader)?.trim();
  if (!given)
    throw new CredgateError('auth', `the delivery is not signed: expected a ${webhook.signatureHeader} header`);
  const expected = genericSignature(config.webhookSecret, delivery.rawBody, webhook);
  const normalize = (s: string) => (webhook.encoding === 'hex' ? s.toLowerCase() : s);
  if (!safeEqual(normalize(given), normalize(expected))) {
    throw new CredgateError(
      'auth',
      `the ${webhook.signatureHeader} header does not match the body: check GENERIC_WEBHOOK_SECRET and generic.webhook (algorithm ${webhook.algorithm}, ${webhook.encoding}, prefix "${webhook.prefix}")`,
    );
  }
}
