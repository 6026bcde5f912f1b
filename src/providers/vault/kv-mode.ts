import { createHash } from 'node:crypto';
import { parseDuration } from '../../policy/parse-duration';
import { CredgateError } from '../../util/errors';
import type { Logger } from '../../util/logger';
import type { AccessContext, ProviderResult } from '../types';
import type { VaultClient } from './client';
import { randomPassword } from './random-password';
import type { VaultSettings } from './schema';
import type { VaultWrapInfo } from './types';
import { unwrapDeadline, wrapTtlSeconds } from './wrap-ttl';

/** What a mode needs from the provider around it. */
export interface ModeDeps {
  id: string;
  client: VaultClient;
  kvMount: string;
  log: Logger;
  clock: () => Date;
}

/** custom_metadata keys recording the last rotation, so a retried rotate returns its own result. */
const ROTATION = 'credgate-rotation';
const ROTATED_VERSION = 'credgate-rotated-version';
const ROTATED_FOR = 'credgate-request';
const CAS_ATTEMPTS = 3;

/**
 * `mode: kv`: a shared secret in a KV version 2 mount. Grant hands off a response-wrapping token
 * (single use, dying before the grant does) so credgate never holds the secret unless one field
 * must be picked out; revoke kills that token if still unused; rotate writes a new version with a
 * fresh password, check-and-set against the version it read.
 */
export function kvMode(deps: ModeDeps) {
  const { client, log, clock } = deps;
  const mountOf = (s: VaultSettings) => s.mount ?? deps.kvMount;

  return {
    async grant(ctx: AccessContext, s: VaultSettings): Promise<ProviderResult> {
      const mount = mountOf(s);
      const now = clock();
      const ttl = wrapTtlSeconds(parseDuration(s.wrapTtl)!, ctx.expiresAt, now);
      let info: VaultWrapInfo;
      if (!s.field) {
        // Vault wraps the read itself: the secret goes from Vault to the recipient, never through credgate.
        const res = await client.readKv(mount, s.path, ttl);
        if (!res.wrap_info)
          throw new CredgateError(
            'permanent',
            `Vault answered the wrapped read of ${mount}/data/${s.path} without wrap_info (does a proxy drop X-Vault-Wrap-TTL?)`,
          );
        info = res.wrap_info;
      } else {
        // Vault cannot wrap one field of a read: read it, then wrap just that field.
        const res = await client.readKv(mount, s.path);
        const value = res.data?.data?.[s.field];
        if (value === undefined || value === null)
          throw new CredgateError('permanent', `the secret at ${mount}/data/${s.path} has no field "${s.field}"`);
        info = await client.wrap({ [s.field]: value }, ttl);
      }
      const unwrapBefore = unwrapDeadline(now, ttl);
      log.info(
        {
          provider: deps.id,
          binding: ctx.target.binding,
          request: ctx.requestId,
          path: `${mount}/${s.path}`,
          wrapAccessor: info.accessor,
          ttl,
        },
        'vault: secret wrapped for hand-off',
      );
      return {
        secret: {
          label: `Vault wrapping token for ${s.path} (single use, unwrap before ${unwrapBefore})`,
          value: info.token,
        },
        detail: {
          mode: 'kv',
          mount,
          path: s.path,
          ...(s.field ? { field: s.field } : {}),
          wrapAccessor: info.accessor,
          ttl: String(ttl),
          unwrapBefore,
        },
      };
    },

    async revoke(ctx: AccessContext, s: VaultSettings): Promise<ProviderResult> {
      const path = `${mountOf(s)}/${s.path}`;
      if (!s.wrapAccessor)
        return { detail: { path, outcome: 'no wrapping token recorded for this grant: nothing to revoke' } };
      const outcome = await client.revokeAccessor(s.wrapAccessor);
      log.info(
        { provider: deps.id, request: ctx.requestId, path, wrapAccessor: s.wrapAccessor, outcome },
        'vault: wrapping token revoked',
      );
      return {
        detail: {
          path,
          wrapAccessor: s.wrapAccessor,
          outcome:
            outcome === 'revoked' ? 'unused wrapping token revoked' : 'wrapping token already unwrapped or expired',
        },
      };
    },

    async rotate(ctx: AccessContext, s: VaultSettings): Promise<ProviderResult> {
      const mount = mountOf(s);
      const field = s.field ?? 'password';
      const marker = createHash('sha256').update(ctx.idempotencyKey).digest('hex').slice(0, 32);
      for (let attempt = 1; attempt <= CAS_ATTEMPTS; attempt++) {
        const current = await client.readKv(mount, s.path);
        const meta = current.data?.metadata;
        const data = current.data?.data ?? {};
        if (!meta)
          throw new CredgateError('permanent', `Vault answered the read of ${mount}/data/${s.path} without metadata`);
        const custom = meta.custom_metadata ?? {};
        if (
          custom[ROTATION] === marker &&
          custom[ROTATED_VERSION] === String(meta.version) &&
          typeof data[field] === 'string'
        ) {
          // This very rotation already happened and nobody wrote since: hand back its result.
          return rotated(s.path, mount, field, data[field] as string, meta.version);
        }
        const password = randomPassword(Number(s.passwordLength));
        let version: number;
        try {
          version = await client.writeKv(mount, s.path, { ...data, [field]: password }, meta.version);
        } catch (err) {
          // Someone wrote a version since our read: read again and keep their other fields.
          if (err instanceof CredgateError && err.details.httpStatus === 400 && /check-and-set/i.test(err.message))
            continue;
          throw err;
        }
        try {
          await client.writeKvCustomMetadata(mount, s.path, {
            ...custom,
            [ROTATION]: marker,
            [ROTATED_VERSION]: String(version),
            [ROTATED_FOR]: ctx.requestId,
          });
        } catch (err) {
          // The password is already changed: losing it now would lock everyone out. A retry will rotate again.
          log.warn(
            { provider: deps.id, path: `${mount}/${s.path}`, err: (err as Error).message },
            'vault: rotated, but could not record the rotation in custom_metadata',
          );
        }
        log.info(
          { provider: deps.id, request: ctx.requestId, path: `${mount}/${s.path}`, field, version },
          'vault: secret rotated',
        );
        return rotated(s.path, mount, field, password, version);
      }
      throw new CredgateError(
        'transient',
        `the secret at ${mount}/data/${s.path} changed during each of ${CAS_ATTEMPTS} rotation attempts (check-and-set)`,
      );
    },
  };
}

const rotated = (path: string, mount: string, field: string, value: string, version: number): ProviderResult => ({
  secret: { label: `new password for ${path}`, value },
  detail: { mode: 'kv', mount, path, field, version: String(version) },
});
