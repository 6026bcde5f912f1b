import type { Actor, StatusChange, WorkflowPosition } from '../domain/ticket';
import type { CredentialRequest, RequestState } from '../domain/request';
import { applyExtension } from './lifecycle-commands';
import type { Draft } from './draft';
import type { DecideContext } from './decide';
import { approvalsView, formatTime, grantTime, remainingView, requestView } from './views';
import { schedule, unschedule } from './timers';
import { delegatedStepFor, stepFor, votersOf } from './approval-step';
import { grantAccess } from './grant-access';
import { clearApprovalTimers, rearmApprovalTimers } from './escalation';
import { formatDuration } from '../policy/parse-duration';

/** Where the ticket belongs for each request state; a reverted transition goes back there. */
export const POSITION_OF: Record<RequestState, WorkflowPosition | null> = {
  'awaiting-info': 'awaiting-info',
  'pending-approval': 'pending-approval',
  granted: 'granted',
  declined: 'declined',
  expired: 'expired',
  revoked: 'revoked',
  cancelled: null,
  'revocation-failed': 'revocation-failed',
};

/** Where the ticket belongs now: an extension waiting for approval keeps it pending. */
export const positionFor = (r: CredentialRequest): WorkflowPosition | null =>
  r.state === 'granted' && r.extension ? 'pending-approval' : POSITION_OF[r.state];

/** Positions only credgate may move a ticket to. */
const OWNED: WorkflowPosition[] = [
  'awaiting-info',
  'pending-approval',
  'granted',
  'revoked',
  'expired',
  'revocation-failed',
];

/** One status change made by a person, judged against the request's state and the policy. */
export function onStatusChange(
  draft: Draft,
  change: StatusChange,
  groups: string[],
  ctx: DecideContext,
  reporter: Actor | null = null,
): void {
  const r = draft.request;
  const open = r.state === 'awaiting-info' || r.state === 'pending-approval';
  switch (change.position) {
    case 'approved':
      if (r.state === 'pending-approval') return approve(draft, change, groups, ctx, reporter);
      if (r.state === 'granted' && r.breakGlass && !r.breakGlass.confirmedAt)
        return confirmBreakGlass(draft, change, groups, reporter);
      if (r.state === 'granted' && r.extension) return approveExtension(draft, change, groups, ctx, reporter);
      return refuse(draft, change, 'approval-state', stateReason(r.state));
    case 'declined':
      if (open) return decline(draft, change, groups, ctx);
      if (r.state === 'granted' && r.extension) return declineExtension(draft, change, groups);
      if (r.state === 'granted') return endAccess(draft, change, 'declined after grant');
      return;
    case 'closed':
      if (open) return cancel(draft, change);
      if (r.state === 'granted') return endAccess(draft, change, 'ticket closed');
      return;
    default:
      if (OWNED.includes(change.position) && change.position !== positionFor(r)) {
        return refuse(draft, change, 'credgate-owned-status', `only credgate moves a ticket to "${change.to}"`);
      }
  }
}

function approve(
  draft: Draft,
  change: StatusChange,
  groups: string[],
  ctx: DecideContext,
  reporter: Actor | null,
): void {
  const r = draft.request;
  // Whoever filed it, and whoever the reporter field names now, are both on the requesting side.
  if ((r.requester && change.actor.id === r.requester.id) || (reporter && change.actor.id === reporter.id)) {
    return refuse(draft, change, 'separation-of-duties', 'nobody approves their own request');
  }
  const delegated = stepFor(r, change.actor, groups, true) ? null : delegatedStepFor(r, change.actor, ctx.now, true);
  const step = stepFor(r, change.actor, groups, true) ?? delegated?.step ?? null;
  // One person counts once across steps, whether they signed themselves or a delegate signed for them.
  const voters = [change.actor.id, ...(delegated ? [delegated.from.id] : [])];
  const already = r.approvals.find((a) => votersOf(a).some((v) => voters.includes(v)));
  if (already) {
    const who = delegated && votersOf(already).includes(delegated.from.id) ? delegated.from : change.actor;
    return refuse(
      draft,
      change,
      'distinct-approvers',
      `${who.displayName} has already approved; another approver must sign off`,
    );
  }
  if (!step) {
    const needed = remainingView(r)
      .map((s) => s.name)
      .join(', ');
    return refuse(
      draft,
      change,
      'approver-group',
      `${change.actor.displayName} is not an approver this request still needs (${needed})`,
    );
  }
  r.approvals.push({
    actor: change.actor,
    step: step.id,
    at: change.at,
    historyId: change.id,
    ...(delegated ? { onBehalfOf: delegated.from } : {}),
  });
  draft.audit({
    action: 'approval-accepted',
    actor: change.actor.id,
    outcome: step.id,
    rules: ['approver-group', 'separation-of-duties', ...(delegated ? ['delegation'] : [])],
    ...(delegated ? { detail: { onBehalfOf: delegated.from.id } } : {}),
  });

  const remaining = remainingView(r);
  if (remaining.length) {
    draft.comment('approval-recorded', {
      approver: delegated
        ? `${change.actor.displayName} (for ${delegated.from.displayName})`
        : change.actor.displayName,
      step: step.name,
      approvals: approvalsView(r),
      remaining,
      given: r.approvals.length,
      needed: r.steps.reduce((n, s) => n + s.count, 0),
    });
    // Back to pending so the next approver can transition it again.
    draft.add({ kind: 'set-status', position: 'pending-approval' });
    // A step now complete needs no reminder or fallback any more.
    rearmApprovalTimers(draft);
    return;
  }
  grant(draft, change, ctx);
}

function grant(draft: Draft, change: StatusChange, ctx: DecideContext): void {
  grantAccess(draft, ctx, { approver: change.actor.displayName, actorId: change.actor.id, rules: [] });
}

/** An approver confirms break-glass access after the fact; enough of them keep it until its expiry. */
function confirmBreakGlass(draft: Draft, change: StatusChange, groups: string[], reporter: Actor | null): void {
  const r = draft.request;
  const bg = r.breakGlass!;
  if ((r.requester && change.actor.id === r.requester.id) || (reporter && change.actor.id === reporter.id)) {
    return refuse(draft, change, 'separation-of-duties', 'nobody confirms their own break-glass access');
  }
  if (bg.approvals.some((a) => a.actor.id === change.actor.id)) {
    return refuse(
      draft,
      change,
      'distinct-approvers',
      `${change.actor.displayName} has already confirmed; another approver must confirm`,
    );
  }
  // Any approver of the request's steps may confirm; each person counts once.
  const step = stepFor(r, change.actor, groups, false);
  if (!step) {
    return refuse(draft, change, 'approver-group', `${change.actor.displayName} is not an approver of this request`);
  }
  bg.approvals.push({ actor: change.actor, step: step.id, at: change.at, historyId: change.id });
  const confirmed = bg.approvals.length >= bg.needed;
  if (confirmed) {
    bg.confirmedAt = draft.request.updatedAt;
    unschedule(draft, 'break-glass-deadline');
  }
  draft.add({ kind: 'set-status', position: 'granted' });
  draft.comment('break-glass-confirmed', {
    approver: change.actor.displayName,
    given: bg.approvals.length,
    needed: bg.needed,
    confirmed,
    deadline: formatTime(bg.deadline),
    expiresAt: grantTime(r, r.expiresAt),
  });
  draft.audit({
    action: confirmed ? 'break-glass-confirmed' : 'break-glass-approval-accepted',
    actor: change.actor.id,
    outcome: step.id,
    rules: ['break-glass', 'approver-group', 'separation-of-duties'],
    detail: { given: bg.approvals.length, needed: bg.needed },
  });
}

function decline(draft: Draft, change: StatusChange, groups: string[], ctx: DecideContext): void {
  const r = draft.request;
  const byRequester = r.requester !== null && change.actor.id === r.requester.id;
  // A delegate may decline in the approver's place, as they may approve.
  const mayDecide = stepFor(r, change.actor, groups, false) ?? delegatedStepFor(r, change.actor, ctx.now, false);
  if (!byRequester && !mayDecide) {
    return refuse(draft, change, 'approver-group', `${change.actor.displayName} is not an approver of this request`);
  }
  r.state = byRequester ? 'cancelled' : 'declined';
  r.endedAt = draft.request.updatedAt;
  r.endReason = byRequester ? 'withdrawn by requester' : `declined by ${change.actor.displayName}`;
  unschedule(draft, 'pending-timeout');
  clearApprovalTimers(draft);
  // Where a decision is a comment (GitHub's /deny), nothing moved the ticket yet: credgate does.
  draft.add({ kind: 'set-status', position: 'declined' });
  draft.comment(byRequester ? 'request-cancelled' : 'request-declined', {
    actor: change.actor.displayName,
    reason: r.endReason,
  });
  draft.audit({
    action: byRequester ? 'request-withdrawn' : 'request-declined',
    actor: change.actor.id,
    outcome: r.state,
    rules: [],
  });
}

function cancel(draft: Draft, change: StatusChange): void {
  const r = draft.request;
  r.state = 'cancelled';
  r.endedAt = r.updatedAt;
  r.endReason = `ticket moved to "${change.to}" by ${change.actor.displayName}`;
  unschedule(draft, 'pending-timeout');
  clearApprovalTimers(draft);
  draft.comment('request-cancelled', { actor: change.actor.displayName, reason: r.endReason });
  draft.audit({ action: 'request-cancelled', actor: change.actor.id, outcome: 'cancelled', rules: [] });
}

/** Ends active access now: the ticket was closed or declined while access was granted. */
function endAccess(draft: Draft, change: StatusChange, why: string): void {
  const r = draft.request;
  r.state = 'revoked';
  r.endedAt = r.updatedAt;
  r.endReason = `${why} by ${change.actor.displayName}`;
  unschedule(draft, 'expiry');
  unschedule(draft, 'reminder');
  draft.add({ kind: 'revoke', reason: r.endReason });
  draft.comment('access-revoked', {
    reason: r.endReason,
    early: true,
    grantedAt: grantTime(r, r.grantedAt),
    expiresAt: grantTime(r, r.expiresAt),
  });
  draft.audit({ action: 'access-revoked', actor: change.actor.id, outcome: 'revoked', rules: ['revoke-on-close'] });
}

/** Refuses a transition: moves the ticket back where it belongs and says why. */
function refuse(draft: Draft, change: StatusChange, rule: string, reason: string): void {
  const r = draft.request;
  const back = positionFor(r);
  if (back) draft.add({ kind: 'set-status', position: back });
  draft.comment('transition-refused', {
    actor: change.actor.displayName,
    to: change.to,
    reason,
    rule,
    reverted: back !== null,
  });
  draft.audit({
    action: 'transition-refused',
    actor: change.actor.id,
    outcome: back ?? 'none',
    rules: [rule],
    detail: { to: change.to, position: change.position },
  });
}

function stateReason(state: RequestState): string {
  switch (state) {
    case 'awaiting-info':
      return 'the request is still missing facts, so it cannot be approved yet';
    case 'granted':
      return 'access is already granted';
    default:
      return `the request has ended (${state}); file a new request`;
  }
}

/** An approver signs off an extension asked for beyond policy; the last one needed applies it. */
function approveExtension(
  draft: Draft,
  change: StatusChange,
  groups: string[],
  ctx: DecideContext,
  reporter: Actor | null,
): void {
  const r = draft.request;
  const ext = r.extension!;
  if (
    (r.requester && change.actor.id === r.requester.id) ||
    (reporter && change.actor.id === reporter.id) ||
    change.actor.id === ext.requestedBy.id
  ) {
    return refuse(draft, change, 'separation-of-duties', 'nobody approves their own extension');
  }
  if (ext.approvals.some((a) => a.actor.id === change.actor.id)) {
    return refuse(
      draft,
      change,
      'distinct-approvers',
      `${change.actor.displayName} has already approved the extension; another approver must sign off`,
    );
  }
  const step = stepFor(r, change.actor, groups, true, ext.approvals);
  if (!step)
    return refuse(
      draft,
      change,
      'approver-group',
      `${change.actor.displayName} is not an approver this extension still needs`,
    );
  ext.approvals.push({ actor: change.actor, step: step.id, at: change.at, historyId: change.id });
  draft.audit({
    action: 'extension-approval-accepted',
    actor: change.actor.id,
    outcome: step.id,
    rules: ['approver-group', 'separation-of-duties'],
  });
  const left = r.steps.some((s) => ext.approvals.filter((a) => a.step === s.id).length < s.count);
  if (left) {
    draft.comment('approval-recorded', {
      approver: change.actor.displayName,
      step: step.name,
      approvals: ext.approvals.map((a) => ({
        name: a.actor.displayName,
        step: r.steps.find((s) => s.id === a.step)?.name ?? a.step,
        at: formatTime(a.at),
      })),
      remaining: r.steps
        .map((s) => ({ name: s.name, left: s.count - ext.approvals.filter((a) => a.step === s.id).length }))
        .filter((s) => s.left > 0),
      given: ext.approvals.length,
      needed: r.steps.reduce((n, s) => n + s.count, 0),
    });
    draft.add({ kind: 'set-status', position: 'pending-approval' });
    return;
  }
  applyExtension(draft, ext.ms, change.actor, ['extend-approved'], ctx);
}

function declineExtension(draft: Draft, change: StatusChange, groups: string[]): void {
  const r = draft.request;
  const ext = r.extension!;
  const byAsker =
    change.actor.id === ext.requestedBy.id || (r.requester !== null && change.actor.id === r.requester.id);
  if (!byAsker && !stepFor(r, change.actor, groups, false)) {
    return refuse(draft, change, 'approver-group', `${change.actor.displayName} is not an approver of this request`);
  }
  r.extension = null;
  draft.add({ kind: 'set-status', position: 'granted' });
  draft.comment('extension-declined', {
    actor: change.actor.displayName,
    expiresAt: grantTime(r, r.expiresAt),
    extension: formatDuration(ext.ms),
  });
  draft.audit({ action: 'extension-declined', actor: change.actor.id, outcome: 'granted', rules: [] });
}
