import axios from 'axios';
import { expect } from 'chai';
import { FakeJira, FakeSetupError, type FakeJiraOptions } from '../../fakes/jira/fake-jira';
import { createJiraClient } from '../../../connectors/jira/client';
import { jiraConfigSchema } from '../../../connectors/jira/schema';
import { CredgateError } from '../../../src/util/errors';

const EMAIL = 'credgate@example.com';
const TOKEN = 'api-token-jsm-0123';
const STATUSES = ['Open', 'Pending approval', 'Approved', 'Declined', 'Done'];
const USERS: FakeJiraOptions['users'] = [
  { accountId: 'acc-alice', displayName: 'Alice', groups: [] },
  { accountId: 'acc-bob', displayName: 'Bob', groups: [] },
  { accountId: 'acc-rita', displayName: 'Rita', groups: [] },
];

/** The fake's servicedeskapi, read through credgate's own client and raw HTTP. */
describe('FakeJira: Jira Service Management approvals and internal comments', () => {
  let fake: FakeJira;
  let base: string;
  const auth = `Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64')}`;
  const http = (method: string, path: string, data?: unknown, authorization = auth) =>
    axios.request({
      method,
      url: `${base}${path}`,
      data,
      headers: { Authorization: authorization },
      validateStatus: () => true,
    });

  beforeEach(async () => {
    fake = new FakeJira({
      email: EMAIL,
      apiToken: TOKEN,
      users: USERS,
      statuses: STATUSES,
      serviceAccountId: 'acc-credgate',
      approvalStep: {
        status: 'Pending approval',
        approvers: ['acc-alice', 'acc-bob'],
        approveTo: 'Approved',
        declineTo: 'Declined',
      },
    });
    base = await fake.start();
  });
  afterEach(() => fake.stop());

  const request = async () =>
    (
      await fake.createIssue('acc-rita', {
        project: 'CRED',
        issueType: 'Credential request',
        summary: 's',
        status: 'Pending approval',
      })
    ).key;

  it('opens an approval on entering the step status and moves the request once it is decided', async () => {
    const key = await request();
    expect(fake.approvals(key).map((a) => a.finalDecision)).to.deep.equal(['pending']);
    await fake.answerApprovalAs('acc-alice', key, 'approve');
    expect(fake.statusOf(key)).to.equal('Approved');
    expect(fake.issue(key).history.at(-1)?.author.accountId).to.equal('acc-alice');
    await fake.transitionAs('acc-rita', key, 'Pending approval');
    await fake.answerApprovalAs('acc-bob', key, 'decline');
    expect(fake.statusOf(key)).to.equal('Declined');
    expect(fake.approvals(key).map((a) => a.finalDecision)).to.deep.equal(['approved', 'declined']);
  });

  it('refuses answers the approval panel would not take', async () => {
    const key = await request();
    const refused = (as: string) =>
      fake.answerApprovalAs(as, key, 'approve').then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(await refused('acc-rita'))
      .to.be.instanceOf(FakeSetupError)
      .with.property('message')
      .that.includes('not an approver');
    await fake.answerApprovalAs('acc-alice', key, 'approve');
    expect(await refused('acc-bob'))
      .to.be.instanceOf(FakeSetupError)
      .with.property('message')
      .that.includes('no open approval');
  });

  it("serves GET approvals with servicedeskapi shapes, paged by start/limit, read by credgate's client", async () => {
    const key = await request();
    await fake.answerApprovalAs('acc-alice', key, 'approve');
    await fake.transitionAs('acc-rita', key, 'Pending approval');

    const page = await http('GET', `/rest/servicedeskapi/request/${key}/approval?start=0&limit=1`);
    expect(page.status).to.equal(200);
    expect(page.data).to.include({ start: 0, limit: 1, size: 1, isLastPage: false });
    expect(page.data._links.next).to.match(/start=1&limit=1$/);
    const [first] = page.data.values;
    expect(first).to.include({ id: '1', finalDecision: 'approved', canAnswerApproval: false });
    expect(first.approvers[0]).to.deep.include({ approverDecision: 'approved' });
    expect(first.approvers[0].approver).to.include({ accountId: 'acc-alice', displayName: 'Alice' });
    expect(first.completedDate.epochMillis).to.be.a('number');
    expect(first.createdDate.iso8601).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000$/);

    const client = createJiraClient(jiraConfigSchema.parse({ baseUrl: base, email: EMAIL, apiToken: TOKEN }));
    const approvals = await client.getApprovals(key);
    expect(approvals.map((a) => [a.id, a.finalDecision])).to.deep.equal([
      ['1', 'approved'],
      ['2', 'pending'],
    ]);
    expect((await http('GET', `/rest/servicedeskapi/request/${key}/approval/2`)).data).to.include({
      id: '2',
      finalDecision: 'pending',
    });
    expect(fake.violations).to.deep.equal([]);
  });

  it('answers like the servicedeskapi for unknown requests and approvals, bad bodies, methods and credentials', async () => {
    const key = await request();
    const missing = await http('GET', '/rest/servicedeskapi/request/CRED-99/approval');
    expect(missing.status).to.equal(404);
    expect(missing.data.errorMessage).to.be.a('string');
    expect((await http('GET', `/rest/servicedeskapi/request/${key}/approval/42`)).status).to.equal(404);
    expect(
      (await http('GET', `/rest/servicedeskapi/request/${key}/approval`, undefined, 'Basic bm9ib2R5Om5vcGU=')).status,
    ).to.equal(401);
    const client = createJiraClient(jiraConfigSchema.parse({ baseUrl: base, email: EMAIL, apiToken: TOKEN }));
    const error = await client.getApprovals('CRED-99').catch((e: unknown) => e);
    expect(error).to.be.instanceOf(CredgateError).and.to.include({ kind: 'not-found' });
    expect((error as Error).message).to.include('does not exist');
    expect(fake.violations).to.deep.equal([]);

    expect((await http('POST', `/rest/servicedeskapi/request/${key}/approval/1`, {})).status).to.equal(400);
    expect((await http('POST', `/rest/servicedeskapi/request/${key}/approval/1`, { decision: 'yes' })).status).to.equal(
      400,
    );
    expect((await http('DELETE', `/rest/servicedeskapi/request/${key}/approval`)).status).to.equal(405);
    expect((await http('GET', `/rest/servicedeskapi/request/${key}/sla`)).status).to.equal(404);
    // credgate is no approver: an answer from its account is refused (and it should never try).
    expect(
      (await http('POST', `/rest/servicedeskapi/request/${key}/approval/1`, { decision: 'approve' })).status,
    ).to.equal(403);
    expect(fake.violations).to.have.length(5);
    expect(fake.violations.at(-1)).to.include('answerApproval refused');
    expect(fake.approvals(key)[0].finalDecision).to.equal('pending');
  });

  it('stores sd.public.comment and shows the comment as jsdPublic: false (v2 and v3)', async () => {
    const key = await request();
    const client = createJiraClient(jiraConfigSchema.parse({ baseUrl: base, email: EMAIL, apiToken: TOKEN }));
    await client.addComment(key, 'internal wiki', { internal: true });
    await client.addComment(
      key,
      { type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'internal adf' }] }] },
      { internal: true },
    );
    await client.addComment(key, 'public');
    const listed = (await http('GET', `/rest/api/3/issue/${key}/comment`)).data.comments as { jsdPublic: boolean }[];
    expect(listed.map((c) => c.jsdPublic)).to.deep.equal([false, false, true]);
    expect(fake.comments(key)[0].properties).to.deep.equal([{ key: 'sd.public.comment', value: { internal: true } }]);
    expect(fake.violations).to.deep.equal([]);
  });
});
