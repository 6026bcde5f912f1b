import { type ErrorKind, isCredgateError } from './errors';

/**
 * The error kinds worth trying again later, for deliveries and effects alike: an outage or a rate
 * limit (`transient`), a credential being rotated (`auth`), a lost race (`conflict`). The others
 * (`config`, `bad-input`, `not-found`, `permanent`) fail the same way every time they are tried.
 */
export const RETRIED_KINDS: ReadonlySet<ErrorKind> = new Set<ErrorKind>(['transient', 'auth', 'conflict']);

/** Socket-level failures Node reports by code: the network, not the request, failed. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * The kind of anything thrown. A CredgateError says its own; a socket error Node raised is
 * `transient`; anything else is an untyped throw, which is a bug (every throw in credgate is a
 * CredgateError), so it is `permanent`: retrying it would only hide it.
 */
export function errorKindOf(err: unknown): ErrorKind {
  if (isCredgateError(err)) return err.kind;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return 'transient';
  return 'permanent';
}

/** True when trying again later may succeed. */
export const isRetried = (err: unknown): boolean => RETRIED_KINDS.has(errorKindOf(err));

/** How long the server asked us to wait (Retry-After, X-RateLimit-Reset), when it did. */
export const retryAfterOf = (err: unknown): number | undefined =>
  isCredgateError(err) ? err.details.retryAfterMs : undefined;
