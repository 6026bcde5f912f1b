import { expect } from 'chai';
import { FakeServiceNow } from '../../fakes/servicenow/fake-servicenow';
import { createServiceNowClient } from '../../../connectors/servicenow/client';
import { createServiceNowConnector } from '../../../connectors/servicenow';
import { servicenowConfigSchema } from '../../../connectors/servicenow/schema';
import { CredgateError } from '../../../src/util/errors';
import { createLogger } from '../../../src/util/logger';

const PASSWORD = 'credgate-password-123456';
const log = createLogger({ level: 'silent' });

describe('servicenow client and connector against the fake instance', () => {
  let fake: FakeServiceNow;
  let url: string;
  beforeEach(async () => {
    fake = new FakeServiceNow({
      users: [
        { userName: 'credgate', name: 'credgate', groups: [] },
        {
          userName: 'rita.requester',
          name: 'Rita Requester',
          email: 'rita@example.com',
          groups: ['credential-approvers'],
        },
        {
          userName: 'alice.approver',
          name: 'Alice Approver',
          email: 'alice@example.com',
          groups: ['credential-approvers', 'itil'],
        },
      ],
      credgate: { userName: 'credgate', password: PASSWORD, token: 'oauth-token-abcdef' },
      webhookSecret: 'servicenow-webhook-secret-0123',
    });
    url = await fake.start();
  });
  afterEach(() => fake.stop());

  const config = (extra: object = {}) =>
    servicenowConfigSchema.parse({ instanceUrl: url, username: 'credgate', password: PASSWORD, ...extra });

  it('reads a ticket, its work notes and its state history, and writes back, with no call the API would reject', async () => {
    const { sysId, number } = await fake.createIncident('rita.requester', {
      short_description: 'Access',
      description: 'Account: svc_x',
      category: 'credential_request',
    });
    await fake.updateAs('rita.requester', number, { comments: 'Duration: 2h' });
    const connector = createServiceNowConnector(config(), { log, now: Date.now });
    await connector.start?.();
    const ref = { connector: 'servicenow', id: sysId, key: number };

    await connector.setStatus(ref, 'pending-approval');
    await connector.setStatus(ref, 'pending-approval'); // already there: no second PATCH
    await connector.postComment(ref, 'Credential request cg-1 · ref cg-1/2');
    await fake.updateAs('alice.approver', number, { state: '103' });

    const snap = await connector.fetchTicket(ref);
    expect(snap).to.deep.include({ status: 'Approved', position: 'approved', issueType: 'Credential request' });
    expect(snap?.reporter).to.deep.equal({
      id: 'rita.requester',
      displayName: 'Rita Requester',
      email: 'rita@example.com',
    });
    expect(snap?.replies.map((r) => r.body)).to.include('Duration: 2h');

    const changes = await connector.fetchStatusChanges(ref);
    expect(changes.map((c) => [c.to, c.bySelf])).to.deep.equal([
      ['New', false],
      ['Pending approval', true],
      ['Approved', false],
    ]);
    expect(changes[2].actor).to.deep.equal({
      id: 'alice.approver',
      displayName: 'Alice Approver',
      email: 'alice@example.com',
    });
    expect(await connector.groupsOf(changes[2].actor)).to.have.members(['credential-approvers', 'itil']);
    expect(await connector.hasComment(ref, 'cg-1/2')).to.equal(true);
    expect(await connector.hasComment(ref, 'cg-1/3')).to.equal(false);
    expect(await connector.listOpenTickets?.(['approved', 'pending-approval'])).to.deep.equal([ref]);
    expect(fake.requests.filter((r) => r.method === 'PATCH')).to.have.length(2);
    expect(fake.violations).to.deep.equal([]);
  });

  it('authenticates with an OAuth token instead of the password', async () => {
    const client = createServiceNowClient(
      servicenowConfigSchema.parse({ instanceUrl: url, username: 'credgate', token: 'oauth-token-abcdef' }),
    );
    expect((await client.findUser('credgate'))?.user_name).to.equal('credgate');
  });

  it('maps 429 with Retry-After (or X-RateLimit-Reset) to a transient error that says how long to wait', async () => {
    const client = createServiceNowClient(config());
    fake.failNext(1, 429, { 'Retry-After': '7', 'X-RateLimit-Limit': '10' });
    const err = await client.findUser('credgate').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(CredgateError);
    expect(err).to.deep.include({ kind: 'transient' });
    expect((err as CredgateError).details.retryAfterMs).to.equal(7000);
    expect((err as CredgateError).message).to.include('Rate limit exceeded');

    fake.failNext(1, 429, { 'X-RateLimit-Reset': String(Math.floor(Date.now() / 1000) + 60) });
    const reset = (await client.findUser('credgate').catch((e: unknown) => e)) as CredgateError;
    expect(reset.details.retryAfterMs).to.be.within(55_000, 61_000);
  });

  it('maps a wrong password to an auth error that names what to check, not the password', async () => {
    const client = createServiceNowClient(config({ password: 'wrong-password-000' }));
    const err = (await client.findUser('credgate').catch((e: unknown) => e)) as CredgateError;
    expect(err.kind).to.equal('auth');
    expect(err.message).to.include('SERVICENOW_USERNAME').and.not.include('wrong-password-000');
  });

  it('returns null for a ticket that is gone or out of scope', async () => {
    const { sysId, number } = await fake.createIncident('rita.requester', {
      short_description: 'Printer',
      category: 'hardware',
    });
    const connector = createServiceNowConnector(config({ categories: ['credential_request'] }), { log, now: Date.now });
    expect(await connector.fetchTicket({ connector: 'servicenow', id: sysId, key: number })).to.equal(null);
    expect(await connector.fetchTicket({ connector: 'servicenow', id: 'f'.repeat(32), key: 'INC9' })).to.equal(null);
  });
});

describe('the fake ServiceNow enforces the Table API contract', () => {
  let fake: FakeServiceNow;
  let url: string;
  const auth = { Authorization: `Basic ${Buffer.from(`credgate:${PASSWORD}`).toString('base64')}` };
  beforeEach(async () => {
    fake = new FakeServiceNow({
      users: [{ userName: 'credgate', name: 'credgate', groups: [] }],
      credgate: { userName: 'credgate', password: PASSWORD },
      webhookSecret: 'x'.repeat(16),
    });
    url = await fake.start();
  });
  afterEach(() => fake.stop());

  it("answers 401 with ServiceNow's error body without credentials", async () => {
    const res = await fetch(`${url}/api/now/table/incident`);
    expect(res.status).to.equal(401);
    expect(await res.json()).to.deep.equal({
      error: { message: 'User Not Authenticated', detail: 'Required to provide Auth information' },
      status: 'failure',
    });
  });

  it('records a query on a field the table lacks (ServiceNow would silently return more rows)', async () => {
    const res = await fetch(`${url}/api/now/table/sys_audit?sysparm_query=documentid=abc`, { headers: auth });
    expect(res.status).to.equal(200);
    expect(fake.violations.join('\n')).to.include('unknown field "documentid"');
  });

  it('rejects bad parameters, writes to system fields and values that are no choice', async () => {
    const { sysId } = await fake.createIncident('credgate', { short_description: 'x' });
    expect(
      (await fetch(`${url}/api/now/table/incident/${sysId}?sysparm_display_value=yes`, { headers: auth })).status,
    ).to.equal(400);
    await fetch(`${url}/api/now/table/incident/${sysId}`, {
      method: 'PATCH',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ sys_updated_by: 'me', state: '999' }),
    });
    expect(fake.violations.join('\n'))
      .to.include('sysparm_display_value')
      .and.include('system field')
      .and.include('not a choice of incident.state');
    expect((await fetch(`${url}/api/now/table/incident/${sysId}`, { method: 'POST', headers: auth })).status).to.equal(
      405,
    );
  });
});
