import { expect } from 'chai';
import axios from 'axios';
import { createVaultProvider, type VaultProviderConfig } from '../../src/providers/vault';
import type { AccessContext, AccessProvider, ProviderResult } from '../../src/providers/types';
import { CredgateError } from '../../src/util/errors';
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

const NOW = new Date('2025-03-01T10:00:00Z');
const inMinutes = (m: number) => new Date(NOW.getTime() + m * 60_000).toISOString();

describe('vault provider against a fake Vault over HTTP', () => {
  let fake: FakeVault;
  let url: string;
  let token: string;
  let logs: string[];
  /** Every secret value seen in a test; none may appear in a log line or an error message. */
  let secrets: string[];

  const log = () => createLogger({ level: 'debug', destination: { write: (line: string) => void logs.push(line) } });
  const provider = (extra: Partial<VaultProviderConfig> = {}, http?: ReturnType<typeof axios.create>): AccessProvider =>
    createVaultProvider(
      'vault',
      { type: 'vault', address: url, token, ...extra },
      { log: log(), clock: () => NOW, ...(http ? { http } : {}) },
    );

  const ctx = (
    settings: Record<string, string>,
    extra: Partial<AccessContext> = {},
  ): AccessContext & { reason: string } => ({
    requestId: 'req-1',
    ticket: { connector: 'jira', id: '10001', key: 'OPS-1' },
    requester: { id: 'bob', displayName: 'Bob' },
    facts: {
      systems: ['billing-db'],
      account: 'svc_billing',
      access: 'admin',
      justification: 'migration',
      duration: '1h',
      company: '',
      client: '',
    },
    expiresAt: inMinutes(120),
    target: { binding: 'billing-admin', provider: 'vault', settings, rotateOnRevoke: true, share: 'none' },
    idempotencyKey: 'req-1/grant',
    reason: 'expired',
    ...extra,
  });

  /** What the recipient does with the token from the one-time link. */
  const unwrap = async (wrappingToken: string) => {
    const res = await fetch(`${url}/v1/sys/wrapping/unwrap`, {
      method: 'POST',
      headers: { 'X-Vault-Token': wrappingToken },
    });
    return { status: res.status, body: (await res.json()) as { data?: Record<string, unknown>; errors?: string[] } };
  };

  const rejection = async (p: Promise<unknown>): Promise<CredgateError> => {
    try {
      await p;
    } catch (err) {
      expect(err).to.be.instanceOf(CredgateError);
      return err as CredgateError;
    }
    return expect.fail('expected a rejection');
  };

  const grantedSecret = (r: ProviderResult | void) => {
    expect(r?.secret?.value).to.be.a('string');
    secrets.push(r!.secret!.value);
    return r!.secret!.value;
  };

  beforeEach(async () => {
    fake = new FakeVault();
    url = await fake.start();
    token = fake.createToken(CREDGATE_POLICY);
    fake.putSecret('team/billing-db', { username: 'svc_billing', password: 'Old-Passw0rd-billing' });
    fake.addDatabaseRole('readonly', { ttl: 7200 });
    logs = [];
    secrets = [token, 'Old-Passw0rd-billing'];
  });

  afterEach(async () => {
    for (const user of fake.databaseUsers()) secrets.push(user.password);
    const text = logs.join('\n');
    for (const s of secrets) expect(text, 'a secret reached a log line').not.to.include(s);
    expect(fake.violations, 'calls real Vault would reject').to.deep.equal([]);
    await fake.stop();
  });

  describe('mode kv', () => {
    it('hands off a single-use wrapping token: the recipient unwraps the secret once, a second unwrap fails', async () => {
      const result = await provider().grant(ctx({ path: 'team/billing-db' }));
      const wrapped = grantedSecret(result);
      expect(result!.secret!.label).to.equal(
        'Vault wrapping token for team/billing-db (single use, unwrap before 2025-03-01T11:00:00Z)',
      );
      expect(result!.detail).to.include({ path: 'team/billing-db', ttl: '3600' });
      expect(result!.detail!.wrapAccessor).to.equal(fake.liveWrappingTokens()[0].accessor);
      expect(JSON.stringify(result!.detail)).not.to.include(wrapped);

      const first = await unwrap(wrapped);
      expect(first.status).to.equal(200);
      expect((first.body.data as { data: Record<string, string> }).data).to.deep.equal({
        username: 'svc_billing',
        password: 'Old-Passw0rd-billing',
      });
      const second = await unwrap(wrapped);
      expect(second).to.deep.equal({
        status: 400,
        body: { errors: ['wrapping token is not valid or does not exist'] },
      });
    });

    it('caps the wrapping TTL at the time left in the grant: a grant ending in 10 minutes gets 600 s', async () => {
      const short = await provider().grant(ctx({ path: 'team/billing-db' }, { expiresAt: inMinutes(10) }));
      grantedSecret(short);
      expect(fake.requests.at(-1)).to.include({ method: 'GET', path: 'secret/data/team/billing-db', wrapTtl: '600' });
      expect(fake.liveWrappingTokens().map((t) => t.ttl)).to.deep.equal([600]);
      expect(short!.secret!.label).to.include('unwrap before 2025-03-01T10:10:00Z');

      grantedSecret(
        await provider().grant(ctx({ path: 'team/billing-db', wrapTtl: '5m' }, { expiresAt: inMinutes(120) })),
      );
      expect(fake.requests.at(-1)!.wrapTtl).to.equal('300');

      const ended = await rejection(provider().grant(ctx({ path: 'team/billing-db' }, { expiresAt: inMinutes(-1) })));
      expect(ended.kind).to.equal('permanent');
    });

    it('the token dies with its TTL if nobody unwraps it', async () => {
      const wrapped = grantedSecret(
        await provider().grant(ctx({ path: 'team/billing-db' }, { expiresAt: inMinutes(10) })),
      );
      fake.advance(601_000);
      expect((await unwrap(wrapped)).status).to.equal(400);
    });

    it('with settings.field, wraps that one field only', async () => {
      const wrapped = grantedSecret(await provider().grant(ctx({ path: 'team/billing-db', field: 'password' })));
      expect((await unwrap(wrapped)).body.data).to.deep.equal({ password: 'Old-Passw0rd-billing' });
      const missing = await rejection(provider().grant(ctx({ path: 'team/billing-db', field: 'pin' })));
      expect(missing.kind).to.equal('permanent');
      expect(missing.message).to.include('no field "pin"');
    });

    it('revoke kills a wrapping token nobody used, and is harmless when repeated or after an unwrap', async () => {
      const p = provider();
      const granted = await p.grant(ctx({ path: 'team/billing-db' }));
      const wrapped = grantedSecret(granted);
      const settings = { path: 'team/billing-db', ...granted!.detail };
      const revoked = await p.revoke(ctx(settings));
      expect(revoked!.detail).to.include({ outcome: 'unused wrapping token revoked' });
      expect(fake.liveWrappingTokens()).to.deep.equal([]);
      expect((await unwrap(wrapped)).status).to.equal(400);
      expect((await p.revoke(ctx(settings)))!.detail).to.include({
        outcome: 'wrapping token already unwrapped or expired',
      });

      const used = await p.grant(ctx({ path: 'team/billing-db' }));
      expect((await unwrap(grantedSecret(used))).status).to.equal(200);
      expect((await p.revoke(ctx({ path: 'team/billing-db', ...used!.detail })))!.detail).to.include({
        outcome: 'wrapping token already unwrapped or expired',
      });
    });

    it('rotate writes a new version with a fresh password, keeps the other fields, and a retry returns the same result', async () => {
      const p = provider();
      const rotation = ctx({ path: 'team/billing-db' }, { idempotencyKey: 'req-1/rotate' });
      const result = await p.rotate(rotation);
      const password = grantedSecret(result);
      expect(result!.secret!.label).to.equal('new password for team/billing-db');
      expect(password).to.have.length(32).and.not.equal('Old-Passw0rd-billing');
      const now = fake.secret('team/billing-db')!;
      expect(now.version).to.equal(2);
      expect(now.data).to.deep.equal({ username: 'svc_billing', password });
      expect(now.customMetadata).to.include({ 'credgate-request': 'req-1', 'credgate-rotated-version': '2' });
      expect(
        fake.requests.find((r) => r.method === 'POST' && r.path === 'secret/data/team/billing-db')!.body,
      ).to.deep.include({ options: { cas: 1 } });

      // The same effect retried (e.g. after a crash before the result was stored): no second rotation.
      expect((await p.rotate(rotation))!.secret!.value).to.equal(password);
      expect(fake.secret('team/billing-db')!.version).to.equal(2);
      // Another rotation does rotate.
      const next = grantedSecret(await p.rotate(ctx({ path: 'team/billing-db' }, { idempotencyKey: 'req-2/rotate' })));
      expect(next).not.to.equal(password);
      expect(fake.secret('team/billing-db')).to.deep.include({
        version: 3,
        data: { username: 'svc_billing', password: next },
      });
    });

    it('rotate does not clobber a concurrent writer: the check-and-set fails, it reads again and keeps their change', async () => {
      const http = axios.create({ baseURL: `${url}/v1/`, maxRedirects: 0 });
      let raced = false;
      http.interceptors.request.use((config) => {
        if (!raced && config.method === 'post' && config.url === 'secret/data/team/billing-db') {
          raced = true;
          fake.putSecret('team/billing-db', { username: 'svc_billing_v2', password: 'Someone-Elses-1' });
          secrets.push('Someone-Elses-1');
        }
        return config;
      });
      const password = grantedSecret(
        await provider({}, http).rotate(ctx({ path: 'team/billing-db' }, { idempotencyKey: 'req-1/rotate' })),
      );
      expect(
        fake.requests
          .filter((r) => r.path === 'secret/data/team/billing-db' && r.method === 'POST')
          .map((r) => r.status),
      ).to.deep.equal([400, 200]);
      expect(fake.secret('team/billing-db')).to.deep.include({
        version: 3,
        data: { username: 'svc_billing_v2', password },
      });
    });
  });

  describe('mode dynamic', () => {
    const dynamic = { mode: 'dynamic', path: 'database/creds/readonly' };

    it('grant creates a lease and wraps its credentials; revoke ends the lease and the database user; twice is harmless', async () => {
      const p = provider();
      const granted = await p.grant(ctx(dynamic, { expiresAt: inMinutes(60) }));
      const wrapped = grantedSecret(granted);
      const [lease] = fake.leases();
      expect(granted!.detail).to.include({
        leaseId: lease.id,
        leaseTtl: '7200',
        ttl: '3600',
        path: 'database/creds/readonly',
      });
      const [user] = fake.databaseUsers();
      expect((await unwrap(wrapped)).body.data).to.deep.equal({ username: user.username, password: user.password });

      // The core passes the grant's detail back to revoke, merged into the binding's settings.
      const settings = { ...dynamic, ...granted!.detail };
      expect((await p.revoke(ctx(settings)))!.detail).to.include({ leaseId: lease.id, outcome: 'lease revoked' });
      expect(fake.leases()).to.deep.equal([]);
      expect(fake.databaseUsers()).to.deep.equal([]);
      expect(fake.requests.find((r) => r.path === 'sys/leases/revoke')!.body).to.deep.equal({
        lease_id: lease.id,
        sync: true,
      });
      expect((await p.revoke(ctx(settings)))!.detail).to.include({ outcome: 'lease already revoked or expired' });
      secrets.push(user.password);
    });

    it('a grant whose wrap fails revokes the lease it just made, so no credentials are left behind', async () => {
      fake.failNext(1, 503, {}, { path: /^sys\/wrapping\/wrap$/ });
      const err = await rejection(provider().grant(ctx(dynamic)));
      expect(err.kind).to.equal('transient');
      expect(fake.leases()).to.deep.equal([]);
      expect(fake.databaseUsers()).to.deep.equal([]);
    });

    it('revoke without the lease id is a config error (the core must pass the grant detail back)', async () => {
      expect((await rejection(provider().revoke(ctx(dynamic)))).kind).to.equal('config');
    });
  });

  describe('failures', () => {
    it('maps 503 (sealed) and 429 to transient with Retry-After, 403 to config, 404 to permanent, without secrets in messages', async () => {
      fake.failNext(1, 503, { 'Retry-After': '4' });
      const sealed = await rejection(provider().grant(ctx({ path: 'team/billing-db' })));
      expect(sealed.kind).to.equal('transient');
      expect(sealed.details).to.include({ retryAfterMs: 4000, httpStatus: 503 });
      expect(sealed.message).to.include('Vault is sealed');

      fake.failNext(1, 429, { 'Retry-After': '2' });
      expect((await rejection(provider().rotate(ctx({ path: 'team/billing-db' })))).details).to.include({
        retryAfterMs: 2000,
        httpStatus: 429,
      });

      fake.seal();
      expect((await rejection(provider().grant(ctx({ path: 'team/billing-db' })))).kind).to.equal('transient');
      fake.unseal();

      const denied = await rejection(provider().grant(ctx({ path: 'finance/root-db' })));
      expect(denied.kind).to.equal('config');
      expect(denied.message).to.include('the Vault token lacks permission on secret/data/finance/root-db');

      const wrongToken = 'hvs.NotTheRightToken000000';
      secrets.push(wrongToken);
      const badToken = await rejection(
        createVaultProvider(
          'vault',
          { type: 'vault', address: url, token: wrongToken },
          { log: log(), clock: () => NOW },
        ).grant(ctx({ path: 'team/billing-db' })),
      );
      expect(badToken.kind).to.equal('config');

      const missing = await rejection(provider().grant(ctx({ path: 'team/nothing-here' })));
      expect(missing.kind).to.equal('permanent');

      for (const e of [sealed, denied, badToken, missing]) for (const s of secrets) expect(e.message).not.to.include(s);
    });

    it('an unreachable Vault is transient; bad binding settings are config errors naming the binding', async () => {
      const closed = new FakeVault();
      const closedUrl = await closed.start();
      await closed.stop();
      const down = createVaultProvider(
        'vault',
        { type: 'vault', address: closedUrl, token },
        { log: log(), clock: () => NOW },
      );
      expect((await rejection(down.grant(ctx({ path: 'team/billing-db' })))).kind).to.equal('transient');

      const bad = await rejection(provider().grant(ctx({ path: '../sys/raw' })));
      expect(bad.kind).to.equal('config');
      expect(bad.message).to.include('policy binding "billing-admin"').and.include('path');
    });

    it('refuses a config with neither or both of token and approle, naming the provider and the key', () => {
      const create = (input: Record<string, unknown>) => () =>
        createVaultProvider(
          'corp-vault',
          { type: 'vault', address: 'https://vault.example.com', ...input },
          { log: log(), clock: () => NOW },
        );
      expect(create({})).to.throw(CredgateError, /providers\.corp-vault[\s\S]*token: expected a Vault token/);
      expect(create({ token: 't', approle: { roleId: 'r', secretId: 's' } })).to.throw(
        CredgateError,
        /approle: expected either token or approle/,
      );
      expect(create({ token: 't', kvMount: '/secret' })).to.throw(CredgateError, /kvMount/);
    });
  });

  describe('AppRole and namespaces', () => {
    let nsFake: FakeVault;
    const approle = { roleId: 'role-4f1c', secretId: 'secret-id-9d2e7a61' };
    beforeEach(async () => {
      nsFake = new FakeVault({ namespace: 'team-a', approle: { ...approle, policies: CREDGATE_POLICY, tokenTtl: 60 } });
      await nsFake.start();
      nsFake.putSecret('team/billing-db', { password: 'Ns-Passw0rd-1' });
    });
    afterEach(async () => {
      expect(nsFake.violations).to.deep.equal([]);
      await nsFake.stop();
    });

    it('logs in with AppRole in the namespace, logs in again when Vault no longer takes the token, and never logs the secret id', async () => {
      const p = createVaultProvider(
        'vault',
        { type: 'vault', address: nsFake.url, namespace: 'team-a', approle },
        { log: log(), clock: () => NOW },
      );
      secrets.push(approle.secretId, 'Ns-Passw0rd-1');
      grantedSecret(await p.grant(ctx({ path: 'team/billing-db' })));
      nsFake.advance(61_000); // the login token expires in Vault; credgate's clock has not moved
      grantedSecret(await p.grant(ctx({ path: 'team/billing-db' })));
      expect(nsFake.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).to.deep.equal([
        'POST auth/approle/login 200',
        'GET secret/data/team/billing-db 200',
        'GET secret/data/team/billing-db 403',
        'POST auth/approle/login 200',
        'GET secret/data/team/billing-db 200',
      ]);
      expect(nsFake.requests.every((r) => r.namespace === 'team-a')).to.equal(true);
      await p.close!();
      expect(nsFake.requests.at(-1)).to.include({ path: 'auth/token/revoke-self', status: 204 });
    });

    it('a wrong secret id is a config error that does not repeat it', async () => {
      const wrong = { roleId: approle.roleId, secretId: 'wrong-secret-id-123' };
      const p = createVaultProvider(
        'vault',
        { type: 'vault', address: nsFake.url, namespace: 'team-a', approle: wrong },
        { log: log(), clock: () => NOW },
      );
      const err = await rejection(p.grant(ctx({ path: 'team/billing-db' })));
      expect(err.kind).to.equal('config');
      expect(err.message).to.include('invalid role or secret ID').and.not.include('wrong-secret-id-123');
    });
  });
});
