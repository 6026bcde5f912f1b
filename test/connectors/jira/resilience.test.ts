import { expect } from 'chai';
import { Harness, eventually } from '../../helpers/harness';
import { countComments } from '../../helpers/ticket-checks';

const LOW = [
  'Target systems: reporting-db',
  'Account: svc_reports',
  'Access: read-only',
  'Justification: monthly report run',
  'Duration: 2h',
].join('\n');

describe('resilience to a ticketing system that misbehaves', function () {
  this.timeout(30_000);
  let h: Harness;
  afterEach(async () => {
    expect(h.fake.violations).to.deep.equal([]);
    await h.stop();
  });

  it('honours Retry-After on 429 before calling again', async () => {
    h = await Harness.start();
    const before = h.fake.requests.length;
    // The read-back: on a busy machine the connector's start (GET myself) may come later.
    h.fake.failNext(1, 429, { 'Retry-After': '1' }, { method: 'GET', path: /\/issue\// });
    const { key } = await h.fake.createIssue('acc-requester', {
      project: 'CRED',
      issueType: 'Credential request',
      summary: 's',
      description: LOW,
    });
    await eventually(() => expect(h.fake.statusOf(key)).to.equal('Pending approval'));
    const reads = h.fake.requests.slice(before).filter((r) => r.method === 'GET' && /\/issue\//.test(r.path));
    const [limited, next] = reads;
    expect(limited.status).to.equal(429);
    expect(next.at - limited.at).to.be.at.least(1000);
  });

  it('an outage delays every owed call; when Jira returns each goes out once, in order per ticket', async () => {
    h = await Harness.start();
    const keys: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { key } = await h.fake.createIssue('acc-requester', {
        project: 'CRED',
        issueType: 'Credential request',
        summary: `s${i}`,
        description: LOW,
      });
      keys.push(key);
    }
    await h.settle();
    h.fake.failNext(30, 503, { 'Retry-After': '0' });
    for (const key of keys) await h.fake.transitionAs('acc-alice', key, 'Approved');
    await eventually(() => keys.forEach((k) => expect(h.fake.statusOf(k)).to.equal('Access granted')), 20_000);
    await h.settle();
    for (const key of keys) {
      const texts = h.comments(key);
      expect(texts.map((t) => t.split('\n')[0].replace(/ cg-.*| until .*/, ''))).to.deep.equal([
        'h4. Credential request',
        'h4. Access granted',
      ]);
      expect(countComments(h.fake, key, 'Access granted until')).to.equal(1);
    }
  });

  it('reconciliation repairs a missed approval webhook and a missed close', async () => {
    h = await Harness.start({ config: { reconcile: { interval: '300ms' } } });
    const { key } = await h.fake.createIssue('acc-requester', {
      project: 'CRED',
      issueType: 'Credential request',
      summary: 's',
      description: LOW,
    });
    await h.settle();
    // Webhooks stop arriving (Jira gave up, a firewall changed...): the approval is only in Jira.
    h.fake.setWebhook({ url: 'http://127.0.0.1:9/unreachable', secret: 'x'.repeat(16) });
    await h.fake.transitionAs('acc-alice', key, 'Approved');
    await eventually(() => expect(h.fake.statusOf(key)).to.equal('Access granted'));
    await h.fake.transitionAs('acc-requester', key, 'Done');
    await eventually(async () => {
      const texts = h.comments(key);
      expect(texts.at(-1)).to.include('Access was revoked before its expiry');
    });
  });
});
