import type { Draft } from './draft';
import type { DecideContext } from './decide';
import type { FiredRule } from '../domain/request';
import { approvalsView, grantTime, requestView } from './views';
import { schedule, unschedule } from './timers';
import { clearApprovalTimers } from './escalation';
import { formatDuration } from '../policy/parse-duration';

export interface GrantBy {
  /** Who gave the final approval, as the comment names them. */
  approver: string;
  /** Their id for the audit trail; null when a policy rule approved. */
  actorId: string | null;
  /** Rules that decided, for the audit entry (the auto-approval rule, break-glass). */
  rules: string[];
  /** The auto-approval rule, named in the comment. */
  autoRule?: FiredRule;
}

/**
 * Grants the request's access for `grantMs` from now: the final approval arrived, an auto-approval
 * rule approved, or break-glass granted at once. The expiry is made durable before the grant.
 */
export function grantAccess(draft: Draft, ctx: DecideContext, by: GrantBy): void {
  const r = draft.request;
  const expiresAt = new Date(ctx.now.getTime() + r.grantMs);
  r.state = 'granted';
  r.grantedAt = ctx.now.toISOString();
  // Chosen once, at grant: a later policy change must not move where this access is revoked.
  r.access = ctx.policy.overlay(r.overlay).accessTargetFor(r.category.id, r.facts);
  r.expiresAt = expiresAt.toISOString();
  unschedule(draft, 'pending-timeout');
  clearApprovalTimers(draft);
  // The revocation is made durable before the access exists, so it can never be missed.
  schedule(draft, 'expiry', expiresAt);
  if (r.grantMs > ctx.policy.reminderBeforeMs) {
    schedule(draft, 'reminder', new Date(expiresAt.getTime() - ctx.policy.reminderBeforeMs));
  }
  draft.add({ kind: 'grant', expiresAt: r.expiresAt });
  draft.add({ kind: 'set-status', position: 'granted' });
  if (!r.breakGlass) {
    draft.comment('access-granted', {
      ...requestView(r, ctx.policy),
      approver: by.approver,
      autoRule: by.autoRule ?? null,
      approvals: approvalsView(r),
      expiresAt: grantTime(r, r.expiresAt),
      reminder: r.timers.reminder ? formatDuration(ctx.policy.reminderBeforeMs) : null,
    });
  }
  draft.audit({
    action: 'access-granted',
    actor: by.actorId,
    outcome: 'granted',
    rules: [...by.rules, ...(r.capRule ? [r.capRule] : []), ...(r.access ? [`provider-${r.access.binding}`] : [])],
    detail: { expiresAt: r.expiresAt, provider: r.access?.provider ?? 'builtin' },
  });
}
