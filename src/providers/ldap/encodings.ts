import { BerWriter } from 'ldapts';
import { CredgateError } from '../../util/errors';

/**
 * Pure encodings between credgate's values and what directories store. Kept apart from any I/O so
 * each one is unit-tested against the documented format.
 */

/** RFC 4515 section 3: these five must be escaped in a filter's assertion value. */
export function escapeFilterValue(value: string): string {
  return value.replace(/[*()\\\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

const PLACEHOLDER = /\{\{\s*([a-z]+)\s*\}\}/gi;

/** The `{{name}}` placeholders a filter template uses, for validating templates at boot. */
export function filterPlaceholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]);
}

/**
 * Fills a filter template such as `(mail={{email}})`. Values come from requesters and tickets, so
 * each is escaped: `*)(uid=*` matches nobody instead of everybody.
 */
export function renderFilter(template: string, values: Record<string, string>): string {
  return template.replace(PLACEHOLDER, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new CredgateError('config', `filter placeholder {{${name}}} has no value`);
    return escapeFilterValue(value);
  });
}

/** LDAP GeneralizedTime (RFC 4517 3.3.13) in UTC, whole seconds: 20250101120000Z. */
export function toGeneralizedTime(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

/** Parses the GeneralizedTime forms directories return; null for anything else. */
export function fromGeneralizedTime(value: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})?(\d{2})?(?:[.,](\d+))?Z$/.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi = '00', s = '00', frac = '0'] = m;
  const ms = Math.round(Number(`0.${frac}`) * 1000);
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms));
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * ppolicy's "locked by an administrator until unlocked" value: a lockout duration never ends it.
 * https://www.openldap.org/software/man.cgi?query=slapo-ppolicy (pwdAccountLockedTime)
 */
export const PERMANENT_LOCK = '000001010000Z';

const DAY_MS = 86_400_000;

/**
 * shadowExpire counts whole days since 1970-01-01, and shadow treats the account as expired from
 * the start of that day. Rounding up keeps a grant ending this afternoon usable until then, at the
 * cost of up to a day's slack for systems that read only shadowExpire; ppolicy's pwdEndTime and
 * credgate's own revocation carry the exact instant.
 */
export function toShadowDay(date: Date): number {
  return Math.ceil(date.getTime() / DAY_MS);
}

export function fromShadowDay(day: number): Date {
  return new Date(day * DAY_MS);
}

/** Windows FILETIME: 100-nanosecond intervals since 1601-01-01 UTC (accountExpires, lastLogonTimestamp). */
const EPOCH_DIFF_MS = 11_644_473_600_000n;
/** accountExpires values that mean "never": 0 and 0x7FFFFFFFFFFFFFFF. */
export const FILETIME_NEVER = '9223372036854775807';

export function toFiletime(date: Date): string {
  return ((BigInt(date.getTime()) + EPOCH_DIFF_MS) * 10_000n).toString();
}

export function fromFiletime(value: string): Date | null {
  if (!/^\d+$/.test(value.trim())) return null;
  const ticks = BigInt(value.trim());
  if (ticks === 0n || value.trim() === FILETIME_NEVER) return null;
  return new Date(Number(ticks / 10_000n - EPOCH_DIFF_MS));
}

/**
 * userAccountControl's ACCOUNTDISABLE flag.
 * https://learn.microsoft.com/troubleshoot/windows-server/active-directory/useraccountcontrol-manipulate-account-properties
 */
export const UAC_ACCOUNTDISABLE = 0x2;

export const enabledUac = (uac: number): number => (uac & ~UAC_ACCOUNTDISABLE) >>> 0;
export const disabledUac = (uac: number): number => (uac | UAC_ACCOUNTDISABLE) >>> 0;
export const isUacDisabled = (uac: number): boolean => (uac & UAC_ACCOUNTDISABLE) !== 0;

/**
 * AD takes a new password as the attribute unicodePwd holding the password in double quotes,
 * encoded UTF-16LE, and only over an encrypted connection.
 * https://learn.microsoft.com/troubleshoot/windows-server/active-directory/set-user-password-with-ldifde
 */
export function toUnicodePwd(password: string): Buffer {
  return Buffer.from(`"${password}"`, 'utf16le');
}

/** RFC 3062 Password Modify extended operation. */
export const PASSWORD_MODIFY_OID = '1.3.6.1.4.1.4203.1.11.1';

/**
 * The request value: PasswdModifyRequestValue ::= SEQUENCE { userIdentity [0] OCTET STRING OPTIONAL,
 * oldPasswd [1] OPTIONAL, newPasswd [2] OPTIONAL }. No old password: the bind account resets it.
 */
export function passwordModifyRequest(userDN: string, newPassword: string): Buffer {
  const writer = new BerWriter();
  writer.startSequence();
  writer.writeString(userDN, 0x80);
  writer.writeString(newPassword, 0x82);
  writer.endSequence();
  return writer.buffer;
}
