import { createHash } from 'node:crypto';
import type { CredentialRequest } from './request';
import type { AccessTarget } from './access-target';

/**
 * Overlapping grants, as rules: which grants give the same piece of access, and what the set of
 * grants holding one piece of access says once one of them joins or leaves. Pure; the store-backed
 * ledger (src/store/access-ledger.ts) keeps the sets and serialises the provider calls.
 */

/** The active grants covering one piece of access: request id → its expiry. */
export interface Holders {
  version: number;
  holders: Record<string, string | null>;
  /** A shared account's current password, sealed, while grants share it (never in plain text). */
  sealedSecret?: string | null;
}

export interface HoldersView {
  /** Other requests still covering this access after the change. */
  others: string[];
  /** The latest expiry among all holders, so an account expiry attribute covers every grant. */
  until: string | null;
  sealedSecret: string | null;
}

/** What `holders` means to `self` (a request joining or leaving): who else holds it, until when. */
export function viewOfHolders(holders: Holders, self: string): HoldersView {
  const ends = Object.values(holders.holders);
  return {
    others: Object.keys(holders.holders).filter((r) => r !== self),
    until: ends.includes(null)
      ? null
      : ends.reduce<string | null>((a, b) => (a === null || (b !== null && b > a) ? b : a), null),
    sealedSecret: holders.sealedSecret ?? null,
  };
}

/**
 * The piece of access a request's grant gives. Grants with the same key overlap: the same
 * provider settings (group, path), the same account and the same grantee. A shared account whose
 * password is handed out is one piece of access whoever holds it.
 */
export function accessKeyOf(r: Pick<CredentialRequest, 'access' | 'facts' | 'requester'>): string {
  const t: AccessTarget | null = r.access ?? null;
  const account = r.facts.account.trim().toLowerCase();
  if (t?.share === 'rotate') return accountKeyOf(r);
  const grantee = (r.requester?.email ?? r.requester?.id ?? '').toLowerCase();
  const settings = t ? JSON.stringify(Object.entries(t.settings).sort(([a], [b]) => a.localeCompare(b))) : '';
  return digest(`${t?.provider ?? 'builtin'}|${settings}|${account}|${grantee}`);
}

/** The account itself: rotation at revocation waits until no grant on any access to it remains. */
export function accountKeyOf(r: Pick<CredentialRequest, 'access' | 'facts'>): string {
  return digest(`account|${r.access?.provider ?? 'builtin'}|${r.facts.account.trim().toLowerCase()}`);
}

// Hashed: keys hold requester emails and account names, which need not sit in lease tables.
const digest = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32);
