/** Public types of the fake "Desk" ticketing system (test/fakes/generic/fake-desk.ts). */

export interface DeskPerson {
  id: string;
  name: string;
  email: string;
  /** Team slugs the person belongs to. */
  teams: string[];
}

export interface FakeDeskOptions {
  /** The API token credgate sends as `Authorization: Bearer <token>`. */
  token: string;
  /** The person the token belongs to (author of API notes and state changes; GET /api/v1/me). */
  servicePersonId: string;
  people: DeskPerson[];
  /** Workflow states; the first is a new ticket's. Any state may move to any other. */
  states: string[];
  webhook?: DeskWebhookTarget;
  /** Deliver webhooks for credgate's own API writes too. Default false. */
  echoOwnEvents?: boolean;
  now?: () => Date;
}

export interface DeskWebhookTarget {
  url: string;
  secret: string;
}

export interface CreateDeskTicket {
  title: string;
  body: string;
  category?: string;
  queue?: string;
  labels?: string[];
  custom?: Record<string, string>;
}

export interface DeskDelivery {
  status: number;
  body: string;
  deliveryId: string;
  error?: string;
}

export interface RecordedDeskRequest {
  method: string;
  path: string;
  body: unknown;
  status: number;
  at: number;
}
