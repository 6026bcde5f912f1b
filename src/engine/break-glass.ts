import type { Draft } from './draft';
import type { DecideContext } from './decide';
import type { BreakGlassTerms } from '../policy/policy';
import type { Actor } from '../domain/ticket';
import { grantAccess } from './grant-access';
import { formatTime, requestView } from './views';
import { schedule, unschedule } from './timers';
import { formatDuration } from '../policy/parse-duration';

/**
 * Emergency access: granted now for at most the break-glass maximum, the approvers paged (the
 * comment mentions the named ones; the audit entry reaches the configured audit sinks, e.g. a
 * webhook), and revoked at the deadline unless enough of them confirm it.
 */
export function grantBreakGlass(draft: Draft, terms: BreakGlassTerms, ctx: DecideContext): void {
  const r = draft.request;
  if (r.grantMs > terms.maxMs) {
    r.grantMs = terms.maxMs;
    r.capRule = 'break-glass-max-duration';
  }
  const deadline = new Date(ctx.now.getTime() + terms.confirmWithinMs);
  r.breakGlass = { needed: terms.approvals, deadline: deadline.toISOString(), approvals: [], confirmedAt: null };
  grantAccess(draft, ctx, { approver: 'break-glass', actorId: null, rules: ['break-glass'] });
  // Confirmation is owed before the access can run out: past the expiry nothing is left to revoke.
  if (deadline.getTime() < Date.parse(r.expiresAt!)) schedule(draft, 'break-glass-deadline', deadline);
  const mentions: Actor[] = r.steps.flatMap((s) => s.users.map((u) => ({ id: u, displayName: u })));
  const comment = draft.comment('break-glass-granted', {
    ...requestView(r, ctx.policy),
    expiresAt: formatTime(r.expiresAt),
    deadline: formatTime(r.breakGlass.deadline),
    confirmWithin: formatDuration(terms.confirmWithinMs),
    needed: terms.approvals,
    approvers: r.steps.map((s) => [...s.groups.map((g) => `group ${g}`), ...s.users].join(' or ')).join('; '),
    revokedAtDeadline: Boolean(r.timers['break-glass-deadline']),
  });
  if (comment.kind === 'comment' && mentions.length) comment.mentions = mentions;
  draft.audit({
    action: 'break-glass-granted',
    actor: r.requester?.id ?? null,
    outcome: 'granted',
    rules: ['break-glass', ...(r.capRule ? [r.capRule] : [])],
    detail: { expiresAt: r.expiresAt, confirmBy: r.breakGlass.deadline, approvalsNeeded: terms.approvals },
  });
}

/** The confirmation deadline passed: without the approvals, the emergency access ends now. */
export function breakGlassDeadline(draft: Draft): void {
  const r = draft.request;
  const bg = r.breakGlass;
  if (r.state !== 'granted' || !bg || bg.confirmedAt) return;
  r.state = 'revoked';
  r.endedAt = r.updatedAt;
  r.endReason = `break-glass access was not confirmed by ${bg.needed} approver(s) by ${formatTime(bg.deadline)} (${bg.approvals.length} confirmed)`;
  unschedule(draft, 'expiry');
  unschedule(draft, 'reminder');
  draft.add({ kind: 'revoke', reason: r.endReason });
  draft.comment('access-revoked', {
    reason: r.endReason,
    early: true,
    grantedAt: formatTime(r.grantedAt),
    expiresAt: formatTime(r.expiresAt),
  });
  draft.add({ kind: 'set-status', position: 'revoked' });
  draft.audit({
    action: 'access-revoked',
    actor: null,
    outcome: 'revoked',
    rules: ['break-glass-unconfirmed'],
    detail: { deadline: bg.deadline, confirmed: bg.approvals.length, needed: bg.needed },
  });
}
