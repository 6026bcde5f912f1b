/**
 * The parts of Zendesk's JSON credgate reads (Support API v2 and webhooks). Deliberately partial:
 * Zendesk sends far more. Ids are integers in Zendesk's JSON; credgate turns them into strings.
 * https://developer.zendesk.com/api-reference/ticketing/tickets/tickets/
 */

export type ZendeskId = number | string;

export interface ZendeskUser {
  id: ZendeskId;
  name?: string;
  email?: string | null;
  role?: string;
}

export interface ZendeskCustomFieldValue {
  id: ZendeskId;
  value: unknown;
}

export interface ZendeskTicket {
  id: ZendeskId;
  url?: string;
  subject?: string | null;
  description?: string | null;
  /** new, open, pending, hold, solved, closed. */
  status?: string;
  type?: string | null;
  requester_id?: ZendeskId | null;
  submitter_id?: ZendeskId | null;
  assignee_id?: ZendeskId | null;
  group_id?: ZendeskId | null;
  ticket_form_id?: ZendeskId | null;
  tags?: string[];
  custom_fields?: ZendeskCustomFieldValue[];
  created_at?: string;
  updated_at?: string;
}

/** A ticket comment: `body` is plain text, `html_body` the HTML Zendesk renders. */
export interface ZendeskComment {
  id: ZendeskId;
  type?: string;
  author_id?: ZendeskId | null;
  body?: string | null;
  html_body?: string | null;
  plain_body?: string | null;
  public?: boolean;
  created_at?: string;
}

/**
 * One event of an audit. "Create" and "Change" events carry `field_name` ("status", or a custom
 * field's id as a string), `value` and, for Change, `previous_value`.
 * https://developer.zendesk.com/documentation/ticketing/reference-guides/ticket-audit-events-reference
 */
export interface ZendeskAuditEvent {
  id: ZendeskId;
  type: string;
  field_name?: string;
  value?: unknown;
  previous_value?: unknown;
  /** Other event types (Comment, Notification...) carry other properties. */
  [key: string]: unknown;
}

/** One update to a ticket: who made it, when, and its events. */
export interface ZendeskAudit {
  id: ZendeskId;
  ticket_id?: ZendeskId;
  author_id?: ZendeskId | null;
  created_at: string;
  events: ZendeskAuditEvent[];
}

export interface ZendeskGroup {
  id: ZendeskId;
  name: string;
  deleted?: boolean;
}

export interface ZendeskGroupMembership {
  id: ZendeskId;
  user_id: ZendeskId;
  group_id: ZendeskId;
}

export interface ZendeskTicketForm {
  id: ZendeskId;
  name?: string;
  display_name?: string;
}

/** What a ticket update may send: credgate only ever sets a comment or custom fields. */
export interface ZendeskTicketUpdate {
  comment?: { html_body?: string; body?: string; public: boolean };
  custom_fields?: { id: number; value: string | null }[];
}

/** A list page: cursor pagination (`meta`, `links`) or offset pagination (`next_page`). */
export interface ZendeskPage {
  meta?: { has_more?: boolean; after_cursor?: string | null };
  links?: { next?: string | null };
  next_page?: string | null;
  [collection: string]: unknown;
}

/**
 * A delivery of a webhook subscribed to Zendesk events (`zen:event-type:ticket.*`, `user.*`...).
 * https://developer.zendesk.com/api-reference/webhooks/event-types/webhook-event-types/
 */
export interface ZendeskEventWebhook {
  type: string;
  id?: string;
  account_id?: number;
  time?: string;
  zendesk_event_version?: string;
  /** e.g. "zen:ticket:35436". */
  subject?: string;
  detail?: { id?: ZendeskId; actor_id?: ZendeskId; form_id?: ZendeskId | null; [key: string]: unknown };
  event?: unknown;
}

/**
 * A delivery of a webhook connected to a trigger or automation: the body is whatever JSON the admin
 * wrote, so credgate documents one (see readme.md) and reads `ticket_id` (or `ticket.id`).
 */
export interface ZendeskTriggerWebhook {
  ticket_id?: ZendeskId;
  ticket?: { id?: ZendeskId };
  actor_id?: ZendeskId;
  current_user_id?: ZendeskId;
  event?: string;
}
