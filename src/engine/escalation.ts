import type { ApprovalStep, CredentialRequest } from '../domain/request';
import type { Draft } from './draft';
import type { DecideContext } from './decide';
import { addWorkingTime } from '../policy/business-hours';
import { formatDuration } from '../policy/parse-duration';
import { schedule, unschedule } from './timers';
import { stepsView } from './views';

// Per-step reminders and escalation while a request waits for approval: `remindAfter` mentions
// the step's approvers again, `escalateAfter` brings in the fallback approvers. Both are counted
// from the moment the request entered approval, in working hours when the step says so.

const unmet = (r: CredentialRequest, s: ApprovalStep) => r.approvals.filter((a) => a.step === s.id).length < s.count;

/** Sets each step's due times from now and arms the two timers for the earliest ones. */
export function armApprovalTimers(draft: Draft, ctx: DecideContext): void {
  const r = draft.request;
  const policy = ctx.policy.overlay(r.overlay);
  const after = (ms: number, business: boolean | undefined) =>
    (business && policy.calendar
      ? addWorkingTime(ctx.now, ms, policy.calendar)
      : new Date(ctx.now.getTime() + ms)
    ).toISOString();
  for (const s of r.steps) {
    if (s.remindAfterMs !== undefined) s.remindAt = after(s.remindAfterMs, s.businessHours);
    if (s.escalateAfterMs !== undefined && !s.escalated) s.escalateAt = after(s.escalateAfterMs, s.businessHours);
  }
  rearmApprovalTimers(draft);
}

/** Arms 'approval-reminder' and 'escalation' for the earliest step still due, or clears them. */
export function rearmApprovalTimers(draft: Draft): void {
  const r = draft.request;
  const earliest = (pick: (s: ApprovalStep) => string | undefined) =>
    r.steps
      .filter((s) => unmet(r, s))
      .map(pick)
      .filter((t): t is string => t !== undefined)
      .sort()[0];
  const remind = earliest((s) => (s.reminded ? undefined : s.remindAt));
  const escalate = earliest((s) => (s.escalated ? undefined : s.escalateAt));
  if (remind) {
    if (r.timers['approval-reminder'] !== remind) schedule(draft, 'approval-reminder', new Date(remind));
  } else unschedule(draft, 'approval-reminder');
  if (escalate) {
    if (r.timers.escalation !== escalate) schedule(draft, 'escalation', new Date(escalate));
  } else unschedule(draft, 'escalation');
}

export function clearApprovalTimers(draft: Draft): void {
  unschedule(draft, 'approval-reminder');
  unschedule(draft, 'escalation');
}

/** A due reminder or escalation: acts on every step whose time has come, then re-arms. */
export function onApprovalTimer(draft: Draft, timer: 'approval-reminder' | 'escalation', ctx: DecideContext): void {
  const r = draft.request;
  if (r.state !== 'pending-approval') return;
  const now = ctx.now.toISOString();
  if (timer === 'approval-reminder') {
    const due = r.steps.filter((s) => unmet(r, s) && !s.reminded && s.remindAt && s.remindAt <= now);
    if (due.length) {
      for (const s of due) s.reminded = true;
      draft.comment('approval-reminder', {
        steps: stepsView(due),
        waiting: formatDuration(ctx.now.getTime() - Date.parse(r.pendingSince ?? now)),
      });
      draft.audit({
        action: 'approval-reminder',
        actor: null,
        outcome: 'sent',
        rules: due.map((s) => `${s.id}-remind-after`),
        detail: { steps: due.map((s) => s.id) },
      });
    }
  } else {
    const due = r.steps.filter(
      (s) => unmet(r, s) && !s.escalated && s.escalateAt && s.escalateAt <= now && s.escalateTo,
    );
    if (due.length) {
      const before = stepsView(due);
      for (const s of due) {
        const to = s.escalateTo!;
        s.escalated = true;
        s.groups = to.mode === 'replace' ? [...to.groups] : [...new Set([...s.groups, ...to.groups])];
        s.users = to.mode === 'replace' ? [...to.users] : [...new Set([...s.users, ...to.users])];
        if (to.mode === 'replace') s.resolved = [];
      }
      draft.comment('approval-escalated', {
        steps: stepsView(due).map((v, i) => ({ ...v, before: before[i].who, mode: due[i].escalateTo!.mode })),
      });
      draft.audit({
        action: 'approval-escalated',
        actor: null,
        outcome: 'escalated',
        rules: due.map((s) => `${s.id}-escalate-after`),
        detail: {
          steps: due.map((s) => ({ id: s.id, mode: s.escalateTo!.mode, groups: s.groups, users: s.users })),
        },
      });
    }
  }
  rearmApprovalTimers(draft);
}
