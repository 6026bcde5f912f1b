import type { AxiosInstance } from 'axios';
import { CredgateError } from '../../util/errors';
import { formatZodError } from '../../util/format-zod-error';
import type { Logger } from '../../util/logger';
import type { AccessProvider } from '../types';
import { createVaultClient } from './client';
import { dynamicMode } from './dynamic-mode';
import { kvMode } from './kv-mode';
import { vaultChecks } from './doctor-checks';
import { parseVaultSettings, vaultProviderSchema } from './schema';

export {
  vaultProviderSchema,
  vaultProviderSecrets,
  vaultSettingsSchema,
  type VaultProviderConfig,
  type VaultSettings,
} from './schema';

export interface VaultProviderDeps {
  log: Logger;
  clock: () => Date;
  /** Tests only: an axios instance to send through instead of one built from the config. */
  http?: AxiosInstance;
}

/**
 * The `vault` access provider: hands off HashiCorp Vault secrets through single-use response-
 * wrapping tokens. Per policy binding (`target.settings`, see ./readme.md): `mode: kv` wraps a KV
 * version 2 secret and rotates it; `mode: dynamic` issues leased credentials and revokes the
 * lease. `input` is the `providers.<id>` section, validated here against `vaultProviderSchema`
 * (a 'config' error naming each bad key).
 */
export function createVaultProvider(id: string, input: unknown, deps: VaultProviderDeps): AccessProvider {
  const parsed = vaultProviderSchema.safeParse(input);
  if (!parsed.success) throw new CredgateError('config', formatZodError(parsed.error, `providers.${id}`));
  const config = parsed.data;
  const client = createVaultClient(config, deps.clock, deps.http);
  const modeDeps = { id, client, kvMount: config.kvMount, log: deps.log, clock: deps.clock };
  const modes = { kv: kvMode(modeDeps), dynamic: dynamicMode(modeDeps) };
  if (/^http:/i.test(config.address) && !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])([:/]|$)/i.test(config.address)) {
    deps.log.warn(
      { provider: id },
      'vault: the address is plain http: the Vault token and every wrapping token cross the network unencrypted',
    );
  }
  const settingsOf = (ctx: { target: { binding: string; settings: Record<string, string> } }) =>
    parseVaultSettings(ctx.target.binding, ctx.target.settings);

  return {
    id,
    type: 'vault',
    async grant(ctx) {
      const s = settingsOf(ctx);
      return modes[s.mode].grant(ctx, s);
    },
    async revoke(ctx) {
      const s = settingsOf(ctx);
      return modes[s.mode].revoke(ctx, s);
    },
    async rotate(ctx) {
      const s = settingsOf(ctx);
      return modes[s.mode].rotate(ctx, s);
    },
    checks: (targets) => vaultChecks(id, client, config.kvMount, targets),
    async close() {
      await client.logout();
    },
  };
}
