import { expect } from 'chai';
import { FakeDesk } from '../../fakes/generic/fake-desk';
import { defaultDeskOptions } from '../../fakes/generic/desk-config';
import { deskVendor } from '../../conformance/drivers/generic';
import { ServiceUnderTest } from '../../conformance/service-under-test';
import { quickPolicy } from '../../helpers/policy';
import { eventually } from '../../helpers/harness';
import type { FakeDeskOptions } from '../../fakes/generic/types';
import type { VendorFake } from '../../conformance/driver';

const FACTS = {
  'Target systems': 'reporting-db',
  Account: 'svc_reports',
  Access: 'read-only',
  Justification: 'monthly report run',
  Duration: '1h',
};

describe('generic end to end (credgate configured for Desk, over HTTP)', function () {
  this.timeout(30_000);
  let fake: FakeDesk;
  let sut: ServiceUnderTest;
  const boot = async (
    options: Partial<FakeDeskOptions> = {},
    extra: Record<string, unknown> = {},
  ): Promise<VendorFake> => {
    fake = new FakeDesk(defaultDeskOptions(options));
    await fake.start();
    const vendor = deskVendor(fake, extra);
    sut = await ServiceUnderTest.start(vendor, 'generic', quickPolicy({ max: '1h' }));
    return vendor;
  };
  const filed = async (vendor: VendorFake, facts: Record<string, string> = FACTS) => {
    const { ticket, delivery } = await vendor.fileRequest('requester', 'Access to the reporting database', facts);
    expect(delivery?.status).to.equal(202);
    await eventually(() => expect(vendor.position(ticket)).to.equal('pending-approval'));
    await sut.settle();
    return ticket;
  };
  afterEach(async () => {
    expect(fake.violations, 'calls the real API would reject').to.deep.equal([]);
    await sut.stop();
    await fake.stop();
  });

  it('waits out a 429 (Retry-After) on a configured request and retries it instead of dropping it', async () => {
    const vendor = await boot();
    const ticket = await filed(vendor);
    fake.failNext(1, 429, { 'Retry-After': '1' }, { method: 'PATCH' });
    await vendor.approve('approver', ticket);
    await eventually(() => expect(vendor.position(ticket)).to.equal('granted'));
    await sut.settle();
    const patches = fake.requests.filter((r) => r.method === 'PATCH');
    const limited = patches.findIndex((r) => r.status === 429);
    expect(limited).to.be.greaterThan(-1);
    expect(patches[limited + 1].at - patches[limited].at, 'the retry waited for Retry-After').to.be.at.least(950);
    expect(vendor.comments(ticket).filter((c) => c.includes('Access granted until'))).to.have.length(1);
  });

  it('keeps requester text that looks like JSON or markup inside its string: the API accepts every body', async () => {
    const vendor = await boot();
    const ticket = await filed(vendor, {
      ...FACTS,
      Account: 'svc_"x"}, "internal": false, "y": "\\',
      Justification: '{{ticket.id}} </script> ok',
    });
    const ours = fake.notes(Number(ticket)).filter((n) => n.authorId === 'p-credgate');
    expect(ours[0].internal, 'the requester sees what credgate tells them').to.equal(false);
    expect(ours[0].text).to.include('svc_"x"}, "internal": false, "y": "\\');
    expect(ours[0].text).to.include('{{ticket.id}}');
  });

  it('writes the configured markup, escaped for it (markdown here)', async () => {
    const vendor = await boot({}, { markup: 'markdown' });
    const ticket = await filed(vendor, { ...FACTS, Account: 'svc_*bold* [x](https://evil.example)' });
    const text = fake.notes(Number(ticket)).find((n) => n.authorId === 'p-credgate')!.text;
    expect(text).to.include('**Risk: LOW**');
    expect(text).to.include('svc\\_\\*bold\\* \\[x\\](https');
    expect(vendor.comments(ticket)[0]).to.include('Credential request cg-');
  });

  it('ignores the webhooks its own writes cause, and refuses self-approval', async () => {
    const vendor = await boot({ echoOwnEvents: true });
    const ticket = await filed(vendor);
    await vendor.approve('requester', ticket);
    await eventually(() =>
      expect(vendor.comments(ticket).some((c) => c.includes('nobody approves their own request'))).to.equal(true),
    );
    await sut.settle();
    await fake.idle();
    expect(vendor.position(ticket)).to.equal('pending-approval');
    const refusal = fake.notes(Number(ticket)).find((n) => n.text.includes('nobody approves their own request'));
    expect(refusal?.internal, "agents' bookkeeping is an internal note").to.equal(true);
    const echoes = fake.deliveries.filter((d) => (d.payload as { actor?: { id?: string } }).actor?.id === 'p-credgate');
    expect(echoes.length).to.be.greaterThan(0);
    expect(echoes.every((d) => d.status === 202 && JSON.parse(d.body).reason === 'caused by credgate itself')).to.equal(
      true,
    );
  });

  it('reads approver groups from groupMembers when the system has no groups endpoint', async () => {
    const vendor = await boot({}, { groupMembers: { 'credential-approvers': ['olga@desk.example'] } });
    const ticket = await filed(vendor);
    await vendor.approve('outsider', ticket);
    await eventually(() => expect(vendor.position(ticket)).to.equal('granted'));
    expect(fake.requests.some((r) => r.path.includes('/teams'))).to.equal(false);
  });
});
