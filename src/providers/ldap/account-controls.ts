import type { Entry } from 'ldapts';
import { CredgateError } from '../../util/errors';
import type { AccountState } from '../types';
import type { AttributeChange } from './directory';
import {
  PERMANENT_LOCK,
  disabledUac,
  enabledUac,
  fromFiletime,
  fromGeneralizedTime,
  fromShadowDay,
  isUacDisabled,
  toFiletime,
  toGeneralizedTime,
  toShadowDay,
} from './encodings';

export type Flavor = 'openldap' | 'active-directory';
export type OpenLdapControl = 'ppolicy' | 'shadow';

/**
 * How an account is opened, closed and read, per flavor, as pure functions from the entry as read
 * to the changes to write: the provider reads, plans, writes; the plans are unit-tested alone.
 */

/** Attributes to read before planning; operational ones must be asked for by name. */
export const ACCOUNT_ATTRIBUTES: Record<Flavor, string[]> = {
  openldap: [
    'objectClass',
    'shadowExpire',
    'pwdAccountLockedTime',
    'pwdStartTime',
    'pwdEndTime',
    'authTimestamp',
    'pwdLastSuccess',
  ],
  'active-directory': ['objectClass', 'userAccountControl', 'accountExpires', 'lastLogonTimestamp'],
};

/** An attribute's values as strings, whatever case the server spelled its name in. */
export function attributeValues(entry: Entry, name: string): string[] {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === name.toLowerCase());
  const raw = key === undefined ? [] : entry[key];
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v)));
}

const hasClass = (entry: Entry, objectClass: string) =>
  attributeValues(entry, 'objectClass').some((c) => c.toLowerCase() === objectClass.toLowerCase());

export interface Plan {
  changes: AttributeChange[];
  /** Which mechanisms the changes use, for the audit detail. */
  controls: string[];
}

function uacOf(entry: Entry): number {
  const uac = Number(attributeValues(entry, 'userAccountControl')[0]);
  if (!Number.isInteger(uac))
    throw new CredgateError('permanent', `${entry.dn} has no userAccountControl: is it an Active Directory user?`, {
      code: 'ldap-not-ad-user',
    });
  return uac;
}

/** Opens the account until `expiresAt` (no expiry when null). */
export function planEnable(flavor: Flavor, entry: Entry, expiresAt: Date | null, controls: OpenLdapControl[]): Plan {
  if (flavor === 'active-directory') {
    return {
      changes: [
        { operation: 'replace', type: 'userAccountControl', values: [String(enabledUac(uacOf(entry)))] },
        // 0 means "never expires" to AD.
        { operation: 'replace', type: 'accountExpires', values: [expiresAt ? toFiletime(expiresAt) : '0'] },
      ],
      controls: ['userAccountControl', 'accountExpires'],
    };
  }
  const plan: Plan = { changes: [], controls: [] };
  if (controls.includes('ppolicy')) {
    // Replace with no value removes an attribute whether or not it is there: one idempotent modify.
    plan.changes.push({ operation: 'replace', type: 'pwdAccountLockedTime', values: [] });
    plan.changes.push({
      operation: 'replace',
      type: 'pwdEndTime',
      values: expiresAt ? [toGeneralizedTime(expiresAt)] : [],
    });
    plan.controls.push('ppolicy');
  }
  if (controls.includes('shadow') && hasClass(entry, 'shadowAccount')) {
    plan.changes.push({
      operation: 'replace',
      type: 'shadowExpire',
      values: expiresAt ? [String(toShadowDay(expiresAt))] : [],
    });
    plan.controls.push('shadow');
  }
  return plan;
}

/** Closes the account at once; `now` is recorded as its end. */
export function planDisable(flavor: Flavor, entry: Entry, now: Date, controls: OpenLdapControl[]): Plan {
  if (flavor === 'active-directory') {
    return {
      changes: [{ operation: 'replace', type: 'userAccountControl', values: [String(disabledUac(uacOf(entry)))] }],
      controls: ['userAccountControl'],
    };
  }
  const plan: Plan = { changes: [], controls: [] };
  if (controls.includes('ppolicy')) {
    plan.changes.push({ operation: 'replace', type: 'pwdAccountLockedTime', values: [PERMANENT_LOCK] });
    // pwdEndTime in the past refuses binds even where the policy leaves pwdLockout off.
    plan.changes.push({ operation: 'replace', type: 'pwdEndTime', values: [toGeneralizedTime(now)] });
    plan.controls.push('ppolicy');
  }
  if (controls.includes('shadow') && hasClass(entry, 'shadowAccount')) {
    // Day 1 (1970-01-02): expired for every shadow reader; 0 is read as "no expiry" by some.
    plan.changes.push({ operation: 'replace', type: 'shadowExpire', values: ['1'] });
    plan.controls.push('shadow');
  }
  return plan;
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
const first = (entry: Entry, name: string) => attributeValues(entry, name)[0];

/** The account as the directory sees it now. */
export function readAccountState(flavor: Flavor, account: string, entry: Entry | null, now: Date): AccountState {
  if (!entry) return { account, exists: false, enabled: false, expiresAt: null, lastUsedAt: null };
  if (flavor === 'active-directory') {
    const uac = Number(first(entry, 'userAccountControl'));
    const expires = fromFiletime(first(entry, 'accountExpires') ?? '0');
    const lastLogon = fromFiletime(first(entry, 'lastLogonTimestamp') ?? '0');
    const enabled = Number.isInteger(uac) && !isUacDisabled(uac) && !(expires && expires <= now);
    return { account, exists: true, enabled, expiresAt: iso(expires), lastUsedAt: iso(lastLogon) };
  }
  const time = (name: string) => {
    const v = first(entry, name);
    return v === undefined ? null : fromGeneralizedTime(v);
  };
  const locked = attributeValues(entry, 'pwdAccountLockedTime').length > 0;
  const end = time('pwdEndTime');
  const start = time('pwdStartTime');
  const shadowDay = first(entry, 'shadowExpire') === undefined ? null : Number(first(entry, 'shadowExpire'));
  // -1 (and an empty value) mean "never" in shadow(5).
  const shadowEnd = shadowDay !== null && shadowDay > 0 ? fromShadowDay(shadowDay) : null;
  const enabled = !locked && !(end && end <= now) && !(start && start > now) && !(shadowEnd && shadowEnd <= now);
  return {
    account,
    exists: true,
    enabled,
    expiresAt: iso(end ?? shadowEnd),
    lastUsedAt: iso(time('authTimestamp') ?? time('pwdLastSuccess')),
  };
}
