import { expect } from 'chai';
import { createServer } from 'node:http';
import { FakeNinjaOne } from './fake-ninjaone';
import { closeServer, listenOnLoopback } from '../loopback-server';

const REQUESTER = '0b6f1c52-6a1e-4c43-9d3f-2a1b7c8d9e01';
const TECH = '1c7a2d63-7b2f-4d54-8e4a-3b2c8d9eaf12';

/** The fake holds NinjaOne's contract: what the real API would refuse, it refuses and records. */
describe('fake NinjaOne', function () {
  this.timeout(20_000);
  let fake: FakeNinjaOne;
  let base: string;
  beforeEach(async () => {
    fake = new FakeNinjaOne({
      clientId: 'cid',
      clientSecret: 'csecret',
      users: [
        { id: 11, uid: REQUESTER, firstName: 'Rita', lastName: 'R', email: 'r@example.com', userType: 'END_USER' },
        { id: 12, uid: TECH, firstName: 'Tom', lastName: 'T', email: 't@example.com', userType: 'TECHNICIAN' },
      ],
      roles: [{ id: 3, name: 'Approvers', members: [] }],
      organizations: [{ id: 5, name: 'Acme' }],
      devices: [{ id: 40, systemName: 'ACME-DC1', organizationId: 5 }],
      scripts: [{ id: 9, name: 'Enable account', behaviour: () => ({ exitCode: 3 }) }],
    });
    base = await fake.start();
  });
  afterEach(() => fake.stop());

  const token = async (scope = 'monitoring management control') => {
    const res = await fetch(`${base}/ws/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'cid',
        client_secret: 'csecret',
        scope,
      }),
    });
    return { status: res.status, json: (await res.json()) as { access_token: string; expires_in: number } };
  };
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const { json } = await token();
    return fetch(`${base}${path}`, {
      method,
      headers: { Authorization: `Bearer ${json.access_token}`, 'Content-Type': 'application/json', ...headers },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
  };

  it('issues expiring bearer tokens for client credentials and refuses calls without one', async () => {
    const t = await token();
    expect(t.status).to.equal(200);
    expect(t.json.expires_in).to.equal(3600);
    expect((await fetch(`${base}/v2/ticketing/statuses`)).status).to.equal(401);
    const ok = await fetch(`${base}/v2/ticketing/statuses`, {
      headers: { Authorization: `Bearer ${t.json.access_token}` },
    });
    expect(ok.status).to.equal(200);
    fake.expireTokens();
    const late = await fetch(`${base}/v2/ticketing/statuses`, {
      headers: { Authorization: `Bearer ${t.json.access_token}` },
    });
    expect(late.status).to.equal(401);
    expect((await token('admin')).status).to.equal(400);
    expect(fake.violations.some((v) => v.includes('scope "admin"'))).to.equal(true);
  });

  it('rejects paths, methods and bodies the description does not allow', async () => {
    const { id } = await fake.createTicket(REQUESTER, { subject: 'x', description: 'y', clientId: 5 });
    expect((await call('GET', '/v2/ticketing/tickets/1')).status).to.equal(404);
    expect((await call('POST', '/v2/webhook', {})).status).to.equal(405);
    expect((await call('PUT', `/v2/ticketing/ticket/${id}`, { status: '2000' })).status).to.equal(400);
    expect(fake.violations.join('\n')).to.include("must have required property 'version'");
    expect((await call('PATCH', '/v2/user/role/3/add-members', { ids: [12] })).status).to.equal(400);
  });

  it('updates a ticket only from its current version', async () => {
    const { id } = await fake.createTicket(REQUESTER, { subject: 'x', description: 'y', clientId: 5 });
    const ticket = (await (await call('GET', `/v2/ticketing/ticket/${id}`)).json()) as Record<string, unknown>;
    const update = {
      version: ticket.version,
      clientId: 5,
      ticketFormId: ticket.ticketFormId,
      subject: 'x',
      status: '2000',
      requesterUid: REQUESTER,
    };
    fake.touch(id);
    expect((await call('PUT', `/v2/ticketing/ticket/${id}`, update)).status).to.equal(409);
    const res = await call('PUT', `/v2/ticketing/ticket/${id}`, { ...update, version: Number(ticket.version) + 1 });
    expect(res.status).to.equal(200);
    expect(fake.statusOf(id)).to.equal(2000);
    expect(fake.violations).to.deep.equal([]);
  });

  it('takes comments only as multipart with a JSON comment part', async () => {
    const { id } = await fake.createTicket(REQUESTER, { subject: 'x', description: 'y', clientId: 5 });
    expect((await call('POST', `/v2/ticketing/ticket/${id}/comment`, { public: false, body: 'no' })).status).to.equal(
      415,
    );
    const { json } = await token();
    const form = new FormData();
    form.append(
      'comment',
      new Blob([JSON.stringify({ public: false, body: 'internal note' })], { type: 'application/json' }),
    );
    const res = await fetch(`${base}/v2/ticketing/ticket/${id}/comment`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${json.access_token}` },
      body: form,
    });
    expect(res.status).to.equal(200);
    expect(fake.comments(id)).to.deep.include({
      by: undefined,
      body: 'internal note',
      htmlBody: '<p>internal note</p>',
      public: false,
    });
  });

  it('sends activity notifications with the configured custom headers, and records script runs', async () => {
    const received: { headers: Record<string, unknown>; body: string }[] = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    const hookUrl = await listenOnLoopback(hook);
    const config = {
      url: hookUrl,
      activities: { NINJA_TICKETING: ['*'] },
      headers: [{ name: 'X-Credgate-Token', value: 's3cret' }],
    };
    expect((await call('PUT', '/v2/webhook', config)).status).to.equal(204);
    const { id } = await fake.createTicket(REQUESTER, { subject: 'x', description: 'y', clientId: 5 });
    expect(received).to.have.length(1);
    expect(received[0].headers['x-credgate-token']).to.equal('s3cret');
    expect(JSON.parse(received[0].body).ticketId).to.equal(id);
    await closeServer(hook);

    const run = await call('POST', '/v2/device/40/script/run', {
      type: 'SCRIPT',
      id: 9,
      parameters: '-Account bob',
      runAs: 'system',
    });
    expect(run.status).to.equal(204);
    expect(fake.state.runs).to.have.length(1);
    expect(fake.state.runs[0]).to.include({ deviceId: 40, id: 9, parameters: '-Account bob', runAs: 'system' });
    await new Promise((r) => setTimeout(r, 150));
    const activities = (await (await call('GET', '/v2/device/40/activities')).json()) as {
      activities: { statusCode: string; activityResult?: string }[];
    };
    expect(activities.activities[0]).to.include({ statusCode: 'COMPLETED', activityResult: 'FAILURE' });
  });
});
