import { expect } from 'chai';
import { Harness, eventually } from '../../helpers/harness';
import { compilePolicy } from '../../../src/policy/policy';
import { routingPolicyDocument } from '../../helpers/policy';

// Client overlays, approvers from the client directory, /delegate and escalation, end to end
// through the fake Jira over HTTP.

const facts = (systems: string, extra: string[] = []) =>
  [
    `Target systems: ${systems}`,
    'Account: sa',
    'Access: read-write',
    'Justification: month end',
    'Duration: 1h',
    ...extra,
  ].join('\n');

/** The routing policy, with the IT step's reminder and fallback due within seconds. */
function quickRouting() {
  const doc = routingPolicyDocument() as { approvals: { paths: Record<string, Record<string, object[]>> } };
  const it = {
    id: 'it-approver',
    name: 'IT approver',
    groups: ['credential-approvers'],
    remindAfter: '1s',
    escalateAfter: '2s',
    escalateTo: { groups: ['client-owners'] },
  };
  doc.approvals.paths.standard = { low: [it], high: [{ ...it, count: 2 }] };
  return compilePolicy(doc);
}

async function file(h: Harness, description: string) {
  const { key } = await h.fake.createIssue('acc-requester', {
    project: 'CRED',
    issueType: 'Credential request',
    summary: 'Access to the ERP',
    description,
  });
  await h.settle();
  return key;
}

describe('Jira: approval routing end to end', function () {
  this.timeout(30_000);
  let h: Harness;
  afterEach(async () => {
    await h?.stopChecked();
  });

  it("an ACME request follows ACME's overlay: its owner signs, and the audit names the overlay", async () => {
    h = await Harness.start({ policy: quickRouting() });
    const key = await file(h, facts('prod-erp', ['Client: ACME Corp', 'Company: Vendor Ltd']));
    const [received] = h.comments(key);
    expect(received).to.include('Risk: LOW');
    expect(received).to.include('Client owner: client owner @acc-carl');
    await h.fake.transitionAs('acc-alice', key, 'Approved');
    await h.settle();
    expect(h.fake.statusOf(key)).to.equal('Pending approval');
    await h.fake.transitionAs('acc-carl', key, 'Approved');
    await h.settle();
    expect(h.fake.statusOf(key)).to.equal('Access granted');
    const entries = [];
    for await (const e of h.service.audit.entries()) entries.push(e);
    expect(entries.length).to.be.greaterThan(3);
    expect(entries.every((e) => (e.detail as { overlay?: string } | undefined)?.overlay === 'acme')).to.equal(true);
  });

  it('/delegate: the delegate approves in the approver place, once', async () => {
    h = await Harness.start({ policy: quickRouting() });
    const key = await file(h, facts('prod-erp'));
    expect(h.comments(key)[0]).to.include('Risk: HIGH');
    await h.fake.commentAs('acc-alice', key, '/delegate @Olga Outsider until 2099-01-01');
    await h.settle();
    expect(
      h.comments(key).some((c) => c.includes('delegated their approval of this request to *Olga Outsider*')),
    ).to.equal(true);
    await h.fake.transitionAs('acc-olga', key, 'Approved');
    await h.settle();
    expect(h.comments(key).some((c) => c.includes('Olga Outsider (for Alice Approver)'))).to.equal(true);
    await h.fake.transitionAs('acc-alice', key, 'Approved');
    await h.settle();
    expect(h.comments(key).some((c) => c.includes('Alice Approver has already approved'))).to.equal(true);
    await h.fake.transitionAs('acc-bob', key, 'Approved');
    await h.settle();
    expect(h.fake.statusOf(key)).to.equal('Access granted');
  });

  it('an unanswered request reminds the approvers, then the fallback group joins and can approve', async () => {
    h = await Harness.start({ policy: quickRouting() });
    const key = await file(h, facts('reporting-db'));
    // Carl (client-owners) is no IT approver yet.
    await h.fake.transitionAs('acc-carl', key, 'Approved');
    await h.settle();
    expect(h.comments(key).some((c) => c.includes('is not an approver this request still needs'))).to.equal(true);
    await eventually(
      () => expect(h.comments(key).some((c) => c.includes('Approval escalated'))).to.equal(true),
      10_000,
    );
    await h.settle();
    const texts = h.comments(key);
    expect(texts.some((c) => c.includes('Reminder: approval still needed'))).to.equal(true);
    expect(texts.find((c) => c.includes('Approval escalated'))).to.include(
      'group credential-approvers or group client-owners',
    );
    await h.fake.transitionAs('acc-carl', key, 'Approved');
    await h.settle();
    expect(h.fake.statusOf(key)).to.equal('Access granted');
  });
});
