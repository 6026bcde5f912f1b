import type { StatusChange, TicketSnapshot } from './ticket';
import type { TimerKind } from './request';

/**
 * What the engine decides on. Ticket events carry the ticket as read back from the API and its
 * whole status history, so the decision never rests on what a webhook claimed.
 */
export type EngineEvent = TicketObserved | TimerFired;

export interface TicketObserved {
  type: 'ticket-observed';
  snapshot: TicketSnapshot;
  changes: StatusChange[];
  /** Group memberships of the actors of changes and commands not yet seen, resolved before deciding. */
  groupsByActor: Record<string, string[]>;
  /** Slash commands the connector itself turns into status changes (GitHub's /approve, /deny). */
  connectorCommands?: string[];
}

export interface TimerFired {
  type: 'timer-fired';
  timer: TimerKind;
  /** The due time the job was scheduled for: a timer rescheduled since is stale and ignored. */
  dueAt: string;
}
