import type { LinkedTicket, StatusChange, TicketSnapshot } from './ticket';
import type { TimerKind } from './request';
import type { Effect } from './effect';

/**
 * What the engine decides on. Ticket events carry the ticket as read back from the API and its
 * whole status history, so the decision never rests on what a webhook claimed.
 */
export type EngineEvent = TicketObserved | TimerFired | OutcomeEvent;

/** Events that come from credgate's own edges (effect outcomes, a revealed link), not a ticket. */
export type OutcomeEvent = EffectFailed | AccessKept | LinkRevealed | LinkRefused;

export interface TicketObserved {
  type: 'ticket-observed';
  snapshot: TicketSnapshot;
  changes: StatusChange[];
  /** Group memberships of the actors of changes and commands not yet seen, resolved before deciding. */
  groupsByActor: Record<string, string[]>;
  /** People found before deciding for approver sources (the requester's manager). */
  people?: { managers?: string[] };
  /** Slash commands the connector itself turns into status changes (GitHub's /approve, /deny). */
  connectorCommands?: string[];
  /** Facts looked up before deciding for auto-approval and linked-ticket checks. */
  context?: ObservedContext;
}

/** An earlier grant to the same requester, from the store (auto-approval renewals). */
export interface PriorGrant {
  requestId: string;
  category: string;
  account: string;
  systems: string[];
  /** When that access ended or ends. */
  endsAt: string;
}

export interface ObservedContext {
  requesterGroups?: string[];
  priorGrants?: PriorGrant[];
  /** The ticket the `linked` fact names, as read now; null when it cannot be read. */
  linked?: LinkedTicket | null;
}

export interface TimerFired {
  type: 'timer-fired';
  timer: TimerKind;
  /** The due time the job was scheduled for: a timer rescheduled since is stale and ignored. */
  dueAt: string;
}

/**
 * The effect at the head of the outbox failed for good (every retry spent, or an error no retry
 * can fix). Reported by the effect runner; `decide` says what follows (a grant undone, a
 * revocation escalated, the service desk told).
 */
export interface EffectFailed {
  type: 'effect-failed';
  /** The effect as it stood at the head of the outbox; stale when the head has moved on. */
  effect: Effect;
  /** Why, already scrubbed of secrets: it reaches the ticket and the audit trail. */
  error: string;
}

/**
 * A revocation was performed but the access stays: another active grant still covers it
 * (overlapping grants). Reported by the effect runner in place of "done".
 */
export interface AccessKept {
  type: 'access-kept';
  /** The revoke effect that found the access still covered. */
  effect: Effect;
  /** Request ids of the grants that keep the access. */
  coveredBy: string[];
  /** When the last of them ends. */
  until: string | null;
}

/** Someone opened a one-time link the request handed out. Reported by the hand-off route. */
export interface LinkRevealed {
  type: 'link-revealed';
  /** The link's store id (a hash of its token): only a prefix is audited. */
  linkId: string;
  label: string;
  at: string;
  ip: string;
  userAgent: string;
  /** Who signed in before revealing, when the link is bound to a sign-in (OIDC); null otherwise. */
  identity: string | null;
}

/** A one-time link bound to the requester's sign-in was opened by someone else: refused. */
export interface LinkRefused extends Omit<LinkRevealed, 'type'> {
  type: 'link-refused';
}
