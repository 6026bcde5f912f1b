import { expect } from 'chai';
import { Harness } from '../../helpers/harness';
import { CHANGELOG_EXPAND_LIMIT } from '../../fakes/jira/jira-render';

const LOW = [
  'Target systems: reporting-db',
  'Account: svc_reports',
  'Access: read-only',
  'Justification: monthly report run',
  'Duration: 2h',
].join('\n');

/** What credgate asked Jira for since `from`: "GET /rest/api/2/issue/10001 expand=changelog fields=…". */
const callsSince = (h: Harness, from: number) =>
  h.fake.requests.slice(from).map((r) => ({ op: r.operationId ?? `${r.method} ${r.path}`, query: r.query }));

async function file(h: Harness): Promise<string> {
  const { key } = await h.fake.createIssue('acc-requester', {
    project: 'CRED',
    issueType: 'Credential request',
    summary: 'Access to the reporting database',
    description: LOW,
  });
  await h.settle();
  return key;
}

describe('Jira REST calls per delivery (counted in the fake)', function () {
  this.timeout(30_000);
  let h: Harness;
  afterEach(async () => {
    await h?.stopChecked();
  });

  it('reads an updated ticket with one GET: fields, comments and changelog together', async () => {
    h = await Harness.start();
    const key = await file(h);
    const from = h.fake.requests.length;
    await h.fake.editAs('acc-requester', key, { labels: ['urgent'] });
    await h.settle();
    const calls = callsSince(h, from);
    expect(calls.map((c) => c.op)).to.deep.equal(['getIssue']);
    const query = calls[0].query;
    expect(String(query.expand)).to.equal('changelog');
    const fields = String(query.fields).split(',');
    expect(fields).to.include.members(['summary', 'description', 'status', 'reporter', 'comment']);
    expect(fields).to.not.include('*all');
  });

  it('files a new ticket in four calls: the read, the comment, the status with its transitions, the move', async () => {
    h = await Harness.start();
    await h.service.idle();
    const from = h.fake.requests.length;
    const key = await file(h);
    expect(h.fake.statusOf(key)).to.equal('Pending approval');
    expect(h.comments(key)).to.have.length(1);
    // getCurrentUser is the connector's start, once per process, not per ticket.
    const calls = callsSince(h, from).filter((c) => c.op !== 'getCurrentUser');
    expect(calls.map((c) => c.op)).to.deep.equal(['getIssue', 'addComment', 'getIssue', 'doTransition']);
    expect(String(calls[2].query.expand)).to.equal('transitions');
  });

  it('pages the changelog only when Jira left histories out of the expansion', async () => {
    h = await Harness.start();
    const key = await file(h);
    // More histories than the expansion holds: the approval is the newest, so it is in the first page,
    // but credgate must still see the whole history (older transitions it has not judged).
    for (let i = 0; i < CHANGELOG_EXPAND_LIMIT; i++) await h.fake.editAs('acc-requester', key, { labels: [`l${i}`] });
    await h.settle();
    const from = h.fake.requests.length;
    await h.fake.transitionAs('acc-alice', key, 'Approved');
    await h.settle();
    const ops = callsSince(h, from).map((c) => c.op);
    expect(ops.slice(0, 2)).to.deep.equal(['getIssue', 'getChangeLogs']);
    expect(h.fake.statusOf(key)).to.equal('Access granted');
  });
});
