import type { Actor, TicketRef } from '../domain/ticket';
import type { Facts } from '../domain/request';

/** What a provider needs to grant or revoke one request's access. */
export interface AccessContext {
  requestId: string;
  ticket: TicketRef;
  requester: Actor | null;
  facts: Facts;
  expiresAt: string | null;
  /** Unique per effect: a provider seeing it twice must not act twice. */
  idempotencyKey: string;
}

/**
 * Acts on the system that holds the access. Implementations must be idempotent: a grant or revoke
 * retried after a crash or a timeout must leave the system as one call would.
 */
export interface AccessProvider {
  readonly id: string;
  grant(ctx: AccessContext): Promise<void>;
  revoke(ctx: AccessContext & { reason: string }): Promise<void>;
}
