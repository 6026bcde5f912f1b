import type { SetupCheck } from '../../doctor/check';
import { SetupProblem } from '../../doctor/check';
import type { AccessTarget } from '../../domain/access-target';
import { isCredgateError } from '../../util/errors';
import type { VaultClient } from './client';
import { parseVaultSettings } from './schema';

/** A path and what a binding does there. */
interface Need {
  binding: string;
  path: string;
  capability: 'read' | 'update';
  why: string;
}

/** The paths and capabilities each binding's grants, revocations and rotations use. */
function needsOf(targets: AccessTarget[], kvMount: string): Need[] {
  const needs: Need[] = [];
  for (const t of targets) {
    const s = parseVaultSettings(t.binding, t.settings);
    const binding = t.binding;
    if (s.mode === 'kv') {
      const mount = s.mount ?? kvMount;
      needs.push({ binding, path: `${mount}/data/${s.path}`, capability: 'read', why: 'hand the secret off' });
      needs.push({ binding, path: 'auth/token/revoke-accessor', capability: 'update', why: 'revoke unused links' });
      if (t.share === 'rotate' || t.rotateOnRevoke) {
        needs.push({ binding, path: `${mount}/data/${s.path}`, capability: 'update', why: 'rotate the secret' });
        needs.push({ binding, path: `${mount}/metadata/${s.path}`, capability: 'update', why: 'record the rotation' });
      }
    } else {
      needs.push({ binding, path: s.path, capability: 'read', why: 'issue credentials' });
      needs.push({ binding, path: 'sys/leases/revoke', capability: 'update', why: 'revoke the lease at expiry' });
    }
  }
  return needs;
}

/**
 * `provider.<id>.auth`: the token (or AppRole login) is accepted; `provider.<id>.capabilities`:
 * what Vault says the token may do (sys/capabilities-self) covers every path the bindings use.
 */
export function vaultChecks(id: string, client: VaultClient, kvMount: string, targets: AccessTarget[]): SetupCheck[] {
  return [
    {
      name: `provider.${id}.auth`,
      dependency: true,
      async run() {
        try {
          const caps = await client.capabilitiesSelf(['sys/wrapping/wrap']);
          if (!caps['sys/wrapping/wrap']?.includes('update'))
            throw new SetupProblem(
              'the token may not wrap secrets (sys/wrapping/wrap), which every hand-off needs',
              "keep Vault's default policy on credgate's token (or grant update on sys/wrapping/wrap)",
            );
          return 'the token is accepted and may wrap secrets';
        } catch (err) {
          if (err instanceof SetupProblem) throw err;
          // Vault answers 403 both to a token it does not know and to one whose policy says no.
          if (isCredgateError(err, 'auth') || isCredgateError(err, 'config'))
            throw new SetupProblem(
              `Vault refused credgate's token: ${(err as Error).message}`,
              'check VAULT_TOKEN (or the AppRole role_id and secret_id) of the provider',
            );
          throw new SetupProblem(
            `Vault could not be reached: ${(err as Error).message}`,
            'check the address, the network path and the TLS certificate (VAULT_CACERT or NODE_EXTRA_CA_CERTS)',
          );
        }
      },
    },
    {
      name: `provider.${id}.capabilities`,
      async run() {
        const needs = needsOf(targets, kvMount);
        if (!needs.length) return 'no policy binding uses this provider';
        const caps = await client.capabilitiesSelf([...new Set(needs.map((n) => n.path))]);
        const held = (n: Need) => {
          const c = caps[n.path] ?? [];
          if (c.includes('deny')) return false;
          // Writing a KV key that exists is update; a key not yet written needs create.
          return c.includes('root') || c.includes(n.capability) || (n.capability === 'update' && c.includes('create'));
        };
        const missing = needs.filter((n) => !held(n));
        if (missing.length)
          throw new SetupProblem(
            missing.map((n) => `binding "${n.binding}" needs ${n.capability} on ${n.path} to ${n.why}`).join('; '),
            "add these capabilities to the policy of credgate's Vault token (vault policy write ...)",
          );
        return `the token may ${[...new Set(needs.map((n) => `${n.capability} ${n.path}`))].join(', ')}`;
      },
    },
  ];
}
