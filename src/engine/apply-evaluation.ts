import type { TicketSnapshot } from '../domain/ticket';
import type { Draft } from './draft';
import type { DecideContext } from './decide';
import { evaluateTicket, type Evaluation, type ResolvedPeople } from './evaluate-ticket';
import { factLabel, requestView } from './views';
import { schedule } from './timers';
import { grantAccess } from './grant-access';
import { grantBreakGlass } from './break-glass';
import type { ObservedContext } from '../domain/event';
import { armApprovalTimers, clearApprovalTimers } from './escalation';

/** Copies a fresh evaluation onto the request. */
function adopt(draft: Draft, ev: Evaluation): void {
  const r = draft.request;
  Object.assign(r, {
    category: { id: ev.category.id, name: ev.category.name },
    facts: ev.facts,
    factsFingerprint: ev.fingerprint,
    missing: ev.missing,
    risk: ev.risk,
    riskRules: ev.riskRules,
    path: ev.category.path,
    steps: ev.steps,
    requestedMs: ev.requestedMs,
    grantMs: ev.grantMs,
    capRule: ev.capRule,
    context: ev.context,
    overlay: ev.overlay,
  });
  draft.touch();
}

/**
 * Puts a request in the state its facts allow: waiting for the requester when facts are missing or
 * unusable, otherwise pending approval. `why` says what led here, for the comment.
 */
export function enterEvaluatedState(
  draft: Draft,
  ev: Evaluation,
  ctx: DecideContext,
  why: 'new' | 'completed' | 'changed',
): void {
  adopt(draft, ev);
  const r = draft.request;
  const policy = ctx.policy.overlay(r.overlay);
  if (ev.missing.length || ev.invalid.length) {
    r.state = 'awaiting-info';
    r.approvals = [];
    clearApprovalTimers(draft);
    draft.comment('missing-facts', {
      ...requestView(r, policy),
      missing: ev.missing.map((f) => ({ label: factLabel(policy, f) })),
      invalid: ev.invalid.map((i) => ({ label: factLabel(policy, i.fact), problem: i.problem })),
      // An example line for the first fact to fix, missing or unusable: never "for example ." alone.
      example: `${factLabel(policy, ev.missing[0] ?? ev.invalid[0].fact)}: ...`,
    });
    draft.add({ kind: 'set-status', position: 'awaiting-info' });
    draft.audit({
      action: 'facts-missing',
      actor: null,
      outcome: 'awaiting-info',
      rules: [ev.category.id],
      detail: { missing: ev.missing },
    });
  } else {
    r.state = 'pending-approval';
    r.approvals = [];
    draft.comment('request-received', { ...requestView(r, policy), why });
    draft.add({ kind: 'set-status', position: 'pending-approval' });
    draft.audit({
      action: 'risk-assessed',
      actor: null,
      outcome: ev.risk,
      rules: ev.riskRules.map((x) => x.id),
      detail: { category: ev.category.id, steps: ev.steps.map((s) => `${s.id}x${s.count}`), grantMs: ev.grantMs },
    });
  }
  if (why !== 'changed' || !r.timers['pending-timeout']) {
    r.pendingSince = ctx.now.toISOString();
    schedule(draft, 'pending-timeout', new Date(ctx.now.getTime() + policy.pendingTimeoutMs));
  }
  if (r.state !== 'pending-approval') return;
  // People need not decide: a policy rule approves, or an emergency is granted first, reviewed after.
  if (ev.autoApproval) {
    const { rule } = ev.autoApproval;
    r.autoApprovedBy = rule.id;
    draft.audit({
      action: 'auto-approved',
      actor: null,
      outcome: rule.id,
      rules: [rule.id, 'auto-approval'],
      detail: { risk: ev.risk, renewalOf: ev.autoApproval.renewalOf, requesterGroups: ev.context.requesterGroups },
    });
    grantAccess(draft, ctx, { approver: `policy rule ${rule.id}`, actorId: null, rules: [rule.id], autoRule: rule });
  } else if (ev.breakGlass) {
    grantBreakGlass(draft, ev.breakGlass, ctx);
  } else {
    armApprovalTimers(draft, ctx);
  }
}

/** Re-reads the facts after an edit or a reply, while the request can still change. */
export async function reevaluate(
  draft: Draft,
  snapshot: TicketSnapshot,
  ctx: DecideContext,
  context?: ObservedContext,
  people?: ResolvedPeople,
): Promise<void> {
  const r = draft.request;
  if (!['awaiting-info', 'pending-approval', 'granted'].includes(r.state)) return;
  const ev = await evaluateTicket(snapshot, ctx.policy, { now: ctx.now, context, people });
  // Edited so it no longer looks like a credential request: keep judging it as what was filed.
  if (!ev) return;
  // Categories and risk rules also read labels, summary, description, issue type and project, so an
  // edit of those alone (a "no-mfa" or "vendor" label added in triage) can change what policy
  // requires: while the request is open that is assessed again like a change of facts. Once
  // granted, only a change of facts is reported (and ignored): access stays as approved.
  const reassessed = ev.category.id !== r.category.id || ev.risk !== r.risk;
  // A linked ticket that now qualifies (assigned, reopened) completes a request with unchanged facts.
  const nowComplete = r.state === 'awaiting-info' && !ev.missing.length && !ev.invalid.length;
  if (ev.fingerprint === r.factsFingerprint && (r.state === 'granted' || !reassessed) && !nowComplete) return;

  if (r.state === 'granted') {
    // Access was approved for the facts as they were; a later edit cannot widen it.
    r.factsFingerprint = ev.fingerprint;
    draft.comment('changed-after-grant', { ...requestView(r, ctx.policy) });
    draft.audit({
      action: 'edit-after-grant-ignored',
      actor: snapshot.reporter?.id ?? null,
      outcome: 'ignored',
      rules: ['approved-facts-frozen'],
    });
    return;
  }
  const hadApprovals = r.approvals.length > 0;
  if (r.state === 'awaiting-info') {
    enterEvaluatedState(draft, ev, ctx, ev.missing.length || ev.invalid.length ? 'changed' : 'completed');
    return;
  }
  enterEvaluatedState(draft, ev, ctx, 'changed');
  if (hadApprovals) {
    draft.audit({ action: 'approvals-reset', actor: null, outcome: 'facts-changed', rules: ['approved-facts-frozen'] });
  }
}
