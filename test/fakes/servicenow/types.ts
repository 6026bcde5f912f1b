/** A person in the fake instance: a sys_user row and their group memberships. */
export interface FakeSnUser {
  userName: string;
  name: string;
  email?: string;
  password?: string;
  groups: string[];
}

export interface FakeServiceNowOptions {
  users: FakeSnUser[];
  /** credgate's account: basic auth with its password, or a bearer token for the same user. */
  credgate: { userName: string; password?: string; token?: string };
  /** Choices of incident.state (value → label); the OOB ones plus credgate's are the default. */
  states?: Record<string, string>;
  /** Choices of incident.category (value → label). */
  categories?: Record<string, string>;
  /** The shared secret the Business Rule signs with. */
  webhookSecret: string;
  /** Deliver the Business Rule's webhook for updates made through the REST API too (as a real BR does). */
  echoOwnEvents?: boolean;
}

/** Where the Business Rule posts, once credgate's URL is known. */
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

/** Field types the fake's tables use; enough to render values and display values. */
export type FieldType = 'string' | 'choice' | 'reference' | 'journal' | 'datetime' | 'integer' | 'boolean';

export interface FieldSchema {
  type: FieldType;
  /** The referenced table, for references. */
  ref?: string;
}

export interface TableSchema {
  /** The field shown as a reference's display value. */
  display: string;
  fields: Record<string, FieldSchema>;
}

export type Row = Record<string, string>;
