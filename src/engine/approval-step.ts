import type { Actor } from '../domain/ticket';
import type { Approval, ApprovalStep, CredentialRequest } from '../domain/request';

// Who may sign which approval step: asked by status changes (approve, decline, extension approval)
// and by lifecycle commands (/revoke, /extend by an approver), so it sits apart from both.

/** The first step still short of approvals that this person may sign for, or null. */
export function stepFor(
  r: CredentialRequest,
  actor: Actor,
  groups: string[],
  unmetOnly: boolean,
  approvals: Approval[] = r.approvals,
): ApprovalStep | null {
  const mine = new Set(groups.map((g) => g.toLowerCase()));
  const ids = [actor.id, actor.email].filter(Boolean).map((s) => String(s).toLowerCase());
  return (
    r.steps.find((s) => {
      const member =
        s.groups.some((g) => mine.has(g.toLowerCase())) || s.users.some((u) => ids.includes(u.toLowerCase()));
      const unmet = approvals.filter((a) => a.step === s.id).length < s.count;
      return member && (!unmetOnly || unmet);
    }) ?? null
  );
}

const norm = (s: string) => s.trim().replace(/^@/, '').toLowerCase();

/** True when `who` (as written after a /delegate @) names this actor: id, email or display name. */
export const names = (who: string, actor: Actor): boolean =>
  [actor.id, actor.email, actor.displayName].some((x) => x !== undefined && norm(x) === norm(who));

/**
 * The step a delegate may sign for on behalf of an approver who delegated to them (`/delegate`),
 * while the delegation runs: the delegator's own membership decides, and the delegator is named.
 */
export function delegatedStepFor(
  r: CredentialRequest,
  actor: Actor,
  now: Date,
  unmetOnly: boolean,
  approvals: Approval[] = r.approvals,
): { step: ApprovalStep; from: Actor } | null {
  for (const d of r.delegations ?? []) {
    if (Date.parse(d.until) <= now.getTime() || !names(d.to, actor)) continue;
    // A requester's approval is no approval, so neither is one made in their place.
    if (r.requester && (d.from.id === r.requester.id || names(d.to, r.requester))) continue;
    const step = stepFor(r, d.from, d.fromGroups, unmetOnly, approvals);
    if (step) return { step, from: d.from };
  }
  return null;
}

/** Whose votes an approval stands for: the signer, and the approver they signed for. */
export const votersOf = (a: Approval): string[] => [a.actor.id, ...(a.onBehalfOf ? [a.onBehalfOf.id] : [])];
