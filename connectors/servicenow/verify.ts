import { createHmac } from 'node:crypto';
import type { InboundDelivery } from '../types';
import { header, safeEqual } from '../kit';
import { CredgateError } from '../../src/util/errors';
import { parseDuration } from '../../src/policy/parse-duration';
import type { ServiceNowConfig } from './schema';

export const SIGNATURE_HEADER = 'x-credgate-signature';
export const TIMESTAMP_HEADER = 'x-credgate-timestamp';
export const TOKEN_HEADER = 'x-credgate-token';

/**
 * The signature credgate's Business Rule computes: GlideCertificateEncryption.generateMac, which
 * returns the HMAC in base64 (https://www.servicenow.com/docs/r/api-reference/server-api-reference/c_GlideCertificateEncryptionAPI.html),
 * over `<timestamp>.<body>` so a captured delivery cannot be replayed later.
 */
export function serviceNowSignature(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('base64');
}

/**
 * ServiceNow signs nothing by itself: the Business Rule in the readme sends
 * `X-Credgate-Signature: sha256=<base64 HMAC>` and `X-Credgate-Timestamp: <epoch seconds>`. An
 * outbound REST message or Flow step that cannot compute a MAC may send the secret itself in
 * `X-Credgate-Token` instead. With no secret configured, nothing is accepted.
 */
export function verifyServiceNowDelivery(
  delivery: InboundDelivery,
  config: Pick<ServiceNowConfig, 'webhookSecret' | 'webhookTolerance'>,
  nowMs: number,
): void {
  const secret = config.webhookSecret;
  if (!secret) {
    throw new CredgateError(
      'auth',
      'no ServiceNow webhook secret is configured, so no delivery is accepted: set SERVICENOW_WEBHOOK_SECRET',
    );
  }
  const signature = header(delivery.headers, SIGNATURE_HEADER);
  if (signature !== undefined) {
    const timestamp = header(delivery.headers, TIMESTAMP_HEADER)?.trim() ?? '';
    if (!/^\d{9,11}$/.test(timestamp)) {
      throw new CredgateError(
        'auth',
        'the delivery is signed but X-Credgate-Timestamp is missing or not epoch seconds',
      );
    }
    if (!safeEqual(signature.trim(), serviceNowSignature(secret, timestamp, delivery.rawBody))) {
      throw new CredgateError(
        'auth',
        'the X-Credgate-Signature does not match the body: check the secret in the Business Rule',
      );
    }
    const toleranceMs = parseDuration(config.webhookTolerance) ?? 300_000;
    if (Math.abs(nowMs - Number(timestamp) * 1000) > toleranceMs) {
      throw new CredgateError(
        'auth',
        `the delivery's X-Credgate-Timestamp is more than ${config.webhookTolerance} away from now: a replay, or a clock out of sync`,
      );
    }
    return;
  }
  const token = header(delivery.headers, TOKEN_HEADER);
  if (token !== undefined) {
    if (safeEqual(token, secret)) return;
    throw new CredgateError('auth', 'the X-Credgate-Token header does not match the configured secret');
  }
  throw new CredgateError(
    'auth',
    'the delivery is not signed: expected an X-Credgate-Signature (or X-Credgate-Token) header',
  );
}
