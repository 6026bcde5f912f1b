import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import pino from 'pino';
import { createGithubConnector } from '../../../connectors/github';
import { githubConfigSchema, type GithubConfig } from '../../../connectors/github/schema';
import type { Connector } from '../../../connectors/types';
import { FakeGitHub } from '../../fakes/github/fake-github';
import { formBody, startFakeGithub, GITHUB_DRIVER_SETTINGS as S } from '../../conformance/drivers/github';

const log = pino({ level: 'silent' });
const ref = (n: number) => ({ connector: 'github', id: `${S.REPO}#${n}`, key: `${S.REPO}#${n}` });
const FACTS = { 'Target systems': 'db', Account: 'svc', Access: 'read', Justification: 'report', Duration: '1h' };

describe('github connector against the fake GitHub', () => {
  let fake: FakeGitHub;
  let connector: Connector;
  const make = (over: Record<string, unknown> = {}): Connector =>
    createGithubConnector(
      githubConfigSchema.parse({
        apiUrl: fake.baseUrl,
        token: S.TOKEN,
        repositories: [S.REPO],
        approverTeams: { 'credential-approvers': 'acme/credential-approvers' },
        ...over,
      }) as GithubConfig,
      { log, now: Date.now },
    );

  beforeEach(async () => {
    fake = startFakeGithub();
    await fake.start();
    connector = make();
    await connector.start?.();
    await fake.openIssue('rita', S.REPO, { title: 'Access', body: formBody(FACTS), labels: ['credential-request'] });
    fake.clearRecords();
  });
  afterEach(async () => {
    expect(fake.violations).to.deep.equal([]);
    await fake.stop();
  });

  it('reads the ticket back: form facts, reporter, position; null when out of scope, gone or not served', async () => {
    const snap = await connector.fetchTicket(ref(1));
    expect(snap?.mappedFacts).to.deep.equal({
      systems: 'db',
      account: 'svc',
      access: 'read',
      justification: 'report',
      duration: '1h',
    });
    expect(snap).to.deep.include({
      position: 'other',
      issueType: 'Credential request',
      reporter: { id: 'rita', displayName: 'rita' },
    });
    expect(await connector.fetchTicket(ref(9))).to.equal(null);
    await fake.openIssue('rita', S.REPO, { title: 'Printer is broken', body: 'help' });
    expect(await connector.fetchTicket(ref(2))).to.equal(null);
    expect(await connector.fetchTicket({ connector: 'github', id: 'other/repo#1', key: 'other/repo#1' })).to.equal(
      null,
    );
  });

  it('setStatus swaps credgate labels, is a no-op when there, and closes ended requests', async () => {
    await connector.setStatus(ref(1), 'pending-approval');
    expect(fake.labels(`${S.REPO}#1`)).to.deep.equal(['credential-request', 'credgate: pending approval']);
    fake.clearRecords();
    await connector.setStatus(ref(1), 'pending-approval');
    expect(fake.requests.map((r) => r.method)).to.deep.equal(['GET']);
    await connector.setStatus(ref(1), 'granted');
    expect(fake.labels(`${S.REPO}#1`)).to.deep.equal(['credential-request', 'credgate: access granted']);
    expect(fake.issueState(`${S.REPO}#1`).state).to.equal('open');
    await connector.setStatus(ref(1), 'revoked');
    expect(fake.labels(`${S.REPO}#1`)).to.deep.equal(['credential-request', 'credgate: access revoked']);
    expect(fake.issueState(`${S.REPO}#1`)).to.deep.equal({ state: 'closed', reason: 'completed' });
    await fake.openIssue('rita', S.REPO, { title: 'Access 2', body: formBody(FACTS), labels: ['credential-request'] });
    await connector.setStatus(ref(2), 'expired');
    expect(fake.issueState(`${S.REPO}#2`)).to.deep.equal({ state: 'closed', reason: 'not_planned' });
    // No label for "approved" unless configured: nothing to do.
    fake.clearRecords();
    await connector.setStatus(ref(2), 'approved');
    expect(fake.requests).to.deep.equal([]);
  });

  it('reads history: /approve, /deny, closes; its own changes are marked', async () => {
    await connector.setStatus(ref(1), 'pending-approval');
    await fake.commentAs('alice', `${S.REPO}#1`, '/approve');
    await fake.commentAs('bob', `${S.REPO}#1`, '/deny expired contract');
    await fake.closeAs('rita', `${S.REPO}#1`);
    const changes = await connector.fetchStatusChanges(ref(1));
    expect(changes.map((c) => [c.actor.id, c.position, c.bySelf])).to.deep.equal([
      [S.SELF, 'pending-approval', true],
      ['alice', 'approved', false],
      ['bob', 'declined', false],
      ['rita', 'closed', false],
    ]);
  });

  it('finds a comment by its marker, through Markdown escapes and word joiners', async () => {
    await connector.postComment(
      ref(1),
      '#### Access granted\n\n_credgate · request cg\\-abc · ref cg\\-abc/7 · @\u2060x_',
    );
    expect(await connector.hasComment(ref(1), 'cg-abc/7')).to.equal(true);
    expect(await connector.hasComment(ref(1), 'cg-abc/8')).to.equal(false);
  });

  it('resolves groups from teams (active members only) and repository roles, and caches them', async () => {
    const c = make({ repositoryPermissions: { 'repo-maintainers': { repository: S.REPO, permission: 'maintain' } } });
    expect(await c.groupsOf({ id: 'alice', displayName: 'alice' })).to.deep.equal([
      'credential-approvers',
      'repo-maintainers',
    ]);
    expect(await c.groupsOf({ id: 'olga', displayName: 'olga' })).to.deep.equal([]);
    fake.clearRecords();
    expect(await c.groupsOf({ id: 'alice', displayName: 'alice' })).to.deep.equal([
      'credential-approvers',
      'repo-maintainers',
    ]);
    expect(fake.requests, 'cached').to.deep.equal([]);
    const listed = make({ groupMembers: { 'credential-approvers': ['Olga'] } });
    expect(await listed.groupsOf({ id: 'olga', displayName: 'olga' })).to.deep.equal(['credential-approvers']);
  });

  it('lists open tickets in credgate positions for reconciliation', async () => {
    await connector.setStatus(ref(1), 'pending-approval');
    await fake.openIssue('rita', S.REPO, { title: 'Access 2', body: formBody(FACTS), labels: ['credential-request'] });
    await connector.setStatus(ref(2), 'expired');
    expect(
      await connector.listOpenTickets?.(['pending-approval', 'granted', 'approved', 'awaiting-info']),
    ).to.deep.equal([ref(1)]);
  });

  it('ignores deliveries caused by its own account (read from GET /user)', async () => {
    const own = Buffer.from(JSON.stringify(fake.issuesPayload(`${S.REPO}#1`, 'labeled', S.SELF)));
    const parsed = connector.parse({
      rawBody: own,
      headers: { 'x-github-event': 'issues', 'x-github-delivery': 'd-1' },
    });
    expect(parsed).to.deep.equal({ deliveryId: 'd-1', tickets: [], ignored: 'caused by credgate itself' });
  });
});

describe('github connector as a GitHub App', () => {
  it('acts as "<slug>[bot]" and uses the installation named by deliveries', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const fake = startFakeGithub({
      tokens: {},
      app: { id: 99, slug: 'credgate-app', publicKey, installations: [{ id: 5, account: 'acme' }] },
    });
    const apiUrl = await fake.start();
    await fake.openIssue('rita', S.REPO, { title: 'Access', body: formBody(FACTS), labels: ['credential-request'] });
    const connector = createGithubConnector(
      githubConfigSchema.parse({
        apiUrl,
        appId: '99',
        privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        repositories: [S.REPO],
      }),
      { log, now: Date.now },
    );
    await connector.start?.();
    const payload = fake.issuesPayload(`${S.REPO}#1`, 'edited', 'rita');
    expect(payload.installation).to.deep.include({ id: 5 });
    connector.parse({ rawBody: Buffer.from(JSON.stringify(payload)), headers: { 'x-github-event': 'issues' } });
    await connector.setStatus(ref(1), 'pending-approval');
    expect(fake.events(`${S.REPO}#1`).at(-1)).to.deep.equal({
      actor: 'credgate-app[bot]',
      event: 'labeled',
      label: 'credgate: pending approval',
    });
    const own = connector.parse({
      rawBody: Buffer.from(JSON.stringify(fake.issuesPayload(`${S.REPO}#1`, 'labeled', 'credgate-app[bot]'))),
      headers: { 'x-github-event': 'issues' },
    });
    expect(own.ignored).to.equal('caused by credgate itself');
    expect(fake.requests.some((r) => r.route === 'apps/get-repo-installation')).to.equal(false);
    expect(fake.violations).to.deep.equal([]);
    await fake.stop();
  });
});
