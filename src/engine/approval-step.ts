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
