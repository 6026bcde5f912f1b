/**
 * The parts of Freshservice's API v2 JSON credgate reads (https://api.freshservice.com/).
 * Deliberately partial: tickets carry many more fields.
 */
export interface FsRequester {
  id: number;
  name?: string;
  email?: string;
}

export interface FsTicket {
  id: number;
  subject?: string;
  /** HTML. `description_text` flattens line breaks, so credgate reads this one. */
  description?: string | null;
  description_text?: string | null;
  status: number;
  requester_id?: number | null;
  /** Present with `?include=requester`. */
  requester?: FsRequester | null;
  type?: string | null;
  category?: string | null;
  sub_category?: string | null;
  group_id?: number | null;
  tags?: string[];
  custom_fields?: Record<string, unknown> | null;
  created_at?: string;
  updated_at?: string;
}

/** A reply or note (GET /api/v2/tickets/{id}/conversations). */
export interface FsConversation {
  id: number;
  user_id: number;
  body?: string | null;
  body_text?: string | null;
  private?: boolean;
  incoming?: boolean;
  created_at: string;
}

/**
 * One entry of GET /api/v2/tickets/{id}/activities: who did what, as a sentence
 * (" set Status as Approved"). Activities have no id of their own.
 */
export interface FsActivity {
  actor?: { id?: number; name?: string } | null;
  content?: string | null;
  sub_contents?: unknown[] | null;
  created_at: string;
}

export interface FsAgent {
  id: number;
  first_name?: string;
  last_name?: string | null;
  email?: string;
  /** Agent groups the agent is a member of (`group_ids` in older accounts). */
  member_of?: number[];
  group_ids?: number[];
}

export interface FsGroup {
  id: number;
  name: string;
}

/** The body the Workflow Automator's "Trigger Webhook" action sends (connectors/freshservice/readme.md). */
export interface FsWebhook {
  ticket_id?: unknown;
}
