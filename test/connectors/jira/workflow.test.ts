import { expect } from 'chai';
import { Harness, eventually } from '../../helpers/harness';
import { quickPolicy } from '../../helpers/policy';

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

async function file(h: Harness, description: string, summary = 'Access to the reporting database') {
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

describe('Jira workflow, end to end over HTTP', function () {
  this.timeout(30_000);
  let h: Harness;
  afterEach(async () => {
    await h?.stopChecked();
  });

  it('low risk: one approval grants access, a reminder goes out, and it is revoked at expiry', async () => {
    h = await Harness.start({ policy: quickPolicy({ max: '3s', reminderBefore: '1s' }) });
    const key = await file(h, LOW);
    expect(h.fake.statusOf(key)).to.equal('Pending approval');
    const [received] = h.comments(key);
    expect(received).to.include('Generic or shared account');
    expect(received).to.include('Risk: LOW');
    expect(received).to.include('1 × IT approver: group credential-approvers');
    expect(received).to.include('3s from the final approval (requested 2h, capped by rule max-duration-low)');
    expect(received).to.match(/request cg-[0-9a-f]{10}/);

    await h.fake.transitionAs('acc-alice', key, 'Approved');
    await h.settle();
    expect(h.fake.statusOf(key)).to.equal('Access granted');
    const granted = h.comments(key)[1];
    expect(granted).to.include('Access granted until');
    expect(granted).to.include('Final approval by *Alice Approver*');
    expect((await h.grantOf(key))?.status).to.equal('active');

    await eventually(() => expect(h.fake.statusOf(key)).to.equal('Access revoked'), 10_000);
    await h.settle();
    const texts = h.comments(key);
    expect(texts.some((t) => t.includes('Access ends in'))).to.equal(true);
    expect(texts[texts.length - 1]).to.include('Access revoked');
    const grant = await h.grantOf(key);
    expect(grant?.status).to.equal('revoked');
    // Revoked on time: within a second and a half of the promised expiry.
    expect(Date.parse(grant!.revokedAt!) - Date.parse(grant!.expiresAt!)).to.be.within(0, 1500);

    // Every decision is in the central audit log, in order, with actor and rule ids, and the chain holds.
    const entries = [];
    for await (const e of h.service.audit.entries()) entries.push(e);
    expect(entries.map((e) => e.action)).to.deep.equal([
      'request-received',
      'risk-assessed',
      'approval-accepted',
      'access-granted',
      'expiry-reminder',
      'access-revoked',
    ]);
    expect(entries[2]).to.include({ actor: 'acc-alice', outcome: 'it-approver' });
    expect(entries.every((e) => e.ticket.key === key && e.requestId.startsWith('cg-'))).to.equal(true);
    // Seven in the chain: the six above and the config-loaded record written at start.
    expect(await h.service.audit.verify()).to.deep.equal({ ok: true, count: 7 });
  });

  it('high risk: needs two distinct approvers; the same approver twice is reverted', async () => {
    h = await Harness.start();
    const key = await file(h, HIGH, 'Production DB access');
    expect(h.comments(key)[0]).to.include('Risk: HIGH');
    expect(h.comments(key)[0]).to.include('a production system is involved (rule production-system)');

    await h.fake.transitionAs('acc-alice', key, 'Approved');
    await h.settle();
    expect(h.fake.statusOf(key)).to.equal('Pending approval');
    expect(h.comments(key)[1]).to.include('Approval 1 of 2 recorded');

    await h.fake.transitionAs('acc-alice', key, 'Approved');
    await h.settle();
    expect(h.fake.statusOf(key)).to.equal('Pending approval');
    expect(h.comments(key)[2]).to.include('Alice Approver has already approved');

    await h.fake.transitionAs('acc-bob', key, 'Approved');
    await h.settle();
    expect(h.fake.statusOf(key)).to.equal('Access granted');
    expect(h.comments(key)[3]).to.include('Final approval by *Bob Approver*');
  });

  it('self-approval is reverted with a comment saying why', async () => {
    h = await Harness.start();
    const key = await file(h, LOW);
    await h.fake.transitionAs('acc-requester', key, 'Approved');
    await h.settle();
    expect(h.fake.statusOf(key)).to.equal('Pending approval');
    const refusal = h.comments(key)[1];
    expect(refusal).to.include(
      'Rita Requester moved this ticket to "Approved", but nobody approves their own request (rule separation-of-duties)',
    );
    expect(refusal).to.include('credgate moved the ticket back');
    expect(await h.grantOf(key)).to.equal(undefined);
  });

  it('an approval by someone outside the approver group is reverted', async () => {
    h = await Harness.start();
    const key = await file(h, LOW);
    await h.fake.transitionAs('acc-olga', key, 'Approved');
    await h.settle();
    expect(h.fake.statusOf(key)).to.equal('Pending approval');
    expect(h.comments(key)[1]).to.include('Olga Outsider is not an approver this request still needs (IT approver)');
  });

  it('missing facts: lists exactly what is missing, then proceeds once the requester edits the ticket', async () => {
    h = await Harness.start();
    const key = await file(h, 'Target systems: crm\nAccount: admin');
    expect(h.fake.statusOf(key)).to.equal('Waiting for requester');
    const ask = h.comments(key)[0];
    expect(ask).to.include('more information needed');
    for (const fact of ['Access', 'Justification', 'Duration']) expect(ask).to.include(`* ${fact}`);
    expect(ask).not.to.include('* Account');

    await h.fake.editAs('acc-requester', key, {
      description: `Target systems: crm\nAccount: admin\nAccess: read\nJustification: audit\nDuration: 1h`,
    });
    await h.settle();
    expect(h.fake.statusOf(key)).to.equal('Pending approval');
    expect(h.comments(key)[1]).to.include('The facts that were missing are now complete');
  });

  it('a reply with the missing facts completes the request', async () => {
    h = await Harness.start();
    const key = await file(h, 'Target systems: crm\nAccount: admin\nAccess: read');
    await h.fake.commentAs('acc-requester', key, 'Justification: quarterly audit\nDuration: 30m');
    await h.settle();
    expect(h.fake.statusOf(key)).to.equal('Pending approval');
  });

  it('survives a restart between approval and expiry and still revokes on time', async () => {
    h = await Harness.start({ policy: quickPolicy({ max: '2s', reminderBefore: '1s' }) });
    const key = await file(h, LOW);
    await h.fake.transitionAs('acc-alice', key, 'Approved');
    await h.settle();
    expect(h.fake.statusOf(key)).to.equal('Access granted');
    // Down across the expiry: the revocation that fell due while stopped runs at start.
    await h.restart(() => new Promise((r) => setTimeout(r, 2500)));
    await eventually(() => expect(h.fake.statusOf(key)).to.equal('Access revoked'));
    await h.settle();
    expect((await h.grantOf(key))?.status).to.equal('revoked');
    expect(h.comments(key).filter((c) => c.includes('Access revoked'))).to.have.length(1);
  });

  it('a redelivered webhook changes nothing and posts nothing twice', async () => {
    h = await Harness.start();
    const key = await file(h, LOW);
    const before = h.comments(key).length;
    const again = await h.fake.redeliverLast();
    expect(again?.status).to.equal(202);
    expect(JSON.parse(again!.body).status).to.equal('duplicate');
    await h.fake.transitionAs('acc-alice', key, 'Approved');
    await h.settle();
    await h.fake.redeliverLast();
    await h.settle();
    const texts = h.comments(key);
    expect(texts).to.have.length(before + 1);
    expect(texts.filter((t) => t.includes('Access granted until'))).to.have.length(1);
  });

  it('a forged approval webhook grants nothing: approvals are read back from Jira', async () => {
    h = await Harness.start();
    const key = await file(h, LOW);
    const issue = h.fake.issueJson(key);
    // Correctly signed (the secret leaked, say), but Jira's changelog has no such transition.
    const forged = {
      webhookEvent: 'jira:issue_updated',
      issue_event_type_name: 'issue_generic',
      user: { accountId: 'acc-alice', displayName: 'Alice Approver' },
      issue,
      changelog: {
        id: '999999',
        items: [
          {
            field: 'status',
            fieldtype: 'jira',
            fieldId: 'status',
            from: '3',
            fromString: 'Pending approval',
            to: '4',
            toString: 'Approved',
          },
        ],
      },
    };
    const d = await h.fake.deliver(forged);
    expect(d?.status).to.equal(202);
    await h.settle();
    expect(h.fake.statusOf(key)).to.equal('Pending approval');
    expect(await h.grantOf(key)).to.equal(undefined);
  });

  it('closing the ticket while access is active revokes it at once', async () => {
    h = await Harness.start();
    const key = await file(h, LOW);
    await h.fake.transitionAs('acc-alice', key, 'Approved');
    await h.settle();
    await h.fake.transitionAs('acc-requester', key, 'Done');
    await h.settle();
    expect((await h.grantOf(key))?.status).to.equal('revoked');
    expect(h.comments(key).at(-1)).to.include('Access was revoked before its expiry');
    expect(h.fake.statusOf(key)).to.equal('Done');
  });

  it('a request left pending past the timeout expires with a comment', async () => {
    h = await Harness.start({ policy: quickPolicy({ pendingTimeout: '1s' }) });
    const key = await file(h, LOW);
    await eventually(() => expect(h.fake.statusOf(key)).to.equal('Declined'));
    await h.settle();
    expect(h.comments(key).at(-1)).to.include('Request expired');
  });

  it('requester text cannot inject mentions, links or macros into comments', async () => {
    h = await Harness.start();
    const key = await file(
      h,
      `${LOW}\nJustification: see [~accountid:acc-alice] and [click|http://evil.example] {color:red}urgent{color}`,
    );
    const raw = h.fake.commentTexts(key)[0];
    expect(raw).not.to.match(/(^|[^\\])\[~accountid/);
    expect(raw).not.to.match(/(^|[^\\])\{color/);
    expect(raw).not.to.include('http://evil');
    expect(
      readableInclude(
        h.comments(key)[0],
        'see [~accountid:acc-alice] and [click|http://evil.example] {color:red}urgent{color}',
      ),
    ).to.equal(true);
  });

  it('a Jira outage delays comments and transitions but loses none', async () => {
    h = await Harness.start();
    h.fake.failNext(4, 503, { 'Retry-After': '0' });
    const key = await file(h, LOW);
    await eventually(() => expect(h.fake.statusOf(key)).to.equal('Pending approval'));
    await h.settle();
    expect(h.comments(key).filter((c) => c.includes('Credential request'))).to.have.length(1);
  });

  it('ignores events caused by its own account', async () => {
    h = await Harness.start();
    const key = await file(h, LOW);
    const before = h.fake.requests.length;
    const d = await h.fake.deliver({
      webhookEvent: 'jira:issue_updated',
      user: { accountId: 'acc-credgate', displayName: 'credgate' },
      issue: h.fake.issueJson(key),
      changelog: { id: '1', items: [] },
    });
    expect(JSON.parse(d!.body)).to.deep.equal({ status: 'ignored', reason: 'caused by credgate itself' });
    await h.settle();
    expect(h.fake.requests.length).to.equal(before);
  });
});

const readableInclude = (text: string, wanted: string) => text.includes(wanted);

describe('Jira workflow misconfigured', function () {
  this.timeout(20_000);
  it('says on the ticket when the workflow has no transition credgate needs', async () => {
    const h = await Harness.start({ fake: { transitions: { Open: ['Done'] } } });
    try {
      const { key } = await h.fake.createIssue('acc-requester', {
        project: 'CRED',
        issueType: 'Credential request',
        summary: 's',
        description: LOW,
      });
      await h.settle();
      expect(h.fake.statusOf(key)).to.equal('Open');
      const failed = h
        .comments(key)
        .find((c) => c.includes('credgate could not move the ticket to its pending-approval status'));
      expect(failed).to.include('the Jira workflow has no transition from "Open" to "Pending approval"');
      expect(h.fake.violations).to.deep.equal([]);
    } finally {
      await h.stop();
    }
  });
});
