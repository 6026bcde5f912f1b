import { expect } from 'chai';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeGitHub } from './fake-github';
import { appJwt } from '../../../connectors/github/app-auth';

const TOKEN = 'ghp_fakeSelfTest';
const UA = { 'User-Agent': 'test', Accept: 'application/vnd.github+json' };

/**
 * The fake answers like GitHub and records what GitHub would reject: so an e2e test that ends
 * with `violations` empty knows credgate's calls were valid.
 */
describe('fake GitHub', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let fake: FakeGitHub;
  let base: string;
  const call = (method: string, path: string, headers: Record<string, string> = {}, body?: unknown) =>
    fetch(`${base}${path}`, {
      method,
      headers: { ...UA, Authorization: `Bearer ${TOKEN}`, ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });

  beforeEach(async () => {
    fake = new FakeGitHub({
      // These tests pin the fake's own contract checks; Prism's are in prism-validation.test.ts.
      prism: false,
      users: [{ login: 'bot' }, { login: 'rita' }],
      orgs: ['acme'],
      repositories: [{ fullName: 'acme/req', collaborators: { bot: 'write' } }, { fullName: 'acme/secret' }],
      tokens: { [TOKEN]: 'bot' },
      app: { id: 7, slug: 'cg', publicKey, installations: [{ id: 70, account: 'acme' }] },
      rateLimit: 50,
    });
    base = await fake.start();
    await fake.openIssue('rita', 'acme/req', { title: 'x', labels: ['credential-request'] });
  });
  afterEach(() => fake.stop());

  it('requires a User-Agent and a supported API version', async () => {
    expect(
      (await fetch(`${base}/user`, { headers: { Authorization: `Bearer ${TOKEN}`, 'User-Agent': '' } })).status,
    ).to.equal(403);
    expect((await call('GET', '/user', { 'X-GitHub-Api-Version': '2021-01-01' })).status).to.equal(400);
    expect(fake.violations).to.have.length(2);
  });

  it('answers 401 to missing or bad credentials, and to the wrong kind (JWT vs token)', async () => {
    const jwt = appJwt('7', privateKey, Date.now());
    expect(await (await call('GET', '/user', { Authorization: '' })).json()).to.deep.include({
      message: 'Requires authentication',
    });
    expect((await call('GET', '/user', { Authorization: 'token nope' })).status).to.equal(401);
    expect((await call('GET', '/repos/acme/req/issues/1', { Authorization: `Bearer ${jwt}` })).status).to.equal(401);
    expect((await call('GET', '/app')).status).to.equal(401);
    expect((await call('GET', '/app', { Authorization: `Bearer ${jwt}` })).status).to.equal(200);
    const farFuture = appJwt('7', privateKey, Date.now() + 20 * 60_000);
    expect(await (await call('GET', '/app', { Authorization: `Bearer ${farFuture}` })).json()).to.deep.include({
      message: "'Issued at' claim ('iat') must be an Integer representing a time in the past",
    });
    expect(fake.violations).to.have.length(5);
  });

  it("mints installation tokens that only see the installation's account", async () => {
    const jwt = appJwt('7', privateKey, Date.now());
    const res = await call('POST', '/app/installations/70/access_tokens', { Authorization: `Bearer ${jwt}` });
    expect(res.status).to.equal(201);
    const { token, expires_at } = (await res.json()) as { token: string; expires_at: string };
    expect(Date.parse(expires_at) - Date.now()).to.be.within(3_500_000, 3_600_000);
    expect((await call('GET', '/repos/acme/req/issues/1', { Authorization: `token ${token}` })).status).to.equal(200);
    expect(
      (await call('POST', '/app/installations/71/access_tokens', { Authorization: `Bearer ${jwt}` })).status,
    ).to.equal(404);
  });

  it('hides repositories the credential cannot see, and answers 404 to unknown routes and methods', async () => {
    expect((await call('GET', '/repos/acme/secret/issues')).status).to.equal(404);
    expect((await call('GET', '/repos/acme/req/issues/1/nothing')).status).to.equal(404);
    expect((await call('PUT', '/repos/acme/req/issues/1/comments', {}, { body: 'x' })).status).to.equal(404);
    expect(fake.violations.map((v) => v.split(': ').slice(1).join(': '))).to.deep.equal([
      'no such endpoint',
      'method not allowed (allowed: GET, POST)',
    ]);
  });

  it('validates bodies like GitHub (422 Invalid request) and parses JSON strictly (400)', async () => {
    expect((await call('POST', '/repos/acme/req/issues/1/comments', {}, { text: 'hi' })).status).to.equal(422);
    expect((await call('PATCH', '/repos/acme/req/issues/1', {}, { state: 'done' })).status).to.equal(422);
    expect((await call('POST', '/repos/acme/req/issues/1/labels', {}, { labels: [] })).status).to.equal(422);
    expect((await call('POST', '/repos/acme/req/issues/1/comments', {}, '{"body": ')).status).to.equal(400);
    expect(fake.violations).to.have.length(4);
    // Valid calls change state and record events as the credential's account.
    expect(
      (await call('POST', '/repos/acme/req/issues/1/labels', {}, { labels: ['credgate: pending approval'] })).status,
    ).to.equal(200);
    expect((await call('DELETE', '/repos/acme/req/issues/1/labels/nope')).status).to.equal(404);
    expect(
      (await call('PATCH', '/repos/acme/req/issues/1', {}, { state: 'closed', state_reason: 'not_planned' })).status,
    ).to.equal(200);
    expect(fake.events('acme/req#1').slice(1)).to.deep.equal([
      { actor: 'bot', event: 'labeled', label: 'credgate: pending approval' },
      { actor: 'bot', event: 'closed' },
    ]);
  });

  it('pages lists with per_page (max 100) and a Link header', async () => {
    for (let i = 0; i < 5; i++) await fake.commentAs('rita', 'acme/req#1', `c${i}`);
    const res = await call('GET', '/repos/acme/req/issues/1/comments?per_page=2&page=2');
    expect(((await res.json()) as { body: string }[]).map((c) => c.body)).to.deep.equal(['c2', 'c3']);
    expect(res.headers.get('link')).to.include('page=3>; rel="next"').and.include('rel="last"');
  });

  it('sends rate-limit headers and records a client that keeps calling once limited', async () => {
    const res = await call('GET', '/repos/acme/req/issues/1');
    expect(res.headers.get('x-ratelimit-limit')).to.equal('50');
    expect(res.headers.get('x-ratelimit-remaining')).to.equal('49');
    fake.exhaustRateLimit(60_000);
    const limited = await call('GET', '/repos/acme/req/issues/1');
    expect(limited.status).to.equal(403);
    expect(limited.headers.get('x-ratelimit-remaining')).to.equal('0');
    expect(fake.violations).to.deep.equal([]);
    await call('GET', '/repos/acme/req/issues/1');
    expect(fake.violations[0]).to.include('while the primary rate limit was exhausted');
  });

  it("delivers signed webhooks with GitHub's headers; a redelivery keeps the delivery id", async () => {
    const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(202).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    fake.setWebhook({
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
      secret: 's3cret-for-the-fake',
    });
    await fake.openIssue('rita', 'acme/req', { title: 'form', labels: ['credential-request'] });
    await fake.redeliverLast();
    server.close();
    expect(received.map((r) => `${r.headers['x-github-event']}.${JSON.parse(r.body).action}`)).to.deep.equal([
      'issues.opened',
      'issues.labeled',
      'issues.labeled',
    ]);
    const [, labeled, again] = received;
    expect(labeled.headers['x-hub-signature-256']).to.equal(
      `sha256=${createHmac('sha256', 's3cret-for-the-fake').update(labeled.body).digest('hex')}`,
    );
    expect(again.headers['x-github-delivery']).to.equal(labeled.headers['x-github-delivery']);
    expect(JSON.parse(labeled.body).installation).to.deep.include({ id: 70 });
  });
});
