/**
 * Vendor-neutral view of a ticket. Connectors map their payloads and API answers into these
 * types; nothing in src/ ever sees a vendor's own JSON.
 */

/** Identifies one ticket in one ticketing system. `id` is stable; `key` is what people read. */
export interface TicketRef {
  connector: string;
  id: string;
  key: string;
}

/** A person (or service account) as the ticketing system identifies them. */
export interface Actor {
  /** Stable id: Jira Cloud accountId, Jira DC username, GitHub login... */
  id: string;
  displayName: string;
  email?: string;
}

/**
 * What a ticket status means to credgate. Each connector maps its own status names (or labels) to
 * these positions from configuration, because every workflow names them differently.
 */
export type WorkflowPosition =
  | 'awaiting-info'
  | 'pending-approval'
  | 'approved'
  | 'declined'
  | 'granted'
  | 'revoked'
  | 'expired'
  | 'closed'
  | 'revocation-failed'
  | 'other';

/** A reply on the ticket, kept so facts given in replies can complete a request. */
export interface TicketReply {
  /** The comment's id in the ticketing system, so a command in it is acted on once. */
  id?: string;
  author: Actor;
  body: string;
  at: string;
}

/** The ticket as read back from the ticketing system's API, not as a webhook claimed it was. */
export interface TicketSnapshot {
  ref: TicketRef;
  url?: string;
  status: string;
  position: WorkflowPosition;
  summary: string;
  description: string;
  project: string;
  issueType: string;
  labels: string[];
  reporter: Actor | null;
  /** Facts read from fields the operator mapped (fact name → value), before description parsing. */
  mappedFacts: Record<string, string>;
  /** Replies by the reporter, oldest first; `Field: value` lines in them complete the request. */
  replies: TicketReply[];
}

/** One status change from the ticket's history (Jira's changelog), read back through the API. */
export interface StatusChange {
  id: string;
  actor: Actor;
  from: string;
  to: string;
  position: WorkflowPosition;
  at: string;
  /** True when credgate's own account made the change: credgate never reacts to itself. */
  bySelf: boolean;
}

/** Another ticket a request refers to (a change or an incident), as read through the connector. */
export interface LinkedTicket {
  key: string;
  /** False when the ticketing system has no such ticket (or credgate may not read it). */
  found: boolean;
  /** True while the ticket is not resolved, closed or cancelled. */
  open: boolean;
  status: string;
  assignee: Actor | null;
}
