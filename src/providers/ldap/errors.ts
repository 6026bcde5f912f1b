import { ResultCodeError } from 'ldapts';
import { CredgateError, isCredgateError, type ErrorKind } from '../../util/errors';
import { secretForms } from '../../util/logger';

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

/**
 * Active Directory's reasons for refusing a bind (49), the "data NNN" in its diagnostic text
 * (`80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data 533, v1db1`):
 * https://learn.microsoft.com/en-us/windows/win32/debug/system-error-codes--1300-1699- (1317, 1326,
 * 1327, 1328, 1329, 1330, 1331, 1793, 1907, 1909 in hex).
 */
const AD_BIND_REASONS: Record<string, string> = {
  '525': 'no such user: check bindDN',
  '52e': 'wrong password: check bindPassword',
  '530': 'the account may not log on at this time of day',
  '531': 'the account may not log on from this computer',
  '532': 'the password has expired: set a new one and update bindPassword',
  '533': 'the account is disabled',
  '568': 'the account is in too many groups to log on',
  '701': 'the account has expired (accountExpires)',
  '773': 'the password must be changed at next logon: set a new one and update bindPassword',
  '775': 'the account is locked out',
};

/** AD's reason for a refused bind, read from the server's diagnostic text; null when it gives none. */
export function adBindReason(diagnostic: string): { code: string; reason: string } | null {
  const m = /AcceptSecurityContext error, data ([0-9a-f]+)/i.exec(diagnostic);
  if (!m) return null;
  const code = m[1].toLowerCase();
  return { code, reason: AD_BIND_REASONS[code] ?? `AD reason ${code}` };
}

/** AD's diagnostic for a password its policy refuses: ERROR_PASSWORD_RESTRICTION (0x52D). */
const AD_PASSWORD_RESTRICTION = /\b0000052D\b/i;

export interface FailureContext {
  /** What was being done, in words: "adding uid=bob,... to cn=vpn,...". */
  action: string;
  provider: string;
  bindDN: string;
  /** Values that must never appear in a message (the bind password, a new password). */
  secrets: string[];
}

const scrub = (text: string, secrets: string[]) =>
  secrets
    .filter((s) => s.length > 0)
    .flatMap(secretForms)
    .sort((a, b) => b.length - a.length)
    .reduce((out, s) => out.split(s).join('[REDACTED]'), text);

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
    if (err.code === 49) {
      const ad = adBindReason(e.message ?? '');
      if (ad)
        return fail(
          'config',
          `the directory refused the bind as ${ctx.bindDN}: ${ad.reason} (AD reason ${ad.code})`,
          `${code}-${ad.code}`,
        );
      return fail(
        'config',
        `the directory refused the bind as ${ctx.bindDN} (invalid credentials): check bindDN and bindPassword`,
        code,
      );
    }
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
    if (err.code === 19 && AD_PASSWORD_RESTRICTION.test(said))
      return fail(
        'config',
        `${ctx.action} failed: the directory's password policy refused the new password (${said}); raise the provider's passwordLength or relax the policy that applies to this account`,
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
