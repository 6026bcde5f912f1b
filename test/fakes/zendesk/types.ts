/** Public types of the fake Zendesk (test/fakes/zendesk/fake-zendesk.ts). */

export interface FakeZendeskUser {
  id: number;
  name: string;
  email: string;
  role: 'end-user' | 'agent' | 'admin';
  /** Names of the groups the user belongs to (agents only, in real Zendesk). */
  groups: string[];
}

export interface FakeTicketForm {
  id: number;
  name: string;
}

/** A drop-down ("tagger") custom ticket field: option values are tags. */
export interface FakeTaggerField {
  id: number;
  title: string;
  options: { name: string; value: string }[];
}

/** A free-text custom ticket field (facts mapped with zendesk.fields). */
export interface FakeTextField {
  id: number;
  title: string;
}

export interface FakeZendeskOptions {
  /** The agent whose API token credgate uses: `{email}/token:{apiToken}`. */
  email: string;
  apiToken: string;
  /** The id of that agent among `users` (author of REST updates; GET /users/me). */
  serviceUserId: number;
  users: FakeZendeskUser[];
  /** Groups that exist without members (groups of `users` exist anyway). */
  groups?: string[];
  forms?: FakeTicketForm[];
  taggerFields?: FakeTaggerField[];
  textFields?: FakeTextField[];
  webhook?: FakeWebhookTarget;
  /**
   * How deliveries look: `event` (a webhook subscribed to zen:event-type:ticket.* events, one
   * delivery per event) or `trigger` (a webhook connected to a trigger on "ticket is created or
   * updated", with credgate's documented JSON body). Default `event`.
   */
  webhookStyle?: 'event' | 'trigger';
  /** Deliver webhooks for credgate's own REST updates too, as Zendesk does. Default false. */
  echoOwnEvents?: boolean;
  /** Clock for timestamps and rate-limit windows; default real time. */
  now?: () => Date;
}

export interface FakeWebhookTarget {
  url: string;
  /** The webhook's signing secret. */
  secret: string;
}

export interface CreateTicketInput {
  subject: string;
  description: string;
  formId?: number;
  groupName?: string;
  tags?: string[];
  /** Custom field values by field id. */
  customFields?: Record<number, string | null>;
  status?: string;
}

/** What credgate answered to one delivery. status 0: the request failed (see error). */
export interface FakeDelivery {
  status: number;
  body: string;
  invocationId: string;
  error?: string;
}

export interface RecordedZendeskRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
  at: number;
}

export interface DeliverOptions {
  badSignature?: boolean;
  noSignature?: boolean;
  /** Sign with this timestamp instead of now (stale-delivery tests). */
  timestamp?: string;
}
