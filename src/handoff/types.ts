import type { Router } from 'express';
import type { TicketRef } from '../domain/ticket';
import type { Logger } from '../util/logger';
import type { Store } from '../store/open-store';
import type { SealedBox } from './secret-box';
import type { Actor } from '../domain/ticket';
import type { LinkSignIn } from './sign-in';

/** A link that was just revealed, as `onRevealed` sees it: no token, no secret. */
export interface RevealedLink {
  /** The store key: SHA-256 of the token (hex). Not enough to open the link. */
  id: string;
  requestId: string;
  ticket: TicketRef;
  label: string;
  createdAt: string;
  expiresAt: string;
}

/** Who revealed a link: the socket address (or the proxy's client address under trust proxy). */
export interface Viewer {
  ip: string;
  /** Who signed in, for a link bound to the requester's sign-in (the matched email or id). */
  identity?: string;
  /** Normalized to one line and truncated; still requester-controlled text. */
  userAgent: string;
  at: string;
}

/** A link as stored under its id. `box` exists only while the link is live. */
export interface LinkRecord {
  kind: 'link';
  version: number;
  state: 'live' | 'revealed';
  requestId: string;
  ticket: TicketRef;
  label: string;
  createdAt: string;
  expiresAt: string;
  box?: SealedBox;
  /**
   * The identity a sign-in must yield before Reveal works (the requester's email, lowercased, or
   * ticketing account id, per `oidc.requester`); absent: anyone holding the URL may reveal.
   */
  boundTo?: string;
  revealedAt?: string;
  revealedBy?: string;
  revealedIp?: string;
  revealedUserAgent?: string;
}

/**
 * A link a retried issue made obsolete. It stays until its expiry so that a write of the old link
 * still in flight (a stale worker) finds the key taken and fails instead of reviving it.
 */
export interface ReplacedLink {
  kind: 'link';
  version: number;
  state: 'replaced';
  expiresAt: string;
  replacedAt: string;
  requestId?: string;
}

/** Every link ever issued for one idempotency key, under `issued:<key>`; the last one is current. */
export interface IssueRecord {
  kind: 'issue';
  version: number;
  links: string[];
  expiresAt: string;
}

export type HandoffDoc = LinkRecord | ReplacedLink | IssueRecord;

export interface IssueInput {
  requestId: string;
  ticket: TicketRef;
  /** What the secret is, fit for a ticket ("password for svc-backup"). Never the value. */
  label: string;
  secret: string;
  /** When the grant ends; the link never outlives it. */
  expiresAt: string | null;
  /** Unique per effect: a retry with the same key replaces the earlier link instead of adding one. */
  idempotencyKey: string;
  /** Whom the secret is for, and the request's category (policy may bind the link to a sign-in). */
  requester?: Actor | null;
  categoryId?: string;
}

/** Someone signed in but was not the requester, or a sign-in could not be used on a bound link. */
export interface RefusedAttempt {
  ip: string;
  userAgent: string;
  at: string;
  /** The identity that signed in, when the provider vouched for one. */
  identity: string | null;
}

export interface IssuedLink {
  url: string;
  expiresAt: string;
}

export interface HandoffDeps {
  store: Store;
  /** The 32-byte sealing key (see resolveHandoffKey); null: `issue` refuses with a 'config' error. */
  key: Buffer | null;
  clock: () => Date;
  /**
   * Base URL people reach credgate at, e.g. "https://credgate.example.com"; a function when it is
   * only known once the server listens.
   */
  publicUrl: string | (() => string);
  ttlMs: number;
  log: Logger;
  /**
   * Called once per reveal, after the link is burnt and before the page is sent (audit entry,
   * ticket comment). Keep it quick: enqueue, do not call a ticketing system inline; it is given
   * 5 s. A failure is logged and does not undo the reveal.
   */
  onRevealed: (link: RevealedLink, viewer: Viewer) => Promise<void>;
  /**
   * Binds links to the requester's sign-in (OIDC configured): returns the identity a sign-in must
   * yield for this link, or null for an unbound link. Throws when the requester cannot be bound.
   */
  bindTo?: (input: IssueInput) => string | null;
  /** Signs people in for bound links; null: no OIDC provider is configured. */
  signIn?: LinkSignIn | null;
  /** Called when a signed-in person who is not the requester tried a bound link (audit, comment). */
  onRefused?: (link: RevealedLink, attempt: RefusedAttempt) => Promise<void>;
  /** Path the links live under; default "/s" (config `handoff.path`). */
  path?: string;
  /** Page requests allowed per client address: a burst of `capacity`, refilled at `perMinute`. */
  rateLimit?: { capacity: number; perMinute: number };
}

/** One-time links for secrets a provider produced. */
export interface Handoff {
  /** Seals the secret and returns the only URL that can open it. */
  issue(input: IssueInput): Promise<IssuedLink>;
  /** `GET <path>/:token` (the page with a Reveal button) and `POST <path>/:token/reveal`. */
  router(): Router;
  /** Deletes links (and their bookkeeping) past expiry; returns how many links were deleted. */
  purgeExpired(): Promise<number>;
}
