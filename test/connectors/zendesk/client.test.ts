import { expect } from 'chai';
import { createZendeskClient } from '../../../connectors/zendesk/client';
import { createZendeskConnector } from '../../../connectors/zendesk';
import { zendeskConfigSchema } from '../../../connectors/zendesk/schema';
import { createLogger } from '../../../src/util/logger';
import { CredgateError } from '../../../src/util/errors';
import { FakeZendesk } from '../../fakes/zendesk/fake-zendesk';
import {
  APPROVAL_FIELD,
  defaultZendeskOptions,
  zendeskConfigSection,
  ZENDESK_EMAIL,
  ZENDESK_TOKEN,
} from '../../fakes/zendesk/default-setup';

const log = createLogger({ level: 'silent' });

describe('zendesk client against the fake', () => {
  let fake: FakeZendesk;
  let url: string;
  const configFor = (extra: Record<string, unknown> = {}) =>
    zendeskConfigSchema.parse({
      ...zendeskConfigSection(),
      baseUrl: url,
      email: ZENDESK_EMAIL,
      apiToken: ZENDESK_TOKEN,
      ...extra,
    });
  beforeEach(async () => {
    fake = new FakeZendesk(defaultZendeskOptions());
    url = await fake.start();
  });
  afterEach(async () => {
    await fake.stop();
  });

  const rejection = async (p: Promise<unknown>): Promise<CredgateError> => {
    try {
      await p;
    } catch (err) {
      expect(err).to.be.instanceOf(CredgateError);
      return err as CredgateError;
    }
    return expect.fail('expected a rejection');
  };

  it('maps 429 + Retry-After (plain text, as Zendesk sends it) to a transient error that says how long to wait', async () => {
    fake.failNext(1, 429, { 'Retry-After': '7' });
    const err = await rejection(createZendeskClient(configFor()).getTicket('1'));
    expect(err.kind).to.equal('transient');
    expect(err.details).to.include({ retryAfterMs: 7000, httpStatus: 429 });
    expect(err.message).to.include('Number of allowed API requests per minute exceeded');
  });

  it('maps a bad token to auth, an unknown ticket to not-found and a 503 to transient, without the token in any message', async () => {
    const auth = await rejection(createZendeskClient(configFor({ apiToken: 'wrong-token-123456' })).me());
    expect(auth.kind).to.equal('auth');
    expect(auth.message).not.to.include('wrong-token-123456');
    fake.clearRecords();
    expect((await rejection(createZendeskClient(configFor()).getTicket('999'))).kind).to.equal('not-found');
    fake.failNext(1, 503);
    expect((await rejection(createZendeskClient(configFor()).getTicket('1'))).kind).to.equal('transient');
    expect(fake.violations).to.deep.equal([]);
  });

  it('follows cursor pagination to the last comment and audit', async () => {
    const { id } = await fake.createTicket(1101, { subject: 's', description: 'd' });
    for (let i = 0; i < 130; i++) await fake.commentAs(1102, id, `comment ${i}`, false);
    const client = createZendeskClient(configFor());
    const comments = await client.listComments(String(id));
    expect(comments).to.have.length(131);
    expect(comments[130].body).to.equal('comment 129');
    expect(await client.listAudits(String(id))).to.have.length(131);
    expect(fake.requests.filter((r) => r.path.endsWith('/comments.json'))).to.have.length(2);
    expect(fake.violations).to.deep.equal([]);
  });

  it('refuses to start when the approval field lacks a configured value, naming the options it has', async () => {
    const connector = createZendeskConnector(configFor({ statuses: { granted: 'cg_access_granted' } }), {
      log,
      now: Date.now,
    });
    const err = await rejection(connector.start!());
    expect(err.kind).to.equal('config');
    expect(err.message)
      .to.include(`field ${APPROVAL_FIELD}`)
      .and.include('cg_access_granted')
      .and.include('Approved=cg_approved');
  });

  it('posts comments as private HTML notes, and sets the approval field only when it differs', async () => {
    const { id } = await fake.createTicket(1101, { subject: 's', description: 'd' });
    const connector = createZendeskConnector(configFor(), { log, now: Date.now });
    await connector.start!();
    const ref = { connector: 'zendesk', id: String(id), key: `#${id}` };
    await connector.postComment(ref, '<p><strong>Risk: LOW</strong> ref cg-1/2</p>');
    expect(fake.comments(id)[1]).to.include({ public: false, authorId: 900, plain: 'Risk: LOW ref cg-1/2' });
    expect(await connector.hasComment(ref, 'cg-1/2')).to.equal(true);
    expect(await connector.hasComment(ref, 'cg-1/3')).to.equal(false);
    await connector.setStatus(ref, 'pending-approval');
    await connector.setStatus(ref, 'pending-approval');
    await connector.setStatus(ref, 'closed');
    expect(fake.fieldValue(id, APPROVAL_FIELD)).to.equal('cg_pending_approval');
    expect(fake.requests.filter((r) => r.method === 'PUT')).to.have.length(2);
    expect(fake.violations).to.deep.equal([]);
  });

  it('reads group names through memberships, or from groupMembers when configured', async () => {
    const connector = createZendeskConnector(configFor(), { log, now: Date.now });
    expect((await connector.groupsOf({ id: '1102', displayName: 'Alice' })).sort()).to.deep.equal([
      'Support',
      'credential-approvers',
    ]);
    await connector.groupsOf({ id: '1102', displayName: 'Alice' });
    expect(fake.requests.filter((r) => r.path.includes('group_memberships'))).to.have.length(1);
    const configured = createZendeskConnector(
      configFor({ groupMembers: { 'credential-approvers': ['olga@example.com'] } }),
      { log, now: Date.now },
    );
    expect(await configured.groupsOf({ id: '1105', displayName: 'Olga', email: 'olga@example.com' })).to.deep.equal([
      'credential-approvers',
    ]);
  });
});
