import type { CredentialRequest } from '../domain/request';
import type { AccountObservation, FindingKind, PurgeCandidate } from './review-types';

const DAY_MS = 86_400_000;

/** An account as credgate's history knows it, before its provider is asked about it. */
export interface KnownAccount extends Omit<AccountObservation, 'state' | 'stateNote'> {
  latest: CredentialRequest;
}

/** Provider + account: grants on the same account through the same provider are one account. */
export const accountKey = (r: Pick<CredentialRequest, 'access' | 'facts'>): string =>
  `${r.access?.provider ?? 'builtin'}|${r.facts.account.trim().toLowerCase()}`;

const everGranted = (r: CredentialRequest) => r.grantedAt !== null;

/**
 * Every shared account credgate ever granted, with the latest request on it (whose target and
 * facts stand for the account when it is inspected, disabled or rotated). Pure.
 */
export function knownAccounts(requests: CredentialRequest[]): KnownAccount[] {
  const byKey = new Map<string, KnownAccount>();
  for (const r of requests) {
    if (!everGranted(r) || !r.facts.account.trim()) continue;
    const key = accountKey(r);
    const known = byKey.get(key);
    const systems = [...new Set([...(known?.systems ?? []), ...r.facts.systems])].sort();
    const latest = !known || (r.grantedAt as string) > (known.latest.grantedAt as string) ? r : known.latest;
    byKey.set(key, {
      key,
      account: latest.facts.account.trim(),
      provider: latest.access?.provider ?? 'builtin',
      target: latest.access ?? null,
      systems,
      latest,
    });
  }
  return [...byKey.values()].sort((a, b) => a.key.localeCompare(b.key));
}

/**
 * The accounts to purge: shared accounts nobody used for `staleAfterDays` (the provider's last use,
 * else the end of the last grant on it), and accounts the provider reports enabled although no
 * grant covers them (past their expiry or not). An account under an active grant is never a
 * candidate: a purge must not cut access someone holds. Pure.
 */
export function purgeCandidates(
  observed: AccountObservation[],
  requests: CredentialRequest[],
  now: Date,
  staleAfterDays: number,
): PurgeCandidate[] {
  const nowMs = now.getTime();
  const out: PurgeCandidate[] = [];
  // Grouped once: filtering all requests per account made a review quadratic in its history.
  const byAccount = new Map<string, CredentialRequest[]>();
  for (const r of requests) {
    if (!everGranted(r)) continue;
    const key = accountKey(r);
    byAccount.set(key, [...(byAccount.get(key) ?? []), r]);
  }
  for (const account of observed) {
    const mine = byAccount.get(account.key) ?? [];
    if (!mine.length) continue;
    const active = mine.some((r) => r.state === 'granted');
    if (active) continue;
    const state = account.state;
    // Gone or already disabled: nothing left to purge.
    if (state && (!state.exists || !state.enabled)) continue;

    const lastGrantEnd =
      mine
        .map((r) => r.endedAt ?? r.expiresAt)
        .filter((t): t is string => Boolean(t))
        .sort()
        .pop() ?? null;
    const providerLastUse = state?.lastUsedAt ?? null;
    const lastUsedAt = providerLastUse ?? lastGrantEnd;
    const reasons: FindingKind[] = [];
    if (lastUsedAt === null || nowMs - Date.parse(lastUsedAt) > staleAfterDays * DAY_MS) reasons.push('stale');
    // Enabled while no grant covers it (active ones were skipped above), whether or not its own
    // expiry has passed: access credgate manages must not outlive its grants. Only the provider can
    // say an account is enabled, so without inspect there is no such finding.
    if (state) reasons.push('expired-enabled');
    if (!reasons.length) continue;
    const latest = mine.reduce((a, b) => ((b.grantedAt as string) > (a.grantedAt as string) ? b : a));
    out.push({
      key: account.key,
      account: account.account,
      provider: account.provider,
      target: account.target,
      systems: account.systems,
      reasons,
      lastUsedAt,
      lastUsedSource: providerLastUse ? 'provider' : lastGrantEnd ? 'last-grant' : 'never',
      expiresAt: state?.expiresAt ?? null,
      latestRequestId: latest.id,
      latestTicket: latest.ticket,
    });
  }
  return out.sort((a, b) => a.key.localeCompare(b.key));
}
