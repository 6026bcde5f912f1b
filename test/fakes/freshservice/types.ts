/** A person in the fake account: every user can raise tickets; agents also work them. */
export interface FakeFsUser {
  id: number;
  name: string;
  email: string;
  agent: boolean;
  /** Agent groups (names). */
  groups: string[];
}

export interface FakeFreshserviceOptions {
  users: FakeFsUser[];
  /** credgate's API key (its agent is `credgateAgentId`). */
  apiKey: string;
  credgateAgentId: number;
  /** Ticket statuses of the account (id → name); built-ins plus credgate's custom ones by default. */
  statuses?: Record<number, string>;
  /** The shared secret the workflow's webhook action sends. */
  webhookSecret: string;
  webhookHeader?: string;
  /** Run the workflow for updates made through the API too (as "performed by: anyone" does). */
  echoOwnEvents?: boolean;
}

export interface WebhookTarget {
  url: string;
}

export interface Delivery {
  status: number;
  body: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
  /** When it arrived (ms since epoch). */
  at: number;
}

export interface FsTicketRow {
  id: number;
  subject: string;
  description: string;
  description_text: string;
  status: number;
  priority: number;
  source: number;
  type: string;
  category: string | null;
  requester_id: number;
  group_id: number | null;
  custom_fields: Record<string, unknown>;
  tags: string[];
  created_at: string;
  updated_at: string;
}

export interface FsConversationRow {
  id: number;
  ticket_id: number;
  user_id: number;
  body: string;
  body_text: string;
  private: boolean;
  incoming: boolean;
  created_at: string;
  updated_at: string;
}

export interface FsActivityRow {
  actor: { id: number; name: string };
  content: string;
  sub_contents: string[];
  created_at: string;
}
