import type { Actor, TicketRef } from '../domain/ticket';
import type { Facts } from '../domain/request';
import type { SetupCheck } from '../doctor/check';
import type { AccessTarget } from '../domain/access-target';

/** What a provider needs to grant, revoke or rotate one request's access. */
export interface AccessContext {
  requestId: string;
  ticket: TicketRef;
  requester: Actor | null;
  facts: Facts;
  /** When the grant ends; a provider sets expiries (account, wrapping TTL) no later than this. */
  expiresAt: string | null;
  target: AccessTarget;
  /** Unique per effect: a provider seeing it twice must not act twice. */
  idempotencyKey: string;
}

/** A secret a provider produced (a rotated or generated password, a wrapping token). */
export interface IssuedSecret {
  /** What it is, in words fit for a ticket: "password for svc-backup". Never the value. */
  label: string;
  value: string;
}

/** What a provider reports back. Nothing here but `secret` may hold a secret. */
export interface ProviderResult {
  /** Handed off through a one-time link, never written to a ticket, a log or the audit trail. */
  secret?: IssuedSecret;
  /** What was done, in plain words (e.g. { group: 'cn=vpn,...', member: 'uid=bob,...' }), audited. */
  detail?: Record<string, string>;
}

/** An account as the system that holds it sees it, for reviews and purges. */
export interface AccountState {
  account: string;
  exists: boolean;
  enabled: boolean;
  /** The account's own expiry in that system, when it has one. */
  expiresAt?: string | null;
  /** Last use (login) when the system records it. */
  lastUsedAt?: string | null;
}

/**
 * Acts on the system that holds the access. Every method must be idempotent: a call retried after
 * a crash or a timeout must leave the system as one call would. Failures throw a CredgateError:
 * kind 'transient' is retried with backoff, 'permanent' and 'config' fail the effect at once.
 * Error messages must never contain a secret.
 */
export interface AccessProvider {
  /** Instance name from configuration ("corp-ad", "vault", ...). */
  readonly id: string;
  /** Provider type: ldap, vault, command, http, builtin. */
  readonly type: string;
  /**
   * True when the provider keeps one record per grant rather than acting on shared access (the
   * builtin ledger): its revoke runs for every grant, overlapping or not.
   */
  readonly recordsEachGrant?: boolean;
  grant(ctx: AccessContext): Promise<ProviderResult | void>;
  revoke(ctx: AccessContext & { reason: string }): Promise<ProviderResult | void>;
  /** Sets a new random secret on the (shared) account; the result carries it when it is handed off. */
  rotate(ctx: AccessContext & { reason: string }): Promise<ProviderResult | void>;
  /** The account's state, when the provider can read it (reviews, purges). */
  inspect?(target: AccessTarget, account: string): Promise<AccountState | null>;
  /** Disables an account found stale by a review (purge). */
  disable?(target: AccessTarget, account: string, reason: string): Promise<ProviderResult | void>;
  close?(): Promise<void>;
  /**
   * The person's managers as the directory names them (their email addresses), for approval steps
   * with `source: manager`; empty when the person or a manager is not in the directory.
   */
  managersOf?(person: { id: string; email?: string }): Promise<string[]>;
  /**
   * What `credgate doctor` and /readyz verify: the provider binds and can read what the policy
   * bindings naming it will act on (`targets`).
   */
  checks?(targets: AccessTarget[]): SetupCheck[];
}
