import { ResultCodeError } from 'ldapts';
import { CredgateError, isCredgateError, type ErrorKind } from '../../util/errors';

/**
 * LDAP result codes (RFC 4511 appendix A) that a later retry can cure: the server is busy, shutting
 * down, or gave up on time. Everything else a retry would only repeat.
 */
const TRANSIENT_CODES = new Set([3 /* timeLimitExceeded */, 51 /* busy */, 52 /* unavailable */]);

/** Socket-level failures: the directory is down, unreachable or hung. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
]);
const NETWORK_MESSAGES =
  /Connection timeout|Operation timed out|Socket error|Connection closed|socket hang up|Socket connection not established/i;

/** Certificate problems: retrying will not fix them, the configuration must. */
const TLS_CODES = /^(ERR_TLS_|UNABLE_TO_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_SSL_)/;

export interface FailureContext {
  /** What was being done, in words: "adding uid=bob,... to cn=vpn,...". */
  action: string;
  provider: string;
  bindDN: string;
  /** Values that must never appear in a message (the bind password, a new password). */
  secrets: string[];
}

const scrub = (text: string, secrets: string[]) =>
  secrets.filter((s) => s.length > 0).reduce((out, s) => out.split(s).join('[REDACTED]'), text);

/**
 * Turns whatever ldapts or the socket threw into a CredgateError of the right kind, in one place.
 * The server's own diagnostic text is kept (it says which attribute or rule failed), scrubbed of
 * every secret in play.
 */
export function toCredgateError(err: unknown, ctx: FailureContext): CredgateError {
  if (isCredgateError(err)) return err;
  const e = err as Error & { code?: unknown };
  const said = scrub((e?.message ?? String(err)).split('\n')[0], ctx.secrets);
  const fail = (kind: ErrorKind, message: string, code?: string) =>
    new CredgateError(kind, scrub(`ldap provider ${ctx.provider}: ${message}`, ctx.secrets), code ? { code } : {});

  if (err instanceof ResultCodeError) {
    const code = `ldap-${err.code}`;
    if (err.code === 49)
      return fail(
        'config',
        `the directory refused the bind as ${ctx.bindDN} (invalid credentials): check bindDN and bindPassword`,
        code,
      );
    if (err.code === 50)
      return fail('config', `${ctx.bindDN} lacks the directory rights for ${ctx.action} (${said})`, code);
    if (err.code === 32) return fail('permanent', `${ctx.action} failed: no such entry (${said})`, code);
    if (err.code === 17)
      return fail(
        'config',
        `${ctx.action} failed: the directory's schema does not know an attribute used (${said})`,
        code,
      );
    if (err.code === 8 || err.code === 13)
      return fail(
        'config',
        `${ctx.action} needs an encrypted connection: use ldaps:// or tls.startTLS (${said})`,
        code,
      );
    if (TRANSIENT_CODES.has(err.code))
      return fail('transient', `${ctx.action} failed, the directory said: ${said}`, code);
    return fail('permanent', `${ctx.action} failed, the directory said: ${said}`, code);
  }
  const sysCode = typeof e?.code === 'string' ? e.code : '';
  if (TLS_CODES.test(sysCode))
    return fail('config', `TLS with the directory failed during ${ctx.action} (${sysCode}): check tls.caFile`, sysCode);
  if (NETWORK_CODES.has(sysCode) || NETWORK_MESSAGES.test(said)) {
    return fail(
      'transient',
      `the directory is unreachable or not answering during ${ctx.action} (${sysCode || said})`,
      sysCode || 'ldap-unreachable',
    );
  }
  return fail('permanent', `${ctx.action} failed: ${said}`);
}
