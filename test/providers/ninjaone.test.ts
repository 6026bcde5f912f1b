import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { FakeNinjaOne } from '../fakes/ninjaone/fake-ninjaone';
import { DeviceAccounts } from '../fakes/ninjaone/device-accounts';
import { NINJAONE_IDS, ninjaoneUsers } from '../conformance/drivers/ninjaone';
import { createNinjaoneProvider } from '../../src/providers/ninjaone';
import type { AccessContext, AccessProvider } from '../../src/providers/types';
import { CredgateError } from '../../src/util/errors';
import { createLogger } from '../../src/util/logger';

const { UIDS, CLIENT_ID, CLIENT_SECRET } = NINJAONE_IDS;
const SCRIPTS = { enable: 301, disable: 302, rotate: 303 };
const DEVICE = 40;
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const SEALING_KEY = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

describe('ninjaone provider against the fake', function () {
  this.timeout(20_000);
  let fake: FakeNinjaOne;
  let device: DeviceAccounts;
  let provider: AccessProvider;
  const logs: string[] = [];

  beforeEach(async () => {
    device = new DeviceAccounts(['svc_backup', 'vnd_acme']);
    fake = new FakeNinjaOne({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      users: ninjaoneUsers(),
      roles: [{ id: 9, name: 'Tier 2 (temporary)', members: [] }],
      organizations: [{ id: 21, name: 'Acme Dental' }],
      devices: [{ id: DEVICE, systemName: 'ACME-FS01', organizationId: 21 }],
      scripts: device.scripts(SCRIPTS),
      scriptDelayMs: 30,
    });
    const url = await fake.start();
    provider = make(url);
  });
  afterEach(async () => {
    expect(fake.violations, 'calls the real API would reject').to.deep.equal([]);
    await fake.stop();
  });

  const make = (url: string, extra: Record<string, unknown> = {}) =>
    createNinjaoneProvider(
      'msp-rmm',
      {
        type: 'ninjaone',
        baseUrl: url,
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        scripts: SCRIPTS,
        sealingKey: SEALING_KEY,
        pollInterval: '20ms',
        pollTimeout: '2s',
        ...extra,
      },
      { log: createLogger({ level: 'debug', destination: { write: (s: string) => logs.push(s) } as never }) },
    );

  const ctx = (settings: Record<string, string>, over: Partial<AccessContext> = {}): AccessContext => ({
    requestId: 'cg-1',
    ticket: { connector: 'jira', id: '10001', key: 'CRED-1' },
    requester: { id: 'acc-rita', displayName: 'Rita Requester', email: 'rita@msp.example' },
    facts: { account: 'svc_backup', systems: ['ACME-FS01'] } as never,
    expiresAt: '2026-12-07T12:00:00.000Z',
    target: { binding: 'b', provider: 'msp-rmm', settings, rotateOnRevoke: false, share: 'none' },
    idempotencyKey: 'cg-1/grant',
    ...over,
  });

  it('adds the requester to a technician role and removes them, idempotently', async () => {
    await provider.grant(ctx({ role: '9' }));
    await provider.grant(ctx({ role: '9' }));
    expect(fake.state.roles[0].members).to.deep.equal([101]);
    const adds = fake.requests.filter((r) => r.path === '/v2/user/role/9/add-members');
    expect(adds.map((r) => r.body)).to.deep.equal([[101]]);
    await provider.revoke({ ...ctx({ role: '9' }), reason: 'expired' });
    expect(fake.state.roles[0].members).to.deep.equal([]);
  });

  it("revokes with the grant's detail merged into the settings, as perform-access hands it over", async () => {
    const role = await provider.grant(ctx({ role: '9' }));
    await provider.revoke({ ...ctx({ role: '9', ...role?.detail }), reason: 'expired' });
    expect(fake.state.roles[0].members).to.deep.equal([]);
    const enabled = await provider.grant(ctx({ deviceName: 'ACME-FS01', group: 'Administrators' }));
    await provider.revoke({
      ...ctx({ deviceName: 'ACME-FS01', group: 'Administrators', ...enabled?.detail }),
      reason: 'expired',
    });
    expect(device.seen.map((r) => r.script)).to.deep.equal(['enable', 'disable']);
    expect(device.accounts.get('svc_backup')).to.deep.include({ enabled: false, groups: [] });
  });

  it('refuses a requester who is no technician, and an unknown role', async () => {
    const outsider = ctx(
      { role: '9' },
      { requester: { id: 'x', displayName: 'Vera Vendor', email: 'vera@vendor.example' } },
    );
    const err = (await provider.grant(outsider).catch((e: unknown) => e)) as CredgateError;
    expect(err.kind).to.equal('permanent');
    expect(err.message).to.include('no NinjaOne technician');
    const noRole = (await provider.grant(ctx({ role: '77' })).catch((e: unknown) => e)) as CredgateError;
    expect(noRole.kind).to.equal('config');
  });

  it('enables a device account with the expiry and group, confirmed from activities, then disables it', async () => {
    const result = await provider.grant(ctx({ deviceName: 'ACME-FS01', group: 'Remote Desktop Users' }));
    expect(result?.detail).to.include({ device: String(DEVICE), script: 'credgate Enable-TemporaryAccount' });
    expect(fake.state.runs[0]).to.include({ deviceId: DEVICE, id: SCRIPTS.enable, runAs: 'system' });
    expect(fake.state.runs[0].parameters).to.equal(
      "-Account 'svc_backup' -Scope 'Local' -Group 'Remote Desktop Users' -ExpiresAt '2026-12-07T12:00:00.000Z'",
    );
    expect(device.accounts.get('svc_backup')).to.deep.include({
      enabled: true,
      expires: '2026-12-07T12:00:00.000Z',
      groups: ['Remote Desktop Users'],
    });
    await provider.revoke({ ...ctx({ device: String(DEVICE), group: 'Remote Desktop Users' }), reason: 'expired' });
    expect(device.accounts.get('svc_backup')).to.deep.include({ enabled: false, groups: [] });
    expect(device.seen.map((s) => s.script)).to.deep.equal(['enable', 'disable']);
  });

  it('takes the device from a NinjaOne ticket', async () => {
    const { id } = await fake.createTicket(UIDS.requester, {
      subject: 's',
      description: 'd',
      clientId: 21,
      nodeId: DEVICE,
    });
    await provider.grant(ctx({}, { ticket: { connector: 'ninjaone', id: String(id), key: `#${id}` } }));
    expect(fake.state.runs[0].deviceId).to.equal(DEVICE);
    const none = (await provider.grant(ctx({})).catch((e: unknown) => e)) as CredgateError;
    expect(none.kind).to.equal('config');
    expect(none.message).to.include('names no device');
  });

  it('turns a script failure into a retried error naming the device, and refuses unsafe account names', async () => {
    const missing = ctx({ device: String(DEVICE) }, { facts: { account: 'nobody' } as never });
    const err = (await provider.grant(missing).catch((e: unknown) => e)) as CredgateError;
    expect(err.kind).to.equal('transient');
    expect(err.message).to.include('failed on device 40').and.include('account nobody not found');
    const injected = ctx(
      { device: String(DEVICE) },
      { facts: { account: "x'; Remove-Item C:\\ -Recurse; '" } as never },
    );
    const refused = (await provider.grant(injected).catch((e: unknown) => e)) as CredgateError;
    expect(refused.kind).to.equal('permanent');
    expect(fake.state.runs).to.have.length(1);
  });

  it('gives up waiting within the bound when the device never reports', async () => {
    const slow = new FakeNinjaOne({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      users: ninjaoneUsers(),
      devices: [{ id: DEVICE, systemName: 'ACME-FS01', organizationId: 21 }],
      scripts: device.scripts(SCRIPTS),
      scriptDelayMs: 60_000,
    });
    const url = await slow.start();
    const err = (await make(url, { pollTimeout: '200ms' })
      .grant(ctx({ device: String(DEVICE) }))
      .catch((e: unknown) => e)) as CredgateError;
    await slow.stop();
    expect(err.kind).to.equal('transient');
    expect(err.message).to.include('no outcome on device 40 within');
  });

  it('rotates a password sealed on the device: no secret in parameters, the field cleared', async () => {
    const result = await provider.rotate({ ...ctx({ device: String(DEVICE) }), reason: 'shared' });
    const password = device.accounts.get('svc_backup')!.password;
    expect(result?.secret).to.deep.equal({ label: 'password for svc_backup', value: password });
    expect(fake.state.runs[0].parameters).not.to.include(password);
    expect(fake.state.deviceFields.get(DEVICE)).to.deep.equal({});
    expect(JSON.stringify(fake.requests)).not.to.include(password);
    expect(logs.join('')).not.to.include(password);
  });
});
