import type { TimerFired } from '../domain/event';
import type { Draft } from './draft';
import type { DecideContext } from './decide';
import { formatDuration } from '../policy/parse-duration';
import { unschedule } from './timers';
import { breakGlassDeadline } from './break-glass';
import { formatTime, grantTime } from './views';
import { clearApprovalTimers, onApprovalTimer } from './escalation';

/** A due job. Stale jobs (rescheduled or cleared since) change nothing. */
export function onTimer(draft: Draft, event: TimerFired, ctx: DecideContext): void {
  const r = draft.request;
  if (r.timers[event.timer] !== event.dueAt) return;
  delete r.timers[event.timer];
  draft.touch();

  switch (event.timer) {
    case 'approval-reminder':
    case 'escalation':
      return onApprovalTimer(draft, event.timer, ctx);
    case 'pending-timeout':
      if (r.state !== 'awaiting-info' && r.state !== 'pending-approval') return;
      r.state = 'expired';
      r.endedAt = r.updatedAt;
      clearApprovalTimers(draft);
      r.endReason = `no decision within ${formatDuration(ctx.policy.pendingTimeoutMs)}`;
      draft.comment('request-expired', { reason: r.endReason, since: formatTime(r.pendingSince) });
      draft.add({ kind: 'set-status', position: 'expired' });
      draft.audit({ action: 'request-expired', actor: null, outcome: 'expired', rules: ['pending-timeout'] });
      return;
    case 'reminder':
      // A reminder that fires late (the service was down) after the expiry has nothing to say.
      if (r.state !== 'granted' || !r.expiresAt || Date.parse(r.expiresAt) <= ctx.now.getTime()) return;
      draft.comment('expiry-reminder', {
        expiresAt: grantTime(r, r.expiresAt),
        left: formatDuration(Date.parse(r.expiresAt) - ctx.now.getTime()),
      });
      draft.audit({ action: 'expiry-reminder', actor: null, outcome: 'sent', rules: ['reminder-before-expiry'] });
      return;
    case 'break-glass-deadline':
      return breakGlassDeadline(draft);
    case 'expiry':
      if (r.state !== 'granted') return;
      unschedule(draft, 'break-glass-deadline');
      r.state = 'revoked';
      r.endedAt = r.updatedAt;
      r.endReason = 'expired';
      unschedule(draft, 'reminder');
      draft.add({ kind: 'revoke', reason: 'expired' });
      draft.comment('access-revoked', {
        reason: 'the granted time ended',
        early: false,
        grantedAt: grantTime(r, r.grantedAt),
        expiresAt: grantTime(r, r.expiresAt),
      });
      draft.add({ kind: 'set-status', position: 'revoked' });
      draft.audit({
        action: 'access-revoked',
        actor: null,
        outcome: 'revoked',
        rules: ['expiry'],
        detail: { expiresAt: r.expiresAt },
      });
      return;
  }
}
