import { CredgateError } from '../../util/errors';
import { retryAfterMs } from '../../util/retry-after';
import type { VaultErrorBody } from './types';

/** What a failed Vault call was about, for the message: the verb and the Vault API path. */
export interface VaultCall {
  /** "read", "wrap", "revoke lease"... */
  what: string;
  /** The API path without /v1/, e.g. "secret/data/team/db". Never holds a secret. */
  path: string;
}

/**
 * Maps a failed Vault call to a credgate error, the one place that does
 * (https://developer.hashicorp.com/vault/api-docs#http-status-codes). 429 (rate limit quota), 5xx
 * (500, 502, 503 sealed or standby) and network failures are transient, honouring Retry-After;
 * 403 means the token (or its policy) is wrong, which only an operator can fix; 404 means the
 * secret is not there. `scrub` holds values that must not survive into the message even if Vault
 * echoed them. No header or request config (which holds the token) is read.
 */
export function vaultFailure(err: unknown, call: VaultCall, scrub: string[] = []): CredgateError {
  if (err instanceof CredgateError) return err;
  const e = err as { response?: { status?: number; headers?: unknown; data?: unknown }; code?: string };
  const status = e?.response?.status;
  const clean = (text: string) =>
    scrub.filter((s) => s.length >= 4).reduce((out, s) => out.split(s).join('[REDACTED]'), text);
  if (!status)
    return new CredgateError(
      'transient',
      `Vault could not be reached (${call.what} ${call.path}): ${e?.code ?? 'network error'}`,
    );
  const vaultSays = clean(errorText(e.response?.data));
  const said = vaultSays ? `: ${vaultSays}` : '';
  if (status === 429 || status >= 500) {
    const why = status === 503 ? ' (sealed, or a standby that cannot serve)' : '';
    return new CredgateError('transient', `Vault answered ${status}${why} to ${call.what} ${call.path}${said}`, {
      retryAfterMs: retryAfterMs(plainHeaders(e.response?.headers)),
      httpStatus: status,
    });
  }
  if (status === 401 || status === 403) {
    return new CredgateError(
      'config',
      `the Vault token lacks permission on ${call.path} (${call.what}; Vault answered ${status}${said}): check the token and its policy (see src/providers/vault/readme.md)`,
      {
        httpStatus: status,
      },
    );
  }
  if (status === 404)
    return new CredgateError('permanent', `Vault has nothing at ${call.path} (${call.what}, 404)${said}`, {
      httpStatus: status,
    });
  if (status >= 300 && status < 400) {
    // A standby node redirects to the active one; credgate never follows redirects (they would carry the token).
    return new CredgateError(
      'transient',
      `Vault answered ${status} (a redirect, e.g. from a standby node) to ${call.what} ${call.path}: point the address at the active node or its load balancer`,
      { httpStatus: status },
    );
  }
  return new CredgateError('permanent', `Vault refused ${call.what} ${call.path} (${status})${said}`, {
    httpStatus: status,
  });
}

/** Vault's own words from `{"errors": [...]}`, cut short: they go to logs and audit, never to a ticket verbatim. */
export function errorText(data: unknown): string {
  const errors = (data as VaultErrorBody | undefined)?.errors;
  if (!Array.isArray(errors)) return '';
  return errors
    .map((m) => String(m).replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .join('; ')
    .slice(0, 200);
}

/** The HTTP status of a failed axios call, when Vault answered at all. */
export const statusOf = (err: unknown): number | undefined =>
  (err as { response?: { status?: number } })?.response?.status;

/** axios keeps headers in an AxiosHeaders object; retryAfterMs wants a plain record. */
function plainHeaders(h: unknown): Record<string, unknown> | undefined {
  if (!h || typeof h !== 'object') return undefined;
  const json = (h as { toJSON?: () => unknown }).toJSON?.();
  return (json && typeof json === 'object' ? json : h) as Record<string, unknown>;
}
