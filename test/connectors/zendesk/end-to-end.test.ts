import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeZendesk } from '../../fakes/zendesk/fake-zendesk';
import { APPROVAL_FIELD, defaultZendeskOptions } from '../../fakes/zendesk/default-setup';
import { zendeskVendor } from '../../conformance/drivers/zendesk';
import { ServiceUnderTest } from '../../conformance/service-under-test';
import { quickPolicy } from '../../helpers/policy';
import { eventually } from '../../helpers/harness';
import type { FakeZendeskOptions } from '../../fakes/zendesk/types';

const FIXTURES = join(__dirname, '../../fixtures/zendesk');
const FACTS = {
  'Target systems': 'reporting-db',
  Account: 'svc_reports',
  Access: 'read-only',
  Justification: 'monthly report run',
  Duration: '1h',
};

describe('zendesk end to end (credgate over HTTP against the fake)', function () {
  this.timeout(30_000);
  let fake: FakeZendesk;
  let sut: ServiceUnderTest;
  const boot = async (options: Partial<FakeZendeskOptions> = {}) => {
    fake = new FakeZendesk(defaultZendeskOptions(options));
    await fake.start();
    const vendor = zendeskVendor(fake);
    sut = await ServiceUnderTest.start(vendor, 'zendesk', quickPolicy({ max: '1h' }));
    return vendor;
  };
  afterEach(async () => {
    expect(fake.violations, 'calls the real API would reject').to.deep.equal([]);
    await sut.stop();
    await fake.stop();
  });

  it('answers 2xx to both real example payloads (signed with our secret and a fresh timestamp)', async () => {
    await boot();
    const prismatic = JSON.parse(
      readFileSync(join(FIXTURES, 'event-webhook.ticket.created.prismatic-example.json'), 'utf8'),
    ) as { rawBody: string };
    const created = await fake.deliverRaw(Buffer.from(prismatic.rawBody));
    expect(created?.status).to.equal(202);
    expect(JSON.parse(created!.body)).to.deep.equal({ status: 'accepted', deliveryId: '01HNXXXX-CTEXAMPLE' });
    const userEvent = await fake.deliverRaw(
      readFileSync(join(FIXTURES, 'event-webhook.user.active_changed.docs-example.json')),
    );
    expect(userEvent?.status).to.equal(202);
    expect(JSON.parse(userEvent!.body).status).to.equal('ignored');
    await sut.settle();
    // Ticket 35436 does not exist here: credgate read it back, found nothing, and did nothing.
    expect(fake.requests.some((r) => r.path === '/api/v2/tickets/35436.json')).to.equal(true);
    expect(fake.requests.filter((r) => r.method === 'PUT')).to.deep.equal([]);
  });

  it('refuses a correctly signed delivery whose timestamp is stale', async () => {
    await boot();
    const old = new Date(Date.now() - 10 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const res = await fake.deliver({ ticket_id: '1', actor_id: '1102' }, { timestamp: old });
    expect(res?.status).to.equal(401);
    expect(res?.body).to.include('stale');
  });

  it('waits out a 429 (Retry-After) on an update and retries it instead of dropping it', async () => {
    const vendor = await boot();
    const { ticket } = await vendor.fileRequest('requester', 'Access to the reporting database', FACTS);
    await eventually(() => expect(vendor.position(ticket)).to.equal('pending-approval'));
    await sut.settle();
    fake.failNext(1, 429, { 'Retry-After': '1' }, { method: 'PUT' });
    await vendor.approve('approver', ticket);
    await eventually(() => expect(vendor.position(ticket)).to.equal('granted'));
    await sut.settle();
    const puts = fake.requests.filter((r) => r.method === 'PUT');
    const limited = puts.findIndex((r) => r.status === 429);
    expect(limited).to.be.greaterThan(-1);
    expect(puts[limited + 1].at - puts[limited].at, 'the retry waited for Retry-After').to.be.at.least(950);
    expect(vendor.comments(ticket).filter((c) => c.includes('Access granted until'))).to.have.length(1);
  });

  it('waits out a 429 (Retry-After) while reading a ticket back for a delivery, then processes it', async () => {
    const vendor = await boot({ webhookStyle: 'trigger' });
    const { ticket } = await vendor.fileRequest('requester', 'Access to the reporting database', FACTS);
    await eventually(() => expect(vendor.position(ticket)).to.equal('pending-approval'));
    await sut.settle();
    fake.failNext(1, 429, { 'Retry-After': '1' }, { method: 'GET' });
    const delivery = await vendor.approve('approver', ticket);
    expect(delivery?.status).to.equal(202);
    await eventually(() => expect(vendor.position(ticket)).to.equal('granted'));
    const limited = fake.requests.findIndex((r) => r.status === 429);
    expect(
      fake.requests[limited + 1].at - fake.requests[limited].at,
      'the retry waited for Retry-After',
    ).to.be.at.least(950);
    await sut.settle();
  });

  it('keeps requester text inert in its HTML notes and posts them privately', async () => {
    const vendor = await boot();
    const { ticket } = await vendor.fileRequest('requester', 'Access <img src=x onerror=alert(1)>', {
      ...FACTS,
      Account: 'svc_<script>alert(1)</script>',
      Justification: '<a href="https://evil.example">click</a>',
    });
    await eventually(() => expect(vendor.position(ticket)).to.equal('pending-approval'));
    await sut.settle();
    const ours = fake.comments(Number(ticket)).filter((c) => c.authorId === 900);
    expect(ours).to.have.length.greaterThan(0);
    expect(ours.every((c) => !c.public)).to.equal(true);
    expect(ours[0].html).not.to.match(/<script|<a |<img/);
    expect(ours[0].plain).to.include('svc_<script>alert(1)</script>');
  });

  it('posts what the requester must read as public replies when configured, bookkeeping always private', async () => {
    fake = new FakeZendesk(defaultZendeskOptions());
    await fake.start();
    const vendor = zendeskVendor(fake, { requesterComments: 'public' });
    sut = await ServiceUnderTest.start(vendor, 'zendesk', quickPolicy({ max: '1h' }));
    const { ticket } = await vendor.fileRequest('requester', 'Access to the reporting database', FACTS);
    await eventually(() => expect(vendor.position(ticket)).to.equal('pending-approval'));
    await vendor.approve('requester', ticket);
    await eventually(() =>
      expect(vendor.comments(ticket).some((c) => c.includes('nobody approves their own request'))).to.equal(true),
    );
    await sut.settle();
    const ours = fake.comments(Number(ticket)).filter((c) => c.authorId === 900);
    expect(ours.find((c) => c.plain.includes('Credential request cg-'))?.public).to.equal(true);
    expect(ours.find((c) => c.plain.includes('nobody approves their own request'))?.public).to.equal(false);
    expect(ours[0].plain).to.include('An approver sets "Credential approval" to "Approved" on this ticket');
  });

  it('works with trigger webhooks, and ignores the webhooks its own updates cause', async () => {
    const vendor = await boot({ webhookStyle: 'trigger', echoOwnEvents: true });
    const { ticket, delivery } = await vendor.fileRequest('requester', 'Access to the reporting database', FACTS);
    expect(delivery?.status).to.equal(202);
    await eventually(() => expect(vendor.position(ticket)).to.equal('pending-approval'));
    await vendor.approve('requester', ticket);
    await eventually(() =>
      expect(vendor.comments(ticket).some((c) => c.includes('nobody approves their own request'))).to.equal(true),
    );
    await sut.settle();
    await fake.idle();
    expect(fake.fieldValue(Number(ticket), APPROVAL_FIELD)).to.equal('cg_pending_approval');
    const echoes = fake.deliveries.filter((d) => (d.payload as { actor_id?: string }).actor_id === '900');
    expect(echoes.length).to.be.greaterThan(0);
    expect(echoes.every((d) => d.status === 202 && JSON.parse(d.body).reason === 'caused by credgate itself')).to.equal(
      true,
    );
  });

  it('revokes access when the ticket is solved while access is granted', async () => {
    const vendor = await boot();
    const { ticket } = await vendor.fileRequest('requester', 'Access to the reporting database', FACTS);
    await eventually(() => expect(vendor.position(ticket)).to.equal('pending-approval'));
    await sut.settle();
    await vendor.approve('approver', ticket);
    await eventually(() => expect(fake.fieldValue(Number(ticket), APPROVAL_FIELD)).to.equal('cg_granted'));
    await sut.settle();
    await vendor.close('approver2', ticket);
    await eventually(() => expect(vendor.comments(ticket).some((c) => c.includes('Access revoked'))).to.equal(true));
    await sut.settle();
    expect(vendor.comments(ticket).filter((c) => c.includes('Access revoked'))).to.have.length(1);
    expect(fake.statusOf(Number(ticket))).to.equal('solved');
  });
});
