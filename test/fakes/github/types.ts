/** Public types of the fake GitHub (test/fakes/github/fake-github.ts). */
import type { KeyObject } from 'node:crypto';

export type RepoRole = 'read' | 'triage' | 'write' | 'maintain' | 'admin';

export interface FakeGithubUser {
  login: string;
  /** Only GET /user shows it, like GitHub (webhooks and lists carry "simple users"). */
  name?: string;
  type?: 'User' | 'Bot';
}

export interface FakeRepository {
  /** owner/name; the owner is an organization when it is listed in `orgs`. */
  fullName: string;
  /** login → role; people not listed have no role (permission "none"). */
  collaborators?: Record<string, RepoRole>;
}

export interface FakeTeam {
  org: string;
  slug: string;
  members: string[];
  /** Invited but not yet accepted: membership state "pending". */
  pending?: string[];
}

export interface FakeApp {
  id: number;
  clientId?: string;
  slug: string;
  /** The public half of the app's key: the fake checks JWT signatures with it. */
  publicKey: KeyObject | string;
  /** One installation per account (user or organization). */
  installations: { id: number; account: string }[];
  /** Lifetime of installation tokens (GitHub: one hour). */
  tokenTtlMs?: number;
}

export interface FakeGithubOptions {
  users: FakeGithubUser[];
  /** Owners that are organizations (teams live there). */
  orgs?: string[];
  repositories: FakeRepository[];
  teams?: FakeTeam[];
  /** Personal access tokens: token → login. */
  tokens?: Record<string, string>;
  app?: FakeApp;
  webhook?: WebhookTarget;
  /** Deliver webhooks for credgate's own REST mutations, as GitHub does. Default false. */
  echoOwnEvents?: boolean;
  /** Requests per hour per credential (GitHub: 5,000 for tokens). */
  rateLimit?: number;
  now?: () => Date;
  /**
   * Also check every REST request with Stoplight Prism against GitHub's OpenAPI description
   * (test/fakes/prism-validator.ts); what Prism finds lands in `violations`. Default true.
   */
  prism?: boolean;
}

export interface WebhookTarget {
  url: string;
  secret?: string;
  /** 'json' (default) or 'form' (application/x-www-form-urlencoded, payload=...). */
  contentType?: 'json' | 'form';
}

export interface DeliverOptions {
  badSignature?: boolean;
  noSignature?: boolean;
  deliveryId?: string;
}

/** What credgate answered to one webhook delivery. status 0: the request failed (see error). */
export interface Delivery {
  status: number;
  body: string;
  deliveryId: string;
  error?: string;
}

export interface RecordedDelivery extends Delivery {
  event: string;
  action: string;
  payload: unknown;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  status: number;
  /** Who the credential belongs to: a login, `installation:<id>`, `app:<id>`, or '' when none was valid. */
  as: string;
  route?: string;
  at: number;
}

export interface NewIssue {
  title: string;
  body?: string | null;
  labels?: string[];
}
