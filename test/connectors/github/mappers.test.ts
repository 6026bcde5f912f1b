import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  commandOf,
  formFacts,
  inScope,
  issueAddress,
  parseWebhook,
  snapshotFromWebhook,
  ticketRef,
  toSnapshot,
  toStatusChanges,
} from '../../../connectors/github/mappers';
import { labelFor, positionOfIssue, positionOfLabel } from '../../../connectors/github/positions';
import { githubConfigSchema } from '../../../connectors/github/schema';
import type { GithubComment, GithubIssue, GithubIssueEvent } from '../../../connectors/github/types';
import { CredgateError } from '../../../src/util/errors';

const FIXTURES = join(__dirname, '../../fixtures/github');
const raw = (name: string) => readFileSync(join(FIXTURES, name));
const json = (name: string) => JSON.parse(raw(name).toString('utf8'));
/** The real examples are about Codertocat/Hello-World issues labelled "bug": in scope with this config. */
const config = githubConfigSchema.parse({ requestLabel: 'bug' });
const labels = config.labels;
const headers = (event: string, delivery = '72d3162e-cc78-11e3-81ab-4c9367dc0958') => ({
  event,
  delivery,
  contentType: 'application/json',
});

describe('github mappers on real deliveries (@octokit/webhooks examples)', () => {
  for (const [file, event] of [
    ['issues.opened.json', 'issues'],
    ['issues.opened.null-body.json', 'issues'],
    ['issues.labeled.json', 'issues'],
    ['issue_comment.created.json', 'issue_comment'],
  ]) {
    it(`${file}: names the issue it concerns, keyed by X-GitHub-Delivery`, () => {
      const parsed = parseWebhook(raw(file), headers(event), null, config);
      expect(parsed.deliveryId).to.equal('72d3162e-cc78-11e3-81ab-4c9367dc0958');
      expect(parsed.tickets).to.deep.equal([
        { connector: 'github', id: 'codertocat/hello-world#1', key: 'Codertocat/Hello-World#1' },
      ]);
    });
  }

  it('a null issue body (opened.with-empty-body) is an empty description, not an error', () => {
    const snapshot = snapshotFromWebhook(json('issues.opened.null-body.json'), config);
    expect(snapshot?.description).to.equal('');
    expect(snapshot?.mappedFacts).to.deep.equal({});
  });

  it('maps the example issue: reporter by login, labels, project, url, position', () => {
    const snapshot = snapshotFromWebhook(json('issues.labeled.json'), config);
    expect(snapshot).to.include({
      summary: 'Spelling error in the README file',
      project: 'Codertocat/Hello-World',
      issueType: 'Credential request',
      position: 'other',
      status: 'open',
    });
    expect(snapshot?.url).to.equal('https://github.com/Codertocat/Hello-World/issues/1');
    expect(snapshot?.reporter).to.deep.equal({ id: 'Codertocat', displayName: 'Codertocat' });
    expect(snapshot?.labels).to.deep.equal(['bug']);
  });

  it('ignores what is not its business: other events, actions, repositories, pull requests, credgate itself', () => {
    const ignored = (body: Buffer, event: string, self: string | null = null, cfg = config) =>
      parseWebhook(body, headers(event), self, cfg).ignored;
    expect(ignored(Buffer.from('{"zen":"Design for failure.","hook_id":1}'), 'ping')).to.equal(
      'event ping is not handled',
    );
    const assigned = { ...json('issues.labeled.json'), action: 'assigned' };
    expect(ignored(Buffer.from(JSON.stringify(assigned)), 'issues')).to.equal('issues.assigned is not handled');
    expect(ignored(raw('issues.opened.json'), 'issues', 'codertocat')).to.equal('caused by credgate itself');
    expect(
      ignored(
        raw('issues.opened.json'),
        'issues',
        null,
        githubConfigSchema.parse({ requestLabel: 'bug', repositories: ['acme/access'] }),
      ),
    ).to.equal('repository Codertocat/Hello-World is not configured');
    expect(ignored(raw('issues.opened.json'), 'issues', null, githubConfigSchema.parse({}))).to.equal(
      'not a credential request',
    );
    const pr = json('issue_comment.created.json');
    pr.issue.pull_request = { url: 'https://api.github.com/repos/Codertocat/Hello-World/pulls/1' };
    expect(ignored(Buffer.from(JSON.stringify(pr)), 'issue_comment')).to.equal('a pull request, not an issue');
  });

  it('reads form-encoded deliveries (payload=...) and digests the body when there is no delivery id', () => {
    const body = Buffer.from(new URLSearchParams({ payload: raw('issues.opened.json').toString('utf8') }).toString());
    const parsed = parseWebhook(
      body,
      { event: 'issues', contentType: 'application/x-www-form-urlencoded' },
      null,
      config,
    );
    expect(parsed.tickets[0].key).to.equal('Codertocat/Hello-World#1');
    expect(parsed.deliveryId).to.match(/^sha256:[0-9a-f]{64}$/);
  });

  it('refuses unreadable bodies as bad input', () => {
    const bad = (body: string, event = 'issues') =>
      expect(() => parseWebhook(Buffer.from(body), headers(event), null, config))
        .to.throw(CredgateError)
        .with.property('kind', 'bad-input');
    bad('not json');
    bad('[1,2]');
    bad('{"action":"opened","repository":{"full_name":"a/b"},"issue":{"number":"1"}}');
    bad('{"action":"opened","repository":{"full_name":{"toString":1}},"issue":{"number":1}}');
    expect(() => parseWebhook(raw('issues.opened.json'), { delivery: 'x' }, null, config)).to.throw('X-GitHub-Event');
  });

  it('names the app installation of a GitHub App delivery', () => {
    const body = { ...json('issues.opened.json'), installation: { id: 42, node_id: 'x' } };
    expect(parseWebhook(Buffer.from(JSON.stringify(body)), headers('issues'), null, config).installationId).to.equal(
      42,
    );
  });
});

describe('github ticket ids', () => {
  it('are lower-case owner/repo#number, and back', () => {
    const ref = ticketRef('Acme/Access-Requests', 12);
    expect(ref).to.deep.equal({ connector: 'github', id: 'acme/access-requests#12', key: 'Acme/Access-Requests#12' });
    expect(issueAddress(ref)).to.deep.equal({ owner: 'acme', repo: 'access-requests', number: 12 });
    expect(() => issueAddress({ connector: 'github', id: '12', key: '12' })).to.throw(CredgateError);
  });
});

describe('github positions', () => {
  it('come from credgate labels and the open/closed state', () => {
    expect(positionOfIssue('open', ['credential-request'], labels)).to.equal('other');
    expect(positionOfIssue('open', ['credential-request', 'credgate: pending approval'], labels)).to.equal(
      'pending-approval',
    );
    expect(positionOfIssue('open', ['CREDGATE: Access Granted'], labels)).to.equal('granted');
    expect(positionOfIssue('closed', ['credgate: access revoked'], labels)).to.equal('revoked');
    // A person closed an open request: closed, whatever label it still carries.
    expect(positionOfIssue('closed', ['credgate: pending approval'], labels)).to.equal('closed');
    // Two labels (someone added one by hand): the order of precedence decides.
    expect(positionOfIssue('open', ['credgate: access granted', 'credgate: pending approval'], labels)).to.equal(
      'pending-approval',
    );
  });

  it('map both ways; "approved" has a label only when configured', () => {
    expect(labelFor('granted', labels)).to.equal('credgate: access granted');
    expect(labelFor('approved', labels)).to.equal(null);
    expect(labelFor('closed', labels)).to.equal(null);
    expect(positionOfLabel('credgate: declined', labels)).to.equal('declined');
    expect(positionOfLabel('bug', labels)).to.equal(null);
    const withApproved = githubConfigSchema.parse({ labels: { approved: 'approved' } }).labels;
    expect(labelFor('approved', withApproved)).to.equal('approved');
  });
});

describe('github approval commands and history', () => {
  const user = (login: string) => ({ login, id: 1, type: 'User' });
  const comment = (id: number, login: string, body: string, at: string): GithubComment => ({
    id,
    user: user(login),
    body,
    created_at: at,
  });
  const event = (id: number, login: string, kind: string, at: string, label?: string): GithubIssueEvent => ({
    id,
    actor: user(login),
    event: kind,
    created_at: at,
    ...(label ? { label: { name: label } } : {}),
  });

  it('reads /approve and /deny <reason> on the first line only', () => {
    expect(commandOf('/approve')).to.deep.equal({ command: 'approve', reason: '' });
    expect(commandOf('\n  /Approve  looks fine\nmore')).to.deep.equal({ command: 'approve', reason: 'looks fine' });
    expect(commandOf('/deny no change ticket')).to.deep.equal({ command: 'deny', reason: 'no change ticket' });
    expect(commandOf('/approved')).to.equal(null);
    expect(commandOf('> /approve')).to.equal(null);
    expect(commandOf('I would /approve this')).to.equal(null);
    expect(commandOf('```\n/approve\n```')).to.equal(null);
    expect(commandOf(null)).to.equal(null);
  });

  it('turns commands, credgate labels added by people and closes into changes, oldest first', () => {
    const comments = [
      comment(11, 'alice', '/approve', '2026-11-25T10:00:05Z'),
      comment(12, 'rita', 'Thanks!', '2026-11-25T10:00:06Z'),
      comment(13, 'bob', '/deny the vendor contract ended', '2026-11-25T10:00:09Z'),
      comment(14, 'credgate-bot', '/approve', '2026-11-25T10:00:10Z'),
    ];
    const events = [
      event(2, 'rita', 'labeled', '2026-11-25T10:00:00Z', 'credential-request'),
      event(3, 'credgate-bot', 'labeled', '2026-11-25T10:00:01Z', 'credgate: pending approval'),
      event(15, 'olga', 'labeled', '2026-11-25T10:00:07Z', 'credgate: access granted'),
      event(16, 'rita', 'closed', '2026-11-25T10:00:09Z'),
      event(17, 'rita', 'reopened', '2026-11-25T10:00:10Z'),
    ];
    const changes = toStatusChanges(comments, events, 'credgate-bot', config);
    expect(changes.map((c) => [c.id, c.actor.id, c.position, c.bySelf])).to.deep.equal([
      ['event-3', 'credgate-bot', 'pending-approval', true],
      ['comment-11', 'alice', 'approved', false],
      ['event-15', 'olga', 'granted', false],
      ['comment-13', 'bob', 'declined', false],
      ['event-16', 'rita', 'closed', false],
      ['comment-14', 'credgate-bot', 'approved', true],
    ]);
    expect(changes.find((c) => c.id === 'comment-13')?.to).to.equal('declined (the vendor contract ended)');
  });
});

describe('github snapshots', () => {
  const issue = (over: Partial<GithubIssue>): GithubIssue => ({
    id: 1,
    number: 7,
    title: 'Access',
    state: 'open',
    labels: [],
    user: { login: 'rita' },
    ...over,
  });
  const formBody = [
    '### Target systems',
    '',
    'crm-prod, crm-reporting',
    '',
    '### Account',
    '',
    'svc_crm_admin',
    '',
    '### Access',
    '',
    'admin',
    '',
    '### Justification',
    '',
    'Vendor upgrade',
    'under CHG-1234',
    '',
    '### Duration',
    '',
    '4h',
    '',
    '### Company',
    '',
    '_No response_',
    '',
    '### Confirmation',
    '',
    '- [x] I have not pasted any password, key, token or other secret into this request.',
  ].join('\n');

  it('reads issue-form answers into mappedFacts; _No response_ is no fact', () => {
    expect(formFacts(formBody, config)).to.deep.equal({
      systems: 'crm-prod, crm-reporting',
      account: 'svc_crm_admin',
      access: 'admin',
      justification: 'Vendor upgrade\nunder CHG-1234',
      duration: '4h',
    });
  });

  it('accepts renamed form headings through github.formFields', () => {
    const cfg = githubConfigSchema.parse({ formFields: { systems: 'Which server?' } });
    expect(formFacts('### Which server?\n\ndb01\n\n### Account\n\nsa', cfg)).to.deep.equal({
      systems: 'db01',
      account: 'sa',
    });
  });

  it('an issue opened from the form is in scope without any label; a plain issue is not', () => {
    const plain = githubConfigSchema.parse({});
    expect(inScope(issue({ body: formBody }), plain)).to.equal(true);
    expect(inScope(issue({ body: 'Target systems: db\nAccount: sa' }), plain)).to.equal(false);
    expect(inScope(issue({ labels: [{ name: 'Credential-Request' }] }), plain)).to.equal(true);
    expect(inScope(issue({ labels: [{ name: 'credgate: expired' }] }), plain)).to.equal(true);
    expect(inScope(issue({ body: formBody, pull_request: {} }), plain)).to.equal(false);
  });

  it("keeps every comment as a reply (the core reads facts from the reporter's only)", () => {
    const snap = toSnapshot(
      issue({ body: formBody, labels: [{ name: 'credgate: pending approval' }] }),
      [{ id: 1, user: { login: 'rita' }, body: 'Duration: 2h', created_at: '2026-11-25T10:00:00Z' }],
      'acme/access',
      config,
    );
    expect(snap.replies).to.deep.equal([
      { id: '1', author: { id: 'rita', displayName: 'rita' }, body: 'Duration: 2h', at: '2026-11-25T10:00:00Z' },
    ]);
    expect(snap).to.include({ position: 'pending-approval', status: 'credgate: pending approval' });
    expect(snap.ref.key).to.equal('acme/access#7');
  });
});
