import type { Actor } from '../domain/ticket';
import type { Effect } from '../domain/effect';
import type { AccessKept, EffectFailed } from '../domain/event';
import type { Draft } from './draft';
import { formatTime } from './views';
import { unschedule } from './timers';

/**
 * An effect failed for good. The effect leaves the outbox (it will not be tried again), and what
 * follows depends on what it was meant to do: a grant is undone, a revocation escalated, any other
 * action is audited and told to the service desk on the ticket. A report about an effect that is
 * no longer at the head of the outbox (another replica settled it) changes nothing.
 */
export function onEffectFailed(draft: Draft, event: EffectFailed): void {
  const { effect, error } = event;
  if (!takeHead(draft, effect)) return;
  if (effect.kind === 'revoke') return onRevocationFailed(draft, error);
  if (effect.kind === 'grant' && !effect.extension) return onGrantFailed(draft, error);
  if (effect.kind === 'audit') return;
  // Run next, before what the outbox still owes: the desk learns first what credgate could not do.
  draft.first(() => {
    draft.audit({
      action: 'effect-failed',
      actor: null,
      outcome: effect.kind,
      rules: [],
      detail: { effect: effect.key, error },
    });
    // A failed comment gets a short note of its own (a refused comment is most often a long one);
    // never a note about a failed note, which would fail the same way again.
    if (effect.kind !== 'comment' || effect.template !== 'action-failed')
      draft.comment('action-failed', { action: describeEffect(effect), error });
  });
}

/**
 * The revocation ran, but another active grant still covers the same access, so the access stays
 * until that grant ends: the audit trail says which grant keeps it.
 */
export function onAccessKept(draft: Draft, event: AccessKept): void {
  if (!takeHead(draft, event.effect)) return;
  draft.first(() =>
    draft.audit({
      action: 'access-kept',
      actor: null,
      outcome: 'access-kept',
      rules: [],
      detail: { coveredBy: event.coveredBy, until: event.until },
    }),
  );
}

/** Removes the reported effect from the head of the outbox; false when it is no longer there. */
function takeHead(draft: Draft, effect: Effect): boolean {
  const outbox = draft.request.outbox;
  if (outbox[0]?.key !== effect.key) return false;
  outbox.shift();
  draft.touch();
  return true;
}

/**
 * Every retry of a revocation failed: access may still exist. The "access revoked" status, comment
 * and audit entry still owed after it are dropped (they would say the opposite of what happened);
 * the ticket says so, moves to its "revocation failed" status and calls the approvers by name;
 * /revoke on the ticket tries again.
 */
export function onRevocationFailed(draft: Draft, error: string): void {
  const r = draft.request;
  r.outbox = r.outbox.filter(
    (e) =>
      !(e.kind === 'set-status' && e.position === 'revoked') &&
      !(e.kind === 'comment' && e.template === 'access-revoked') &&
      !(e.kind === 'audit' && e.event.action === 'access-revoked'),
  );
  r.state = 'revocation-failed';
  const mentions = uniqueActors(r.approvals.map((a) => a.actor));
  draft.add({ kind: 'set-status', position: 'revocation-failed' });
  const effect = draft.comment('revocation-failed', {
    error,
    expiresAt: formatTime(r.expiresAt),
    approvers: mentions.map((a) => a.displayName),
    account: r.facts.account,
    systems: r.facts.systems,
  });
  if (effect.kind === 'comment') effect.mentions = mentions;
  draft.audit({
    action: 'revocation-failed',
    actor: null,
    outcome: 'revocation-failed',
    rules: ['revocation-retries'],
    detail: { error },
  });
}

const uniqueActors = (actors: Actor[]): Actor[] =>
  actors.filter((a, i) => actors.findIndex((b) => b.id === a.id) === i);

/**
 * The grant failed for good: no access was given, so the ticket must not say it was. The "access
 * granted" status and comment still owed are dropped, the timers cleared, and a revoke undoes
 * whatever part of the grant may have happened (and releases it from the overlapping-grants
 * ledger); the ticket says why and ends as revoked. The requester files again once it is fixed.
 */
export function onGrantFailed(draft: Draft, error: string): void {
  const r = draft.request;
  if (r.state !== 'granted') return;
  r.outbox = r.outbox.filter(
    (e) =>
      !(e.kind === 'set-status' && e.position === 'granted') &&
      !(e.kind === 'comment' && e.template === 'access-granted') &&
      !(e.kind === 'audit' && e.event.action === 'access-granted'),
  );
  r.state = 'revoked';
  r.endedAt = r.updatedAt;
  r.endReason = `the grant failed: ${error}`;
  unschedule(draft, 'expiry');
  unschedule(draft, 'reminder');
  draft.add({ kind: 'revoke', reason: 'the grant failed' });
  draft.add({ kind: 'set-status', position: 'revoked' });
  draft.comment('grant-failed', { error, approvers: r.approvals.map((a) => a.actor.displayName) });
  draft.audit({ action: 'grant-failed', actor: null, outcome: 'revoked', rules: ['grant-retries'], detail: { error } });
}

/** What an effect was meant to do, in words for the ticket. */
export function describeEffect(effect: Effect): string {
  switch (effect.kind) {
    case 'set-status':
      return `move the ticket to its ${effect.position} status`;
    case 'grant':
      return 'grant the access';
    case 'revoke':
      return 'revoke the access';
    case 'schedule':
    case 'unschedule':
      return `set the ${effect.timer} timer`;
    case 'comment':
      return `post its "${effect.template}" comment`;
    default:
      return effect.kind;
  }
}
