import type { CredentialRequest } from '../domain/request';
import type { EngineEvent, OutcomeEvent, TicketObserved, TimerFired } from '../domain/event';
import type { Policy } from '../policy/policy';
import { Draft } from './draft';
import { evaluateTicket, requestIdFor } from './evaluate-ticket';
import { enterEvaluatedState, reevaluate } from './apply-evaluation';
import { onStatusChange } from './on-status-change';
import { onTimer } from './on-timer';
import { onReplies, parseCommand, replyId } from './lifecycle-commands';
import { onAccessKept, onEffectFailed } from './on-effect-outcome';
import { onLinkRefused, onLinkRevealed } from './on-one-time-link';

export interface DecideContext {
  policy: Policy;
  now: Date;
}

export interface Decision {
  request: CredentialRequest;
  /** False when nothing changed: the caller writes nothing and runs nothing. */
  changed: boolean;
}

/**
 * The whole workflow as one pure function: the request as stored (or null), one event, the policy
 * and the time in; the next request document, with the effects it owes in its outbox, out.
 * Returns null when the event concerns no shared-credential request.
 *
 * Every change to a request comes through here: what a ticket shows (`ticket-observed`), a due
 * job (`timer-fired`), what became of credgate's own effects (`effect-failed`, `access-kept`) and
 * what happened at its own edges (`link-revealed`, `link-refused`).
 */
export async function decide(
  request: CredentialRequest | null,
  event: EngineEvent,
  ctx: DecideContext,
): Promise<Decision | null> {
  switch (event.type) {
    case 'ticket-observed':
      return request ? onTicketEvent(request, event, ctx) : onNewTicket(event, ctx);
    case 'timer-fired':
      return request ? onTimerEvent(request, event, ctx) : null;
    default:
      return request ? onOutcomeEvent(request, event, ctx) : null;
  }
}

async function onNewTicket(event: TicketObserved, ctx: DecideContext): Promise<Decision | null> {
  const { snapshot } = event;
  // A ticket first seen already closed is history, not a request.
  if (['closed', 'revoked', 'declined', 'expired'].includes(snapshot.position)) return null;
  const evaluation = await evaluateTicket(snapshot, ctx.policy, {
    now: ctx.now,
    context: event.context,
    people: event.people,
  });
  if (!evaluation) return null;

  const now = ctx.now.toISOString();
  const blank: CredentialRequest = {
    id: requestIdFor(snapshot.ref.connector, snapshot.ref.id),
    version: 0,
    ticket: snapshot.ref,
    ticketUrl: snapshot.url,
    summary: snapshot.summary,
    state: 'awaiting-info',
    category: { id: evaluation.category.id, name: evaluation.category.name },
    requester: snapshot.reporter,
    facts: evaluation.facts,
    factsFingerprint: evaluation.fingerprint,
    missing: evaluation.missing,
    risk: evaluation.risk,
    riskRules: evaluation.riskRules,
    path: evaluation.category.path,
    steps: evaluation.steps,
    approvals: [],
    requestedMs: evaluation.requestedMs,
    grantMs: evaluation.grantMs,
    capRule: evaluation.capRule,
    context: evaluation.context,
    overlay: evaluation.overlay,
    createdAt: now,
    updatedAt: now,
    pendingSince: now,
    grantedAt: null,
    expiresAt: null,
    endedAt: null,
    endReason: null,
    timers: {},
    // Status changes made before credgate saw the request (an early "Approved") count for nothing.
    seenChanges: event.changes.map((c) => c.id),
    // Likewise replies: a command counts only when written after credgate took the request on.
    seenReplies: snapshot.replies.filter((reply) => parseCommand(reply.body)).map(replyId),
    access: null,
    extension: null,
    outbox: [],
    effectSeq: 0,
  };
  const draft = new Draft(blank, ctx.now);
  draft.audit({
    action: 'request-received',
    actor: snapshot.reporter?.id ?? null,
    outcome: evaluation.category.id,
    rules: [evaluation.category.id, ...evaluation.riskRules.map((r) => r.id)],
    detail: { risk: evaluation.risk, missing: evaluation.missing },
  });
  enterEvaluatedState(draft, evaluation, ctx, 'new');
  return { request: draft.request, changed: true };
}

async function onTicketEvent(request: CredentialRequest, event: TicketObserved, ctx: DecideContext): Promise<Decision> {
  const draft = new Draft(request, ctx.now);
  const seen = new Set(request.seenChanges);
  for (const change of event.changes) {
    if (seen.has(change.id)) continue;
    seen.add(change.id);
    draft.request.seenChanges.push(change.id);
    draft.touch();
    if (change.bySelf) continue;
    onStatusChange(draft, change, event.groupsByActor[change.actor.id] ?? [], ctx, event.snapshot.reporter);
  }
  onReplies(draft, event.snapshot.replies, event.groupsByActor, ctx, event.connectorCommands);
  if (event.snapshot.summary !== draft.request.summary) {
    draft.request.summary = event.snapshot.summary;
    draft.touch();
  }
  // The requester is who filed the request: editing the reporter field later neither lets someone
  // else supply facts through replies nor changes whose approval counts as self-approval.
  await reevaluate(draft, { ...event.snapshot, reporter: request.requester }, ctx, event.context, event.people);
  return { request: draft.request, changed: draft.changed };
}

function onTimerEvent(request: CredentialRequest, event: TimerFired, ctx: DecideContext): Decision {
  const draft = new Draft(request, ctx.now);
  onTimer(draft, event, ctx);
  return { request: draft.request, changed: draft.changed };
}

function onOutcomeEvent(request: CredentialRequest, event: OutcomeEvent, ctx: DecideContext): Decision {
  const draft = new Draft(request, ctx.now);
  switch (event.type) {
    case 'effect-failed':
      onEffectFailed(draft, event);
      break;
    case 'access-kept':
      onAccessKept(draft, event);
      break;
    case 'link-revealed':
      onLinkRevealed(draft, event);
      break;
    case 'link-refused':
      onLinkRefused(draft, event);
      break;
  }
  return { request: draft.request, changed: draft.changed };
}
