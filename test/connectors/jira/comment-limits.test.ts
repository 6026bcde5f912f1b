import { expect } from 'chai';
import { Harness } from '../../helpers/harness';

const request = (justification: string) =>
  [
    'Target systems: vpn-gateway',
    'Account: vpn_admin',
    'Access: admin',
    `Justification: ${justification}`,
    'Duration: 2h',
  ].join('\n');

describe('requester text and Jira comment limits', function () {
  this.timeout(60_000);
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start();
  });
  afterEach(() => h.stopChecked());

  it('shortens a 40,000-character justification to fit Jira, and says so on the ticket', async () => {
    const justification = `${'need to rebuild the firewall rules '.repeat(1150)}END-OF-TEXT`;
    expect(justification.length).to.be.above(40_000);
    const { key } = await h.fake.createIssue('acc-requester', {
      project: 'CRED',
      issueType: 'Credential request',
      summary: 'VPN admin access',
      description: request(justification),
    });
    await h.settle();
    const [received] = h.comments(key);
    expect(received, 'the request comment was posted').to.include('Credential request');
    expect(received.length).to.be.below(32_767);
    expect(received).to.include('need to rebuild the firewall rules');
    expect(received).to.include(`shortened by credgate: ${justification.length} characters in all`);
    expect(received).not.to.include('END-OF-TEXT');
    expect((await h.requestOf(key)).state).to.equal('pending-approval');
  });

  it('a comment Jira refuses for good is audited and followed by a short note saying so', async () => {
    h.fake.failNext(1, 400, {}, { method: 'POST', path: /\/comment$/ });
    const { key } = await h.fake.createIssue('acc-requester', {
      project: 'CRED',
      issueType: 'Credential request',
      summary: 'VPN admin access',
      description: request('firewall change'),
    });
    await h.settle();
    const comments = h.comments(key);
    expect(comments, comments.join('\n---\n')).to.have.length(1);
    expect(comments[0]).to.include('credgate could not post its "request-received" comment');
    const failed = [];
    for await (const e of h.service.audit.entries()) if (e.action === 'effect-failed') failed.push(e);
    expect(failed.map((e) => e.outcome)).to.deep.equal(['comment']);
    // The fake's planned 400 is not a contract violation of credgate's: forget it before the checks.
    h.fake.violations.length = 0;
  });
});
