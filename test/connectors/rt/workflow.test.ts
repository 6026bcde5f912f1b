import { expect } from 'chai';
import { RT_QUEUE, sharedRt, type RtInstance } from '../../helpers/rt';
import { eventually, SECRETS } from '../../helpers/harness';
import { quickPolicy } from '../../helpers/policy';
import { ServiceUnderTest } from '../../conformance/service-under-test';
import { credgateMessages, rtDriver, RT_STATUSES } from '../../conformance/drivers/rt';
import type { AsyncVendorFake } from '../../conformance/driver';
import { positionOf } from '../../../connectors/rt/mappers';

/**
 * The Jira workflow scenarios against the real Request Tracker the tests start: RT's own Scrip
 * delivers every webhook, people act over REST 2.0, and what they see is read back from RT.
 */
describe('rt: workflow against a real Request Tracker 5', function () {
  // Each REST call is a Perl request; on a machine shared with the whole suite steps take seconds.
  const step = 45_000;
  this.timeout(240_000);
  let rt: RtInstance;
  let fake: AsyncVendorFake;
  let sut: ServiceUnderTest;

  before(async function () {
    this.timeout(180_000);
    rt = await sharedRt();
  });
  beforeEach(async () => {
    fake = await rtDriver.start();
    // A short reconcile pass, so a change RT could not deliver is still found (RT down, below).
    const config = { ...fake.config, reconcile: { interval: '2s' } };
    sut = await ServiceUnderTest.start({ ...fake, config }, 'rt', quickPolicy({ max: '2s', reminderBefore: '1s' }));
  });
  afterEach(async function () {
    const logs = sut.logs.join('');
    // A failure on a real RT is hard to reproduce: keep credgate's side of it.
    if (this.currentTest?.state === 'failed') process.stderr.write(logs.slice(-20_000));
    for (const secret of [rt.token, fake.env.RT_WEBHOOK_SECRET, ...Object.values(SECRETS)]) {
      expect(logs, 'a secret reached the log').not.to.include(secret);
    }
    await sut.stop();
    await fake.stop();
  });

  const position = async (ticket: string) =>
    positionOf((await rt.api.get(`/ticket/${ticket}`)).data.Status, RT_STATUSES);
  const said = async (ticket: string, text: string) =>
    (await credgateMessages(rt, ticket)).some((c) => c.includes(text));

  it('request → missing facts → reply → outsider refused and reverted → approval → grant → expiry → revocation', async () => {
    const filed = await rt.as('rita').post('/ticket', {
      Queue: RT_QUEUE,
      Subject: 'Access to the reporting database',
      Requestor: 'rita',
      Content: 'Target systems: reporting-db\nAccount: svc_reports',
      // One fact from a custom field, as RT's create form would set it.
      CustomFields: { Access: 'read-only' },
    });
    const ticket = String(filed.data.id);
    await eventually(async () => expect(await position(ticket)).to.equal('awaiting-info'), step);
    const [asked] = await credgateMessages(rt, ticket);
    expect(asked).to.include('more information needed');
    expect(asked).to.include('Justification');
    expect(asked).not.to.include('* Access');

    await rt.as('rita').post(`/ticket/${ticket}/correspond`, {
      Content: 'Justification: monthly report run\nDuration: 1h',
      ContentType: 'text/plain',
    });
    await eventually(async () => expect(await position(ticket)).to.equal('pending-approval'), step);

    await rt.as('olga').put(`/ticket/${ticket}`, { Status: RT_STATUSES.approved });
    await eventually(async () => expect(await said(ticket, 'not accepted')).to.equal(true), step);
    await eventually(async () => expect(await position(ticket)).to.equal('pending-approval'), step);

    await rt.as('alice').put(`/ticket/${ticket}`, { Status: RT_STATUSES.approved });
    await eventually(async () => expect(await position(ticket)).to.equal('granted'), step);
    await eventually(async () => expect(await position(ticket)).to.equal('revoked'), step);
    await sut.settle();
    const messages = await credgateMessages(rt, ticket);
    expect(messages.filter((c) => c.includes('Access granted until'))).to.have.length(1);
    expect(messages.filter((c) => c.includes('Access revoked'))).to.have.length(1);
    // credgate's status changes are its own, read back from RT's history with its user name.
    const history = await rt.api.get(`/ticket/${ticket}/history`, {
      params: { fields: 'Type,NewValue,Creator', per_page: 100 },
    });
    const moves = history.data.items.filter((x: { Type: string }) => x.Type === 'Status');
    expect(
      moves.map((x: { NewValue: string; Creator: { id: string } }) => `${x.Creator.id}:${x.NewValue}`),
    ).to.deep.equal([
      'credgate:awaiting info',
      'credgate:pending approval',
      'olga:approved',
      'credgate:pending approval',
      'alice:approved',
      'credgate:access granted',
      'credgate:access revoked',
    ]);
  });

  it('RT down for a while: the approval it delivered is not lost', async () => {
    const { ticket } = await fake.fileRequest('requester', 'Access to the reporting database', {
      'Target systems': 'reporting-db',
      Account: 'svc_reports',
      Access: 'read-only',
      Justification: 'monthly report run',
      Duration: '1h',
    });
    await eventually(async () => expect(await position(ticket)).to.equal('pending-approval'), step);
    await sut.settle();

    // The approval happens; RT's delivery is held back, then RT goes away before credgate reads it.
    const target = `${sut.url}/webhooks/rt`;
    rt.setWebhookTarget(null);
    const seen = rt.deliveries.length;
    await rt.as('alice').put(`/ticket/${ticket}`, { Status: RT_STATUSES.approved });
    await eventually(() => expect(rt.deliveries.length).to.be.greaterThan(seen), step);
    const approval = rt.deliveries[rt.deliveries.length - 1];
    await rt.stopServer();
    rt.setWebhookTarget(target);
    const accepted = await rt.forward(approval);
    expect(accepted.status, 'credgate stores the delivery although RT is down').to.be.within(200, 299);
    await new Promise((r) => setTimeout(r, 3000));

    await rt.startServer();
    await eventually(async () => expect(await position(ticket)).to.equal('granted'), step);
    await eventually(async () => expect(await position(ticket)).to.equal('revoked'), step);
    expect((await credgateMessages(rt, ticket)).filter((c) => c.includes('Access granted until'))).to.have.length(1);
  });
});
