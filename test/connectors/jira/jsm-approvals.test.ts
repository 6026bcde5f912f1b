import { expect } from 'chai';
import { Harness, SECRETS } from '../../helpers/harness';
import type { FakeApprovalStep } from '../../fakes/jira/fake-jira';

const LOW = [
  'Target systems: reporting-db',
  'Account: svc_reports',
  'Access: read-only',
  'Justification: monthly report run',
  'Duration: 2h',
].join('\n');
const HIGH = [
  'Target systems: prod-db01',
  'Account: sa',
  'Access: read-write',
  'Justification: fix replication',
  'Duration: 1h',
].join('\n');

/** JSM's approval step on "Pending approval", as an admin would configure it for credgate. */
const STEP: FakeApprovalStep = {
  status: 'Pending approval',
  approvers: ['acc-requester', 'acc-alice', 'acc-bob', 'acc-olga'],
  approveTo: 'Approved',
  declineTo: 'Declined',
};

const jsm = (serviceManagement: Record<string, unknown>, jira: Record<string, unknown> = {}) =>
  Harness.start({ config: { jira: { serviceManagement, ...jira } }, fake: { approvalStep: STEP } });

async function file(h: Harness, description: string, summary = 'Access to the database') {
  const { key, delivery } = await h.fake.createIssue('acc-requester', {
    project: 'CRED',
    issueType: 'Credential request',
    summary,
    description,
  });
  expect(delivery?.status).to.equal(202);
  await h.settle();
  return key;
}

async function answer(h: Harness, as: string, key: string, decision: 'approve' | 'decline') {
  const delivery = await h.fake.answerApprovalAs(as, key, decision);
  expect(delivery?.status).to.equal(202);
  await h.settle();
}

describe('Jira Service Management: native approvals and internal comments, end to end over HTTP', function () {
  this.timeout(30_000);
  let h: Harness;
  afterEach(async () => {
    await h?.stopChecked();
  });

  it("high risk: two native approvals by distinct approvers grant access; the step's own transitions count for nothing", async () => {
    h = await jsm({ approvals: true });
    const key = await file(h, HIGH, 'Production DB access');
    expect(h.comments(key)[0]).to.include('Risk: HIGH');
    expect(h.fake.approvals(key)).to.have.length(1);

    await answer(h, 'acc-alice', key, 'approve');
    // JSM moved the request to Approved as Alice; credgate counted her decision once and moved it back.
    expect(
      h.fake
        .issue(key)
        .history.some((x) => x.author.accountId === 'acc-alice' && x.items.some((i) => i.toString === 'Approved')),
    ).to.equal(true);
    expect(h.fake.statusOf(key)).to.equal('Pending approval');
    expect(h.comments(key)).to.have.length(2);
    expect(h.comments(key)[1]).to.include('Approval 1 of 2 recorded');
    expect(h.comments(key)[1]).to.include('*Alice Approver* approved as IT approver');
    // Back in the approval status: JSM opened a second approval for the next approver.
    expect(h.fake.approvals(key).map((a) => a.finalDecision)).to.deep.equal(['approved', 'pending']);

    await answer(h, 'acc-bob', key, 'approve');
    expect(h.fake.statusOf(key)).to.equal('Access granted');
    expect(h.comments(key)).to.have.length(3);
    expect(h.comments(key)[2]).to.include('Final approval by *Bob Approver*');
    expect(h.comments(key).join('\n')).not.to.include('not accepted');
    expect((await h.grantOf(key))?.status).to.equal('active');

    const accepted = [];
    for await (const e of h.service.audit.entries()) if (e.action === 'approval-accepted') accepted.push(e.actor);
    expect(accepted).to.deep.equal(['acc-alice', 'acc-bob']);
    expect(h.fake.requests.filter((r) => r.operationId === 'getApprovals').length).to.be.greaterThan(0);
  });

  it("refuses the requester's own native approval (separation of duties) and grants nothing", async () => {
    h = await jsm({ approvals: true });
    const key = await file(h, LOW);
    await answer(h, 'acc-requester', key, 'approve');
    expect(h.fake.statusOf(key)).to.equal('Pending approval');
    const refusal = h.comments(key)[1];
    expect(refusal).to.include('Rita Requester');
    expect(refusal).to.include('nobody approves their own request (rule separation-of-duties)');
    expect(refusal).to.include('credgate moved the ticket back');
    expect(h.comments(key)).to.have.length(2);
    expect(await h.grantOf(key)).to.equal(undefined);
    // A fresh approval is open for a real approver, who can still approve.
    await answer(h, 'acc-alice', key, 'approve');
    expect(h.fake.statusOf(key)).to.equal('Access granted');
  });

  it('refuses a native approval by someone JSM lists but the policy does not', async () => {
    h = await jsm({ approvals: true });
    const key = await file(h, LOW);
    await answer(h, 'acc-olga', key, 'approve');
    expect(h.fake.statusOf(key)).to.equal('Pending approval');
    expect(h.comments(key)[1]).to.include('Olga Outsider is not an approver this request still needs (IT approver)');
  });

  it('a native decline by an approver declines the request', async () => {
    h = await jsm({ approvals: true });
    const key = await file(h, LOW);
    await answer(h, 'acc-bob', key, 'decline');
    expect(h.fake.statusOf(key)).to.equal('Declined');
    expect(h.comments(key)[1]).to.include('declined by Bob Approver');
    expect(h.comments(key)).to.have.length(2);
  });

  it("a decision that does not decide the JSM approval still counts (quorum is credgate's)", async () => {
    h = await Harness.start({
      config: { jira: { serviceManagement: { approvals: true } } },
      fake: { approvalStep: { ...STEP, required: 2 } },
    });
    const key = await file(h, HIGH);
    await answer(h, 'acc-alice', key, 'approve');
    expect(h.fake.deliveries.at(-1)).to.include({ event: 'jira:issue_updated' });
    expect(h.fake.statusOf(key)).to.equal('Pending approval');
    expect(h.comments(key)[1]).to.include('Approval 1 of 2 recorded');
    await answer(h, 'acc-bob', key, 'approve');
    expect(h.fake.statusOf(key)).to.equal('Access granted');
  });

  it('transition approvals keep working beside native ones', async () => {
    h = await jsm({ approvals: true });
    const key = await file(h, LOW);
    await h.fake.transitionAs('acc-alice', key, 'Approved');
    await h.settle();
    expect(h.fake.statusOf(key)).to.equal('Access granted');
    expect(h.comments(key)[1]).to.include('Final approval by *Alice Approver*');
  });

  it('without serviceManagement.approvals, native approvals are not read at all', async () => {
    h = await jsm({});
    const key = await file(h, LOW);
    await answer(h, 'acc-alice', key, 'approve');
    // Only the step's transition to Approved by Alice is seen, and judged as a transition approval.
    expect(h.fake.statusOf(key)).to.equal('Access granted');
    expect(h.fake.requests.some((r) => r.path.startsWith('/rest/servicedeskapi/'))).to.equal(false);
  });

  it('bookkeeping comments are internal when configured; what the requester must read stays public (wiki and ADF)', async () => {
    h = await jsm({ approvals: true, internalComments: true });
    const key = await file(h, LOW);
    await h.fake.transitionAs('acc-requester', key, 'Approved'); // refused: an internal note
    await h.settle();
    await answer(h, 'acc-alice', key, 'approve');
    const comments = h.fake.comments(key);
    expect(comments).to.have.length(3);
    const internal = { key: 'sd.public.comment', value: { internal: true } };
    expect(comments.map((c) => (c.properties ? 'internal' : 'public'))).to.deep.equal(['public', 'internal', 'public']);
    expect(comments[1].properties).to.deep.equal([internal]);
    const listed = await fetchComments(h, key);
    expect(listed.map((c) => c.jsdPublic)).to.deep.equal([true, false, true]);
    await h.stop();

    h = await jsm({ internalComments: true }, { commentFormat: 'adf' });
    const adfKey = await file(h, LOW);
    await h.fake.transitionAs('acc-olga', adfKey, 'Approved');
    await h.settle();
    const [first, refusal] = h.fake.comments(adfKey);
    expect((refusal.body as { type: string }).type).to.equal('doc');
    expect(refusal.properties).to.deep.equal([internal]);
    expect(first.properties).to.equal(undefined);
  });

  it('comments stay public by default', async () => {
    h = await jsm({ approvals: true });
    const key = await file(h, LOW);
    expect(h.fake.comments(key)[0].properties).to.equal(undefined);
    expect((await fetchComments(h, key)).map((c) => c.jsdPublic)).to.deep.equal([true]);
  });
});

/** The comments as Jira's REST API lists them to an agent. */
async function fetchComments(h: Harness, key: string): Promise<{ jsdPublic: boolean }[]> {
  const res = await fetch(`${h.fake.baseUrl}/rest/api/2/issue/${key}/comment`, {
    headers: { Authorization: `Basic ${Buffer.from(`credgate@example.com:${SECRETS.apiToken}`).toString('base64')}` },
  });
  return ((await res.json()) as { comments: { jsdPublic: boolean }[] }).comments;
}
