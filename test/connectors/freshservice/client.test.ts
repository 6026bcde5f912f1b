import { expect } from 'chai';
import { FakeFreshservice } from '../../fakes/freshservice/fake-freshservice';
import { createFreshserviceClient } from '../../../connectors/freshservice/client';
import { createFreshserviceConnector } from '../../../connectors/freshservice';
import { freshserviceConfigSchema } from '../../../connectors/freshservice/schema';
import { CredgateError } from '../../../src/util/errors';
import { createLogger } from '../../../src/util/logger';

const API_KEY = 'fs-api-key-0123456789';
const CREDGATE = 21_000_418_001;
const RITA = 21_000_418_002;
const ALICE = 21_000_418_003;
const log = createLogger({ level: 'silent' });

const newFake = () =>
  new FakeFreshservice({
    users: [
      { id: CREDGATE, name: 'credgate', email: 'credgate@example.com', agent: true, groups: [] },
      { id: RITA, name: 'Rita Requester', email: 'rita@example.com', agent: false, groups: [] },
      {
        id: ALICE,
        name: 'Alice Approver',
        email: 'alice@example.com',
        agent: true,
        groups: ['credential-approvers', 'Service desk'],
      },
    ],
    apiKey: API_KEY,
    credgateAgentId: CREDGATE,
    webhookSecret: 'freshservice-webhook-secret-0123',
  });

describe('freshservice client and connector against the fake account', () => {
  let fake: FakeFreshservice;
  let url: string;
  beforeEach(async () => {
    fake = newFake();
    url = await fake.start();
  });
  afterEach(() => fake.stop());

  const config = (extra: object = {}) =>
    freshserviceConfigSchema.parse({ baseUrl: url, apiKey: API_KEY, agentId: CREDGATE, ...extra });

  it('reads a ticket, its notes and activities, and writes back, with no call the API would reject', async () => {
    const { id } = await fake.createTicket(RITA, {
      subject: 'Access',
      description: '<div>Account: svc_x</div><div>Access: read</div>',
      category: 'Credential request',
    });
    await fake.noteAs(RITA, id, '<div>Duration: 2h</div>');
    const connector = createFreshserviceConnector(config(), { log, now: Date.now });
    await connector.start?.();
    const ref = { connector: 'freshservice', id: String(id), key: `#${id}` };

    await connector.setStatus(ref, 'pending-approval');
    await connector.setStatus(ref, 'pending-approval'); // already there: no second PUT
    await connector.postComment(ref, '<p>Credential request cg-1 &#38; more</p><p>ref cg-1/2</p>');
    await fake.setStatusAs(ALICE, id, 8);

    const snap = await connector.fetchTicket(ref);
    expect(snap).to.deep.include({
      status: 'Approved',
      position: 'approved',
      issueType: 'Credential request',
      description: 'Account: svc_x\nAccess: read',
    });
    expect(snap?.reporter).to.deep.equal({
      id: String(RITA),
      displayName: 'Rita Requester',
      email: 'rita@example.com',
    });
    expect(snap?.replies.map((r) => r.body)).to.include('Duration: 2h');

    const changes = await connector.fetchStatusChanges(ref);
    expect(changes.map((c) => [c.to, c.bySelf])).to.deep.equal([
      ['Open', false],
      ['Pending approval', true],
      ['Approved', false],
    ]);
    expect(await connector.groupsOf(changes[2].actor)).to.have.members(['credential-approvers', 'Service desk']);
    expect(await connector.groupsOf({ id: String(RITA), displayName: 'Rita' })).to.deep.equal([]);
    expect(await connector.hasComment(ref, 'cg-1/2')).to.equal(true);
    expect(await connector.hasComment(ref, 'cg-1/3')).to.equal(false);
    expect(await connector.listOpenTickets?.(['approved', 'pending-approval'])).to.deep.equal([
      { connector: 'freshservice', id: String(id), key: `SR-${id}` },
    ]);
    expect(fake.conversations(id).find((c) => c.userId === CREDGATE)?.private).to.equal(true);
    expect(fake.requests.filter((r) => r.method === 'PUT')).to.have.length(1);
    expect(fake.violations).to.deep.equal([]);
  });

  it('finds its own agent by email at start', async () => {
    const connector = createFreshserviceConnector(
      freshserviceConfigSchema.parse({ baseUrl: url, apiKey: API_KEY, agentEmail: 'credgate@example.com' }),
      { log, now: Date.now },
    );
    await connector.start?.();
    expect(fake.requests.some((r) => r.path === '/api/v2/agents' && r.query.email === 'credgate@example.com')).to.equal(
      true,
    );
  });

  it('maps 429 with Retry-After to a transient error that says how long to wait', async () => {
    fake.failNext(1, 429, { 'Retry-After': '12', 'X-Ratelimit-Total': '100', 'X-Ratelimit-Remaining': '0' });
    const err = (await createFreshserviceClient(config())
      .getActivities('1')
      .catch((e: unknown) => e)) as CredgateError;
    expect(err).to.be.instanceOf(CredgateError);
    expect(err.kind).to.equal('transient');
    expect(err.details.retryAfterMs).to.equal(12_000);
  });

  it('maps a wrong API key to an auth error that does not contain the key', async () => {
    const err = (await createFreshserviceClient(config({ apiKey: 'wrong-key-123456' }))
      .getTicket('1')
      .catch((e: unknown) => e)) as CredgateError;
    expect(err.kind).to.equal('auth');
    expect(err.message).to.include('FRESHSERVICE_API_KEY').and.not.include('wrong-key-123456');
  });

  it('returns null for a ticket that is gone or out of scope', async () => {
    const { id } = await fake.createTicket(RITA, {
      subject: 'Printer',
      description: '<div>jammed</div>',
      category: 'Hardware',
    });
    const connector = createFreshserviceConnector(config({ categories: ['Credential request'] }), {
      log,
      now: Date.now,
    });
    expect(await connector.fetchTicket({ connector: 'freshservice', id: String(id), key: '#1' })).to.equal(null);
    expect(await connector.fetchTicket({ connector: 'freshservice', id: '999', key: '#999' })).to.equal(null);
  });
});

describe('the fake Freshservice enforces the API v2 contract', () => {
  let fake: FakeFreshservice;
  let url: string;
  const auth = { Authorization: `Basic ${Buffer.from(`${API_KEY}:X`).toString('base64')}` };
  beforeEach(async () => {
    fake = newFake();
    url = await fake.start();
  });
  afterEach(() => fake.stop());

  it('answers 401 without the API key', async () => {
    expect((await fetch(`${url}/api/v2/tickets/1`)).status).to.equal(401);
  });

  it('rejects unknown note fields, unknown statuses, a wrong Content-Type and bad paging, with validation errors', async () => {
    const { id } = await fake.createTicket(RITA, { subject: 's', description: '<div>d</div>' });
    const json = { ...auth, 'Content-Type': 'application/json' };
    const note = await fetch(`${url}/api/v2/tickets/${id}/notes`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ body: 'x', is_private: true }),
    });
    expect(note.status).to.equal(400);
    expect(await note.json()).to.deep.equal({
      description: 'Validation failed',
      errors: [{ field: 'is_private', message: 'Unexpected/invalid field in request', code: 'invalid_field' }],
    });
    expect(
      (
        await fetch(`${url}/api/v2/tickets/${id}`, {
          method: 'PUT',
          headers: json,
          body: JSON.stringify({ status: 99 }),
        })
      ).status,
    ).to.equal(400);
    expect(
      (
        await fetch(`${url}/api/v2/tickets/${id}`, {
          method: 'PUT',
          headers: auth,
          body: JSON.stringify({ status: 3 }),
        })
      ).status,
    ).to.equal(415);
    expect((await fetch(`${url}/api/v2/tickets/${id}/conversations?per_page=101`, { headers: auth })).status).to.equal(
      400,
    );
    expect(fake.violations).to.have.length(4);
  });
});
