import type Keyv from 'keyv';
import type { AccessProvider } from './types';

export interface GrantRecord {
  requestId: string;
  ticket: string;
  requester: string | null;
  systems: string[];
  account: string;
  status: 'active' | 'revoked';
  grantedAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  revokeReason: string | null;
}

/**
 * Records grants and revocations in credgate's own store, acting on no outside system. It is the
 * ledger the real providers (directory, vault, scripts) are checked against, and the default.
 */
export function createBuiltinProvider(kv: Keyv, clock: () => Date): AccessProvider {
  return {
    id: 'builtin',
    type: 'builtin',
    recordsEachGrant: true,
    async grant(ctx) {
      const existing = (await kv.get(ctx.requestId)) as GrantRecord | undefined;
      if (existing) return;
      const record: GrantRecord = {
        requestId: ctx.requestId,
        ticket: ctx.ticket.key,
        requester: ctx.requester?.id ?? null,
        systems: ctx.facts.systems,
        account: ctx.facts.account,
        status: 'active',
        grantedAt: clock().toISOString(),
        expiresAt: ctx.expiresAt,
        revokedAt: null,
        revokeReason: null,
      };
      await kv.set(ctx.requestId, record);
    },
    async revoke(ctx) {
      const existing = (await kv.get(ctx.requestId)) as GrantRecord | undefined;
      if (!existing || existing.status === 'revoked') return;
      await kv.set(ctx.requestId, {
        ...existing,
        status: 'revoked',
        revokedAt: clock().toISOString(),
        revokeReason: ctx.reason,
      });
    },
    async rotate() {
      // No system holds a password here: nothing to rotate, and no secret to hand out.
    },
  };
}
