import type { Actor, TicketRef } from '../../src/domain/ticket';

/**
 * The generic connector has no vendor types: it reads any system's JSON only through the JSON
 * paths in its configuration. These are the shapes it builds from them.
 */

/** A JSON document as the system sent it (a webhook body, an API answer). */
export type Json = unknown;

/** What request templates can name (see TEMPLATE_SAMPLE in schema.ts and readme.md). */
export interface RequestView {
  ticket: { id: string; key: string };
  /** postComment: the comment, already in the configured markup. */
  body?: string;
  markup?: string;
  /** postComment: who the comment is for, and whether it is agents' bookkeeping (an internal note where the system has them). */
  audience?: 'requester' | 'agents';
  forAgents?: boolean;
  /** setStatus: the system's status value, and credgate's position it stands for. */
  status?: string;
  position?: string;
  /** getGroups: the person whose groups are wanted (email null when unknown). */
  actor?: { id: string; displayName: string; email: string | null };
}

/** One item of the ticket's history, as the getHistory mapping reads it. */
export interface HistoryItem {
  id: string;
  actor: Actor;
  from: string;
  to: string;
  at: string;
}

export type { Actor, TicketRef };
