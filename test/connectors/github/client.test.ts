import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { createGithubClient, type GithubClient } from '../../../connectors/github/client';
import { appJwt } from '../../../connectors/github/app-auth';
import { nextLink } from '../../../connectors/github/http';
import { githubConfigSchema } from '../../../connectors/github/schema';
import { FakeGitHub } from '../../fakes/github/fake-github';
import { failure } from '../../helpers/failure';

const TOKEN = 'ghp_clientTestToken0123456789';
const REPO = { owner: 'acme', repo: 'access-requests' };
const ISSUE = { ...REPO, number: 1 };

/** One clock for the fake and the client, so rate-limit waits and token expiry pass without sleeping. */
function clock() {
  let t = Date.parse('2026-11-25T10:00:00Z');
  return { now: () => t, date: () => new Date(t), advance: (ms: number) => (t += ms) };
}

describe('github client against the fake GitHub', () => {
  let fake: FakeGitHub;
  let client: GithubClient;
  let time: ReturnType<typeof clock>;

  beforeEach(async () => {
    time = clock();
    fake = new FakeGitHub({
      users: [{ login: 'credgate-bot', name: 'credgate' }, { login: 'rita' }, { login: 'alice' }],
      orgs: ['acme'],
      repositories: [
        {
          fullName: 'acme/access-requests',
          collaborators: { 'credgate-bot': 'write', alice: 'maintain', rita: 'read' },
        },
      ],
      teams: [{ org: 'acme', slug: 'credential-approvers', members: ['alice'], pending: ['rita'] }],
      tokens: { [TOKEN]: 'credgate-bot' },
      now: time.date,
    });
    const apiUrl = await fake.start();
    client = createGithubClient(githubConfigSchema.parse({ apiUrl, token: TOKEN }), time.now);
    await fake.openIssue('rita', 'acme/access-requests', {
      title: 'Access',
      body: 'hello',
      labels: ['credential-request'],
    });
  });
  afterEach(async () => {
    await fake.stop();
  });

  it('sends the headers GitHub asks for and reads an issue', async () => {
    const issue = await client.getIssue(ISSUE);
    expect(issue).to.include({ number: 1, title: 'Access', state: 'open' });
    expect((await client.getAuthenticatedUser()).login).to.equal('credgate-bot');
    expect(fake.violations).to.deep.equal([]);
  });

  it('follows Link rel="next" through every page, 100 at a time', async () => {
    for (let i = 0; i < 230; i++) await fake.commentAs('rita', 'acme/access-requests#1', `comment ${i}`);
    fake.clearRecords();
    const comments = await client.listComments(ISSUE);
    expect(comments.map((c) => c.body)).to.deep.equal(Array.from({ length: 230 }, (_, i) => `comment ${i}`));
    expect(fake.requests.map((r) => r.query.page ?? '1')).to.deep.equal(['1', '2', '3']);
    expect(fake.requests.every((r) => r.query.per_page === '100')).to.equal(true);
  });

  it('reads a Link header', () => {
    expect(
      nextLink('<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=5>; rel="last"'),
    ).to.equal('https://api.github.com/x?page=2');
    expect(nextLink('<https://api.github.com/x?page=1>; rel="prev"')).to.equal(null);
    expect(nextLink(undefined)).to.equal(null);
  });

  it('maps statuses once: 404 not-found, 401 auth, 422 permanent, 503 transient with Retry-After', async () => {
    expect((await failure(client.getIssue({ ...REPO, number: 99 }))).kind).to.equal('not-found');
    const bad = createGithubClient(githubConfigSchema.parse({ apiUrl: fake.baseUrl, token: 'ghp_wrong' }), time.now);
    const auth = await failure(bad.getIssue(ISSUE));
    expect(auth.kind).to.equal('auth');
    expect(auth.message).to.include('Bad credentials').and.not.include('ghp_wrong');
    const invalid = await failure(client.createComment(ISSUE, '   '));
    expect(invalid).to.include({ kind: 'permanent' });
    fake.clearRecords();
    fake.failNext(1, 503, { 'Retry-After': '2' });
    const outage = await failure(client.getIssue(ISSUE));
    expect(outage).to.include({ kind: 'transient' });
    expect(outage.details.retryAfterMs).to.equal(2000);
  });

  it('a 404 from the team membership endpoint means "not a member"; a pending invitation is reported as pending', async () => {
    expect(await client.getTeamMembership('acme', 'credential-approvers', 'alice')).to.deep.include({
      state: 'active',
    });
    expect(await client.getTeamMembership('acme', 'credential-approvers', 'rita')).to.deep.include({
      state: 'pending',
    });
    expect(await client.getTeamMembership('acme', 'credential-approvers', 'olga')).to.equal(null);
    expect(await client.getCollaboratorPermission(REPO, 'alice')).to.deep.include({
      permission: 'write',
      role_name: 'maintain',
    });
    expect(await client.getCollaboratorPermission(REPO, 'nobody-here')).to.equal(null);
  });

  it('honours the primary rate limit: waits for x-ratelimit-reset without calling again', async () => {
    fake.exhaustRateLimit(90_000);
    const limited = await failure(client.getIssue(ISSUE));
    expect(limited.kind).to.equal('transient');
    expect(limited.details.retryAfterMs).to.be.within(89_000, 91_000);
    const sent = fake.requests.length;
    const again = await failure(client.listComments(ISSUE));
    expect(again.kind).to.equal('transient');
    expect(fake.requests.length, 'nothing sent while limited').to.equal(sent);
    time.advance(91_000);
    expect((await client.getIssue(ISSUE)).number).to.equal(1);
    expect(fake.violations).to.deep.equal([]);
  });

  it("honours a secondary rate limit's retry-after", async () => {
    fake.secondaryLimitNext(30);
    const limited = await failure(client.getIssue(ISSUE));
    expect(limited).to.include({ kind: 'transient' });
    expect(limited.details.retryAfterMs).to.equal(30_000);
    const sent = fake.requests.length;
    await failure(client.getIssue(ISSUE));
    expect(fake.requests.length).to.equal(sent);
    time.advance(30_500);
    expect((await client.getIssue(ISSUE)).number).to.equal(1);
    expect(fake.violations).to.deep.equal([]);
  });

  it('stops when the budget runs out on a success (x-ratelimit-remaining: 0) until the reset', async () => {
    await fake.stop();
    fake = new FakeGitHub({
      users: [{ login: 'credgate-bot' }, { login: 'rita' }],
      repositories: [{ fullName: 'acme/access-requests', collaborators: { 'credgate-bot': 'write' } }],
      tokens: { [TOKEN]: 'credgate-bot' },
      rateLimit: 2,
      now: time.date,
    });
    client = createGithubClient(githubConfigSchema.parse({ apiUrl: await fake.start(), token: TOKEN }), time.now);
    await fake.openIssue('rita', 'acme/access-requests', { title: 'x' });
    await client.getIssue(ISSUE);
    await client.getIssue(ISSUE);
    const limited = await failure(client.getIssue(ISSUE));
    expect(limited.message).to.include('rate limit');
    expect(fake.requests).to.have.length(2);
    expect(fake.violations).to.deep.equal([]);
  });
});

describe('github client as a GitHub App', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  let fake: FakeGitHub;
  let time: ReturnType<typeof clock>;
  let client: GithubClient;

  beforeEach(async () => {
    time = clock();
    fake = new FakeGitHub({
      users: [{ login: 'rita' }, { login: 'alice' }],
      orgs: ['acme'],
      repositories: [{ fullName: 'acme/access-requests' }],
      teams: [{ org: 'acme', slug: 'credential-approvers', members: ['alice'] }],
      app: { id: 4242, slug: 'credgate', publicKey, installations: [{ id: 77, account: 'acme' }] },
      now: time.date,
    });
    const apiUrl = await fake.start();
    client = createGithubClient(githubConfigSchema.parse({ apiUrl, appId: '4242', privateKey: pem }), time.now);
    await fake.openIssue('rita', 'acme/access-requests', { title: 'Access' });
  });
  afterEach(async () => {
    await fake.stop();
  });

  it('signs an RS256 JWT GitHub accepts (iat 60 s back, exp within 10 minutes, iss the app id)', () => {
    const jwt = appJwt('4242', privateKey, Date.parse('2026-11-25T10:00:00Z'));
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));
    const now = Date.parse('2026-11-25T10:00:00Z') / 1000;
    expect(claims).to.deep.equal({ iat: now - 60, exp: now + 540, iss: 4242 });
    expect(JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString('utf8'))).to.deep.equal({
      alg: 'RS256',
      typ: 'JWT',
    });
  });

  it('finds the installation, exchanges the JWT for an installation token and caches it until shortly before expiry', async () => {
    expect(await client.getAuthenticatedApp()).to.deep.include({ slug: 'credgate' });
    await client.getIssue(ISSUE);
    await client.listComments(ISSUE);
    expect(fake.installationTokensIssued).to.equal(1);
    expect(fake.requests.map((r) => r.route)).to.deep.equal([
      'apps/get-authenticated',
      'apps/get-repo-installation',
      'apps/create-installation-access-token',
      'issues/get',
      'issues/list-comments',
    ]);
    time.advance(56 * 60_000);
    await client.getIssue(ISSUE);
    expect(fake.installationTokensIssued, 'a fresh token 5 minutes before expiry').to.equal(2);
    expect(fake.violations).to.deep.equal([]);
  });

  it('replaces an installation token GitHub refuses (401) once, and uses the installation a delivery named', async () => {
    client.rememberInstallation('acme', 77);
    await client.getIssue(ISSUE);
    expect(fake.requests.some((r) => r.route === 'apps/get-repo-installation')).to.equal(false);
    fake.revokeInstallationTokens();
    fake.clearRecords();
    expect((await client.getIssue(ISSUE)).number).to.equal(1);
    expect(fake.requests.map((r) => `${r.route} ${r.status}`)).to.deep.equal([
      'issues/get 401',
      'apps/create-installation-access-token 201',
      'issues/get 200',
    ]);
  });

  it("reads team memberships with the organization's installation", async () => {
    expect(await client.getTeamMembership('acme', 'credential-approvers', 'alice')).to.deep.include({
      state: 'active',
    });
    expect(fake.requests.map((r) => r.route)).to.include('apps/get-org-installation');
    expect(fake.violations).to.deep.equal([]);
  });
});
