import { expect } from 'chai';
import { Harness, SECRETS } from '../../helpers/harness';

describe('Jira Cloud with Atlassian Document Format comments (REST v3)', function () {
  this.timeout(20_000);
  let h: Harness;
  afterEach(async () => {
    expect(h.fake.violations).to.deep.equal([]);
    for (const secret of Object.values(SECRETS)) expect(h.logs.join('')).not.to.include(secret);
    await h.stop();
  });

  it('posts ADF documents that the v3 contract accepts, with requester text as plain text nodes', async () => {
    h = await Harness.start({ config: { jira: { commentFormat: 'adf' } } });
    const description =
      'Target systems: crm\nAccount: admin\nAccess: read\nJustification: *urgent* [~accountid:acc-alice]\nDuration: 1h';
    const { key } = await h.fake.createIssue('acc-requester', {
      project: 'CRED',
      issueType: 'Credential request',
      summary: 's',
      description,
    });
    await h.settle();
    const [comment] = h.fake.comments(key);
    const doc = comment.body as { type: string; content: { type: string }[] };
    expect(doc.type).to.equal('doc');
    expect(doc.content.map((b) => b.type)).to.include.members(['heading', 'bulletList', 'rule']);
    expect(
      h.fake.requests.some(
        (r) => r.method === 'POST' && r.path.startsWith('/rest/api/3/issue/') && r.path.endsWith('/comment'),
      ),
    ).to.equal(true);
    // The requester's markup arrives as literal text, not as marks or a mention node.
    const json = JSON.stringify(doc);
    expect(json).not.to.include('"mention"');
    expect(h.fake.commentTexts(key)[0].replace(/\u2060/g, '')).to.include(
      'Justification: *urgent* [~accountid:acc-alice]',
    );
  });
});
