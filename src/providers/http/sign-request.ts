import { createHmac } from 'node:crypto';

/**
 * The signature a receiver checks: `sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`.
 * The timestamp is inside the MAC so a captured call cannot be replayed later with a fresh one;
 * a receiver should also refuse timestamps more than a few minutes old.
 */
export function signRequest(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}
