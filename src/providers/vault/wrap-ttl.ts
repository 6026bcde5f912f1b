import { CredgateError } from '../../util/errors';

/**
 * Seconds the wrapping token may live: the binding's `wrapTtl`, cut to the time left in the grant,
 * so a token nobody unwrapped dies no later than the access it carries. Whole seconds, rounded
 * down (Vault's X-Vault-Wrap-TTL takes seconds). A grant with under a second left hands off nothing.
 */
export function wrapTtlSeconds(wrapTtlMs: number, expiresAt: string | null, now: Date): number {
  const left = expiresAt === null ? Infinity : Date.parse(expiresAt) - now.getTime();
  if (Number.isNaN(left)) throw new CredgateError('permanent', `the grant's end "${expiresAt}" is not a date`);
  const seconds = Math.floor(Math.min(wrapTtlMs, left) / 1000);
  if (seconds < 1)
    throw new CredgateError('permanent', `the grant ended (${expiresAt}) before its secret could be handed off`);
  return seconds;
}

/** "2025-03-01T10:10:00Z": when an unwrapped token stops working, in words fit for a ticket. */
export const unwrapDeadline = (now: Date, ttlSeconds: number): string =>
  new Date(now.getTime() + ttlSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
