import { expect } from 'chai';
import type { AccessTarget } from '../../src/domain/access-target';
import { runChecks } from '../../src/doctor/run-checks';
import { createVaultProvider } from '../../src/providers/vault';
import { createLogger } from '../../src/util/logger';
import { FakeVault, type PolicyRule } from '../fakes/vault/fake-vault';

/** The policy src/providers/vault/readme.md tells operators to write, for mount secret and team/*. */
const CREDGATE_POLICY: PolicyRule[] = [
  { path: 'secret/data/team/*', capabilities: ['read', 'update'] },
  { path: 'secret/metadata/team/*', capabilities: ['update'] },
  { path: 'database/creds/readonly', capabilities: ['read'] },
  { path: 'sys/leases/revoke', capabilities: ['update'] },
  { path: 'auth/token/revoke-accessor', capabilities: ['update'] },
];

const TARGETS: AccessTarget[] = [
  {
    binding: 'billing-admin',
    provider: 'vault',
    settings: { mode: 'kv', path: 'team/billing' },
    rotateOnRevoke: true,
    share: 'none',
  },
  {
    binding: 'reporting',
    provider: 'vault',
    settings: { mode: 'dynamic', path: 'database/creds/readonly' },
    rotateOnRevoke: false,
    share: 'none',
  },
];

describe('doctor: vault token capabilities on the configured paths (sys/capabilities-self)', () => {
  let fake: FakeVault;
  let url: string;
  beforeEach(async () => {
    fake = new FakeVault({});
    url = await fake.start();
  });
  afterEach(async () => {
    await fake.stop();
  });

  const check = async (token: string, targets = TARGETS) => {
    const provider = createVaultProvider(
      'vault',
      { type: 'vault', address: url, token },
      { log: createLogger({ level: 'silent' }), clock: () => new Date() },
    );
    const results = await runChecks(provider.checks?.(targets) ?? []);
    await provider.close?.();
    return Object.fromEntries(results.map((r) => [r.name, r]));
  };

  it('passes with the policy the readme gives', async () => {
    const r = await check(fake.createToken(CREDGATE_POLICY));
    expect(r['provider.vault.auth']?.ok, r['provider.vault.auth']?.message).to.equal(true);
    expect(r['provider.vault.capabilities']?.ok, r['provider.vault.capabilities']?.message).to.equal(true);
  });

  it('provider.vault.auth fails for a token Vault does not know', async () => {
    const r = await check('hvs.not-a-token-vault-knows');
    expect(r['provider.vault.auth']?.ok).to.equal(false);
    expect(r['provider.vault.auth']?.fix).to.include('VAULT_TOKEN');
    expect(r['provider.vault.auth']?.message).not.to.include('hvs.not-a-token');
  });

  it('provider.vault.capabilities names the binding, the path and the capability the token lacks', async () => {
    // No update on the KV key: the rotation of billing-admin at revocation would fail.
    const policy = CREDGATE_POLICY.map((p) =>
      p.path === 'secret/data/team/*' ? { ...p, capabilities: ['read'] as PolicyRule['capabilities'] } : p,
    ).filter((p) => p.path !== 'sys/leases/revoke');
    const r = await check(fake.createToken(policy));
    expect(r['provider.vault.capabilities']?.ok).to.equal(false);
    expect(r['provider.vault.capabilities']?.message).to.equal(
      'binding "billing-admin" needs update on secret/data/team/billing to rotate the secret; binding "reporting" needs update on sys/leases/revoke to revoke the lease at expiry',
    );
  });

  it('a deny on a path beats the grant', async () => {
    const token = fake.createToken([...CREDGATE_POLICY, { path: 'database/creds/readonly', capabilities: ['deny'] }]);
    const r = await check(token);
    expect(r['provider.vault.capabilities']?.message).to.include(
      'binding "reporting" needs read on database/creds/readonly to issue credentials',
    );
  });
});
