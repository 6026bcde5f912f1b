import { expect } from 'chai';
import { NINJAONE_IDS, startNinjaoneVendor } from '../../conformance/drivers/ninjaone';
import type { VendorFake } from '../../conformance/driver';
import { ServiceUnderTest } from '../../conformance/service-under-test';
import { DeviceAccounts } from '../../fakes/ninjaone/device-accounts';
import type { FakeNinjaOne } from '../../fakes/ninjaone/fake-ninjaone';
import { bindParameters } from '../../fakes/ninjaone/script-parameters';
import { eventually } from '../../helpers/harness';
import { quickPolicy } from '../../helpers/policy';

const { UIDS, CLIENT_ID, CLIENT_SECRET, ORGANIZATION, FORM } = NINJAONE_IDS;
const SCRIPTS = { enable: 301, disable: 302, rotate: 303 };
const DEVICE = 40;
const MINUTE = 60_000;
const T0 = Date.parse('2026-12-07T09:00:00.000Z');

/**
 * End to end through NinjaOne alone: a technician files a ticket on a device asking for its
 * backup account, a technician in the approvers' role approves it by status, credgate runs the
 * Enable script on the ticket's device, and at the expiry (the clock injected) the Disable script;
 * each step is a comment on the NinjaOne ticket.
 */
describe('NinjaOne ticket → device account by script → expiry', function () {
  this.timeout(30_000);
  let vendor: VendorFake;
  let fake: FakeNinjaOne;
  let device: DeviceAccounts;
  let sut: ServiceUnderTest | undefined;
  let now = T0;

  beforeEach(async () => {
    now = T0;
    device = new DeviceAccounts(['svc_backup']);
    ({ vendor, fake } = await startNinjaoneVendor({
      devices: [{ id: DEVICE, systemName: 'ACME-FS01', organizationId: ORGANIZATION }],
      scripts: device.scripts(SCRIPTS),
      scriptDelayMs: 20,
    }));
    sut = await ServiceUnderTest.start(
      vendor,
      'ninjaone',
      quickPolicy({
        max: '8h',
        providers: [
          // No device named: it comes from the NinjaOne ticket's nodeId.
          { id: 'device-admins', provider: 'msp-rmm', match: {}, with: { group: 'Administrators' } },
        ],
      }),
      {
        clock: () => new Date(now),
        config: {
          providers: {
            'msp-rmm': {
              type: 'ninjaone',
              baseUrl: vendor.env.NINJAONE_BASE_URL,
              clientId: CLIENT_ID,
              clientSecret: CLIENT_SECRET,
              scripts: SCRIPTS,
              pollInterval: '20ms',
              pollTimeout: '5s',
            },
          },
        },
      },
    );
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && process.env.DUMP_LOGS)
      console.log(sut?.logs.map((l) => l.slice(0, 400)).join(''));
    expect(fake.violations, 'calls the real API would reject').to.deep.equal([]);
    await sut?.stop();
    sut = undefined;
    await fake.stop();
  });

  const runs = () =>
    fake.state.runs.map((r) => ({
      script: r.id === SCRIPTS.enable ? 'enable' : r.id === SCRIPTS.disable ? 'disable' : String(r.id),
      deviceId: r.deviceId,
      params: bindParameters(r.parameters),
    }));

  it('approval runs Enable on the ticket device; the expiry runs Disable, not before; both said on the ticket', async () => {
    const { id, delivery } = await fake.createTicket(UIDS.requester, {
      subject: 'Backup account on ACME-FS01',
      description:
        'Target systems: ACME-FS01\nAccount: svc_backup\nAccess: admin\nJustification: restore a share\nDuration: 2h',
      clientId: ORGANIZATION,
      ticketFormId: FORM,
      nodeId: DEVICE,
    });
    expect(delivery?.status).to.be.within(200, 299);
    const ticket = String(id);
    await eventually(async () => expect(await vendor.position(ticket)).to.equal('pending-approval'));
    await sut!.settle();
    expect(fake.state.runs, 'nothing runs before approval').to.deep.equal([]);

    await vendor.approve('approver', ticket);
    await eventually(async () => expect(await vendor.position(ticket)).to.equal('granted'));
    await sut!.settle();
    const expiresAt = new Date(T0 + 120 * MINUTE).toISOString();
    expect(runs()).to.deep.equal([
      {
        script: 'enable',
        deviceId: DEVICE,
        params: { Account: 'svc_backup', Scope: 'Local', Group: 'Administrators', ExpiresAt: expiresAt },
      },
    ]);
    expect(device.accounts.get('svc_backup')).to.deep.include({
      enabled: true,
      expires: expiresAt,
      groups: ['Administrators'],
    });
    expect((await vendor.comments(ticket)).some((c) => c.includes('Access granted until'))).to.equal(true);

    // An hour in: the grant stands, no Disable has run.
    now = T0 + 60 * MINUTE;
    await sut!.service.scheduler.restore();
    await sut!.settle();
    expect(runs().map((r) => r.script)).to.deep.equal(['enable']);
    expect(await vendor.position(ticket)).to.equal('granted');

    // Past the expiry: the Disable script runs on the same device, and the ticket says so.
    now = T0 + 120 * MINUTE + 1000;
    await sut!.service.scheduler.restore();
    await eventually(async () => expect(await vendor.position(ticket)).to.equal('revoked'));
    await sut!.settle();
    expect(runs().slice(1)).to.deep.equal([
      {
        script: 'disable',
        deviceId: DEVICE,
        params: { Account: 'svc_backup', Scope: 'Local', Group: 'Administrators' },
      },
    ]);
    expect(device.accounts.get('svc_backup')).to.deep.include({ enabled: false, expires: null, groups: [] });
    expect((await vendor.comments(ticket)).filter((c) => c.includes('Access revoked'))).to.have.length(1);
  });
});
