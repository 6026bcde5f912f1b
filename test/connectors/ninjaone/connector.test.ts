import { expect } from 'chai';
import { FakeNinjaOne } from '../../fakes/ninjaone/fake-ninjaone';
import { CREDGATE_STATUSES, NINJAONE_IDS, ninjaoneUsers } from '../../conformance/drivers/ninjaone';
import { createNinjaoneConnector } from '../../../connectors/ninjaone';
import { createNinjaoneClient, type NinjaoneClient } from '../../../connectors/ninjaone/client';
import { registerNinjaoneWebhook } from '../../../connectors/ninjaone/register-webhook';
import { ninjaoneBaseUrl, ninjaoneConfigSchema, type NinjaoneConfig } from '../../../connectors/ninjaone/schema';
import { verifyNinjaoneDelivery } from '../../../connectors/ninjaone/verify';
import { createLogger } from '../../../src/util/logger';
import { CredgateError } from '../../../src/util/errors';
import type { Connector } from '../../../connectors/types';

const { UIDS, CLIENT_ID, CLIENT_SECRET, WEBHOOK_SECRET, ORGANIZATION, FORM } = NINJAONE_IDS;
const log = createLogger({ level: 'silent' });

describe('NinjaOne connector against the fake', function () {
  this.timeout(20_000);
  let fake: FakeNinjaOne;
  let config: NinjaoneConfig;
  let client: NinjaoneClient;
  let connector: Connector;

  beforeEach(async () => {
    fake = new FakeNinjaOne({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      users: [
        ...ninjaoneUsers(),
        {
          id: 150,
          uid: '9e8d7c6b-5a49-4837-a261-5f4e3d2c1b0a',
          firstName: 'Eve',
          lastName: 'EndUser',
          email: 'eve@acme.example',
          userType: 'END_USER',
          organizationId: ORGANIZATION,
        },
      ],
      roles: [{ id: 7, name: 'credential-approvers', members: [102] }],
      organizations: [{ id: ORGANIZATION, name: 'Acme Dental' }],
      forms: [{ id: FORM, name: 'Credential request' }],
      statuses: CREDGATE_STATUSES,
    });
    const url = await fake.start();
    config = ninjaoneConfigSchema.parse({
      baseUrl: url,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      webhookSecret: WEBHOOK_SECRET,
      fields: { systems: 412, account: 413 },
      boardId: 1,
    });
    client = createNinjaoneClient(config, log);
    connector = createNinjaoneConnector(config, { log, now: Date.now }, client);
  });
  afterEach(async () => {
    expect(fake.violations, 'calls the real API would reject').to.deep.equal([]);
    await fake.stop();
  });

  const file = async (as = UIDS.requester) =>
    String(
      (
        await fake.createTicket(as, {
          subject: 'Backup admin',
          description: 'Access: admin\nJustification: restore',
          clientId: ORGANIZATION,
          ticketFormId: FORM,
          attributes: [
            { attributeId: 412, value: 'backup-server' },
            { attributeId: 413, value: 'svc_backup' },
          ],
        })
      ).id,
    );
  const ref = (id: string) => ({ connector: 'ninjaone', id, key: `#${id}` });

  it('uses the regional host unless a base URL is given', () => {
    expect(ninjaoneBaseUrl(ninjaoneConfigSchema.parse({ region: 'eu' }))).to.equal('https://eu.ninjarmm.com');
    expect(ninjaoneBaseUrl(ninjaoneConfigSchema.parse({}))).to.equal('https://app.ninjarmm.com');
    expect(() => ninjaoneConfigSchema.parse({ region: 'de' })).to.throw();
  });

  it('caches the token, refreshes it once on 401, then fails clearly', async () => {
    const id = await file();
    await client.getTicket(id);
    await client.getTicket(id);
    expect(fake.tokenRequests).to.equal(1);
    fake.expireTokens();
    expect((await client.getTicket(id)).id).to.equal(Number(id));
    expect(fake.tokenRequests).to.equal(2);
    fake.failNext(2, 401, { error: 'invalid_token' });
    const err = await client.getTicket(id).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(CredgateError);
    expect((err as CredgateError).kind).to.equal('auth');
    expect((err as CredgateError).message)
      .to.include('401 twice')
      .and.include('NINJAONE_CLIENT_ID');
    expect((err as CredgateError).message).not.to.include(CLIENT_SECRET);
  });

  it('refuses wrong client credentials with an auth error that holds no secret', async () => {
    const bad = createNinjaoneClient({ ...config, clientSecret: 'not-the-secret-0000' }, log);
    const err = (await bad.getStatuses().catch((e: unknown) => e)) as CredgateError;
    expect(err.kind).to.equal('auth');
    expect(err.message).to.include('refused the client credentials').and.not.include('not-the-secret');
  });

  it('reads facts from attributes and the description, the organization, form and requester', async () => {
    const snap = await connector.fetchTicket(ref(await file()));
    expect(snap?.mappedFacts).to.deep.equal({ systems: 'backup-server', account: 'svc_backup' });
    expect(snap?.description).to.equal('Access: admin\nJustification: restore');
    expect(snap?.project).to.equal('Acme Dental');
    expect(snap?.issueType).to.equal('Credential request');
    expect(snap?.reporter).to.deep.include({ id: UIDS.requester, displayName: 'Rita Requester' });
  });

  it('counts role members as approvers, never end users; reads who changed the status', async () => {
    const id = await file();
    await fake.setStatusAs(UIDS.approver, Number(id), 2002);
    const changes = await connector.fetchStatusChanges(ref(id));
    expect(changes).to.have.length(1);
    expect(changes[0]).to.deep.include({ to: 'Approved', position: 'approved', bySelf: false });
    expect(changes[0].actor.id).to.equal(UIDS.approver);
    expect(await connector.groupsOf(changes[0].actor)).to.deep.equal(['credential-approvers']);
    expect(await connector.groupsOf({ id: UIDS.outsider, displayName: 'Olga' })).to.deep.equal([]);
    expect(await connector.groupsOf({ id: '9e8d7c6b-5a49-4837-a261-5f4e3d2c1b0a', displayName: 'Eve' })).to.deep.equal(
      [],
    );
  });

  it('posts public comments for requesters and internal notes for agents, as multipart', async () => {
    const id = await file();
    await connector.postComment(ref(id), '<p>Access granted until 10:00 &amp; no later</p>', 'requester');
    await connector.postComment(ref(id), '<p>approval bookkeeping</p>', 'agents');
    expect(fake.comments(Number(id))).to.deep.equal([
      {
        by: undefined,
        body: 'Access granted until 10:00 & no later',
        htmlBody: '<p>Access granted until 10:00 &amp; no later</p>',
        public: true,
      },
      { by: undefined, body: 'approval bookkeeping', htmlBody: '<p>approval bookkeeping</p>', public: false },
    ]);
    expect(await connector.hasComment(ref(id), 'until 10:00 &amp; no')).to.equal(true);
    expect(await connector.hasComment(ref(id), 'not there')).to.equal(false);
  });

  it('sets a status from the version it read, re-reading after a conflict', async () => {
    const id = await file();
    // Someone saves the ticket between credgate's read and its write, once.
    let saved = false;
    const racing: NinjaoneClient = {
      ...client,
      async updateTicket(ticketId, update) {
        if (!saved) {
          saved = true;
          fake.touch(Number(ticketId));
        }
        return client.updateTicket(ticketId, update);
      },
    };
    const c = createNinjaoneConnector(config, { log, now: Date.now }, racing);
    await c.setStatus(ref(id), 'pending-approval');
    expect(fake.statusOf(Number(id))).to.equal(2001);
    const puts = fake.requests.filter((r) => r.method === 'PUT' && r.path.endsWith(`/ticket/${id}`));
    expect(puts.map((r) => r.status)).to.deep.equal([409, 200]);
    await c.setStatus(ref(id), 'pending-approval');
    expect(fake.requests.filter((r) => r.method === 'PUT').length).to.equal(2);
  });

  it('lists tickets waiting on credgate through the board', async () => {
    const a = await file();
    const b = await file();
    await fake.setStatusAs(UIDS.approver, Number(a), 2001);
    await fake.setStatusAs(UIDS.approver, Number(b), 2003);
    const refs = await connector.listOpenTickets!(['granted']);
    expect(refs.map((r) => r.id)).to.deep.equal([b]);
  });

  it('registers the webhook with the secret header and refuses deliveries without it', async () => {
    const url = await registerNinjaoneWebhook(config, client, 'https://credgate.example.com/');
    expect(url).to.equal('https://credgate.example.com/webhooks/ninjaone');
    expect(fake.state.webhook).to.deep.equal({
      url,
      activities: { NINJA_TICKETING: ['NINJA_TICKETING_TICKET_CREATED', 'NINJA_TICKETING_UPDATED'] },
      headers: [{ name: 'X-Credgate-Token', value: WEBHOOK_SECRET }],
    });
    await registerNinjaoneWebhook(config, client, 'http://credgate.example.com').then(
      () => expect.fail('plain http accepted'),
      (e: CredgateError) => expect(e.message).to.include('must be https'),
    );
    const body = Buffer.from('{"id":1,"activityType":"NINJA_TICKETING","ticketId":5}');
    expect(() => verifyNinjaoneDelivery({ rawBody: body, headers: {} }, config)).to.throw('has no X-Credgate-Token');
    expect(() =>
      verifyNinjaoneDelivery({ rawBody: body, headers: { 'x-credgate-token': `${WEBHOOK_SECRET}x` } }, config),
    ).to.throw('does not match');
    verifyNinjaoneDelivery({ rawBody: body, headers: { 'x-credgate-token': WEBHOOK_SECRET } }, config);
    expect(() => ninjaoneConfigSchema.parse({ webhookSecret: 'short-secret-of-32-characters-xx' })).to.throw(
      '32 random bytes',
    );
  });

  it('reads only the ticket id from a notification, and ignores activities about no ticket', () => {
    const parsed = connector.parse({
      rawBody: Buffer.from(
        '{"id":77,"activityType":"NINJA_TICKETING","data":{"message":{"params":{"ticketId":"12"}}}}',
      ),
      headers: {},
    });
    expect(parsed).to.deep.equal({
      deliveryId: 'activity-77',
      tickets: [{ connector: 'ninjaone', id: '12', key: '#12' }],
    });
    expect(
      connector.parse({ rawBody: Buffer.from('{"id":78,"activityType":"CONDITION"}'), headers: {} }).tickets,
    ).to.deep.equal([]);
    expect(() => connector.parse({ rawBody: Buffer.from('not json'), headers: {} })).to.throw('not valid JSON');
  });

  it('refuses to start when a configured status does not exist', async () => {
    const c = createNinjaoneConnector(
      { ...config, statuses: { ...config.statuses, approved: 'Approved by manager' } },
      { log, now: Date.now },
      client,
    );
    await c.start!().then(
      () => expect.fail('started'),
      (e: CredgateError) => expect(e.message).to.include('"Approved by manager"'),
    );
  });
});
