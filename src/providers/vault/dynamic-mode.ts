import { parseDuration } from '../../policy/parse-duration';
import { CredgateError } from '../../util/errors';
import type { AccessContext, ProviderResult } from '../types';
import type { ModeDeps } from './kv-mode';
import type { VaultSettings } from './schema';
import { unwrapDeadline, wrapTtlSeconds } from './wrap-ttl';

/**
 * `mode: dynamic`: credentials a secrets engine creates per grant, under a lease
 * (database/creds/<role>, aws/creds/<role>...).
 *
 * A wrapped read would hide the lease id inside the wrapping token, and revoke needs it. So grant
 * reads unwrapped, keeps the lease id (not a secret) in `detail.leaseId`, and wraps the
 * credentials with sys/wrapping/wrap before handing them off; they pass through credgate's memory
 * only. Revoke gets the lease id back from the core (the grant's detail merged into
 * `target.settings`) and revokes the lease, which deletes the credentials in the target system.
 * The lease's own TTL (the role's default_ttl) is the backstop if credgate never revokes.
 */
export function dynamicMode(deps: ModeDeps) {
  const { client, log, clock } = deps;

  return {
    async grant(ctx: AccessContext, s: VaultSettings): Promise<ProviderResult> {
      const now = clock();
      const ttl = wrapTtlSeconds(parseDuration(s.wrapTtl)!, ctx.expiresAt, now);
      const res = await client.read(s.path);
      if (!res.lease_id) {
        throw new CredgateError(
          'config',
          `Vault issued no lease at ${s.path}: mode dynamic needs a secrets engine that creates leased credentials (e.g. database/creds/<role>); use mode kv for stored secrets`,
        );
      }
      const leaseId = res.lease_id;
      let info;
      try {
        info = await client.wrap(res.data ?? {}, ttl);
      } catch (err) {
        // Nobody will ever receive these credentials: end them now rather than at the lease's TTL.
        await client
          .revokeLease(leaseId)
          .catch((e: unknown) =>
            log.warn(
              { provider: deps.id, leaseId, err: (e as Error).message },
              'vault: could not revoke the lease of a failed grant; it ends at its TTL',
            ),
          );
        throw err;
      }
      const leftMs = ctx.expiresAt === null ? Infinity : Date.parse(ctx.expiresAt) - now.getTime();
      if (res.lease_duration * 1000 < leftMs) {
        log.warn(
          { provider: deps.id, request: ctx.requestId, path: s.path, leaseTtl: res.lease_duration },
          "vault: the lease ends before the grant does (raise the role's default_ttl)",
        );
      }
      const unwrapBefore = unwrapDeadline(now, ttl);
      log.info(
        {
          provider: deps.id,
          binding: ctx.target.binding,
          request: ctx.requestId,
          path: s.path,
          leaseId,
          wrapAccessor: info.accessor,
          ttl,
        },
        'vault: dynamic credentials issued and wrapped',
      );
      return {
        secret: {
          label: `Vault wrapping token for ${s.path} (single use, unwrap before ${unwrapBefore})`,
          value: info.token,
        },
        detail: {
          mode: 'dynamic',
          path: s.path,
          leaseId,
          leaseTtl: String(res.lease_duration),
          wrapAccessor: info.accessor,
          ttl: String(ttl),
          unwrapBefore,
        },
      };
    },

    async revoke(ctx: AccessContext, s: VaultSettings): Promise<ProviderResult> {
      if (!s.leaseId) {
        throw new CredgateError(
          'config',
          `revoking dynamic Vault credentials for ${s.path} needs the grant's leaseId: the core must pass the grant's detail back in target.settings`,
        );
      }
      // sys/leases/revoke answers 204 for a lease Vault no longer knows; the lookup says which it was.
      const lease = await client.lookupLease(s.leaseId);
      if (!lease) return { detail: { path: s.path, leaseId: s.leaseId, outcome: 'lease already revoked or expired' } };
      await client.revokeLease(s.leaseId);
      log.info({ provider: deps.id, request: ctx.requestId, path: s.path, leaseId: s.leaseId }, 'vault: lease revoked');
      return { detail: { path: s.path, leaseId: s.leaseId, outcome: 'lease revoked' } };
    },

    async rotate(_ctx: AccessContext, s: VaultSettings): Promise<ProviderResult> {
      // Each grant had its own credentials, gone with its lease: there is no shared secret to change.
      return { detail: { path: s.path, outcome: 'nothing to rotate: dynamic credentials end with their lease' } };
    },
  };
}
