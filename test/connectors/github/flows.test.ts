import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { FakeGitHub, type FakeGithubOptions, type WebhookTarget } from '../../fakes/github/fake-github';
import { ServiceUnderTest } from '../../conformance/service-under-test';
import type { VendorFake } from '../../conformance/driver';
import { quickPolicy } from '../../helpers/policy';
import { eventually, readable } from '../../helpers/harness';
import { formBody, startFakeGithub, GITHUB_DRIVER_SETTINGS as S } from '../../conformance/drivers/github';

const FACTS = {
  'Target systems': 'reporting-db',
  Account: 'svc_reports',
  Access: 'read-only',
  Justification: 'monthly report run',
  Duration: '1h',
};
const TEAMS = { 'credential-approvers': 'acme/credential-approvers' };

interface Running {
  fake: FakeGitHub;
  sut: ServiceUnderTest;
  ticket: string;
  /** credgate's comments, as people read them. */
  said(): string[];
}

/** A credgate on the fake GitHub with one request filed and pending approval. */
async function running(
  opts: {
    fake?: Partial<FakeGithubOptions>;
    env?: Record<string, string>;
    config?: Record<string, unknown>;
    webhook?: Partial<WebhookTarget>;
    self?: string;
  } = {},
): Promise<Running> {
  const fake = startFakeGithub(opts.fake);
  const url = await fake.start();
  const vendor = {
    env: { GITHUB_API_URL: url, GITHUB_WEBHOOK_SECRET: S.WEBHOOK_SECRET, ...(opts.env ?? { GITHUB_TOKEN: S.TOKEN }) },
    config: { github: { repositories: [S.REPO], approverTeams: TEAMS, ...opts.config } },
    setWebhook: (hook: string) => fake.setWebhook({ url: hook, secret: S.WEBHOOK_SECRET, ...opts.webhook }),
  } as unknown as VendorFake;
  const sut = await ServiceUnderTest.start(vendor, 'github', quickPolicy());
  const self = opts.self ?? S.SELF;
  const { ticket } = await fake.openIssue('rita', S.REPO, {
    title: 'Access to the reporting database',
    body: formBody(FACTS),
    labels: ['credential-request'],
  });
  await eventually(() => expect(fake.labels(ticket)).to.include('credgate: pending approval'));
  await sut.settle();
  return {
    fake,
    sut,
    ticket,
    said: () =>
      fake
        .comments(ticket)
        .filter((c) => c.user === self)
        .map((c) => readable(c.body)),
  };
}

async function done(r: Running): Promise<void> {
  await r.sut.settle();
  await r.fake.idle();
  const logs = r.sut.logs.join('');
  expect(r.fake.violations, 'calls GitHub would reject').to.deep.equal([]);
  expect(logs).not.to.include(S.TOKEN);
  expect(logs).not.to.include(S.WEBHOOK_SECRET);
  await r.sut.stop();
  await r.fake.stop();
}

describe('github flows through credgate', function () {
  this.timeout(30_000);

  it('/deny <reason> by an approver declines the request; nothing is granted', async () => {
    const r = await running();
    await r.fake.commentAs('alice', r.ticket, '/deny the vendor contract has ended');
    await eventually(() => expect(r.said().some((c) => c.includes('Request declined'))).to.equal(true));
    expect(r.said().some((c) => c.includes('Access granted'))).to.equal(false);
    await done(r);
  });

  it('a person putting a credgate label on is reverted and told why', async () => {
    const r = await running();
    await r.fake.labelAs('olga', r.ticket, 'credgate: access granted');
    await eventually(() =>
      expect(r.said().some((c) => c.includes('only credgate moves a ticket to "credgate: access granted"'))).to.equal(
        true,
      ),
    );
    await r.sut.settle();
    expect(r.fake.labels(r.ticket)).to.deep.equal(['credential-request', 'credgate: pending approval']);
    await done(r);
  });

  it("an approval by someone outside the approver team is refused; a team member's is granted", async () => {
    const r = await running();
    await r.fake.commentAs('olga', r.ticket, '/approve');
    await eventually(() => expect(r.said().some((c) => c.includes('olga is not an approver'))).to.equal(true));
    await r.fake.commentAs('bob', r.ticket, '/approve');
    await eventually(() => expect(r.fake.labels(r.ticket)).to.include('credgate: access granted'));
    await done(r);
  });

  it('closing the issue while access is granted revokes it at once', async () => {
    const r = await running();
    await r.fake.commentAs('alice', r.ticket, '/approve');
    await eventually(() => expect(r.fake.labels(r.ticket)).to.include('credgate: access granted'));
    await r.sut.settle();
    await r.fake.closeAs('rita', r.ticket);
    await eventually(() =>
      expect(r.said().some((c) => c.includes('Access was revoked before its expiry'))).to.equal(true),
    );
    await done(r);
  });

  it('ignores the webhooks its own comments and labels cause (GitHub sends them too)', async () => {
    const r = await running({ fake: { echoOwnEvents: true } });
    await r.fake.commentAs('alice', r.ticket, '/approve');
    await eventually(() => expect(r.fake.labels(r.ticket)).to.include('credgate: access granted'));
    await r.sut.settle();
    await r.fake.idle();
    const own = r.fake.deliveries.filter(
      (d) => (d.payload as { sender?: { login?: string } }).sender?.login === S.SELF,
    );
    expect(own.length).to.be.greaterThan(2);
    for (const d of own)
      expect(JSON.parse(d.body)).to.deep.include({ status: 'ignored', reason: 'caused by credgate itself' });
    expect(r.said().filter((c) => c.includes('Access granted'))).to.have.length(1);
    await done(r);
  });

  it('runs as a GitHub App with form-encoded deliveries: installation token, "[bot]" identity, approval granted', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const r = await running({
      fake: {
        tokens: {},
        echoOwnEvents: true,
        app: { id: 31337, slug: 'credgate', publicKey, installations: [{ id: 808, account: 'acme' }] },
      },
      // As an environment variable, a PEM often has its newlines written as "\n".
      env: { GITHUB_APP_ID: '31337', GITHUB_PRIVATE_KEY: pem.replace(/\n/g, '\\n') },
      webhook: { contentType: 'form' },
      self: 'credgate[bot]',
    });
    expect(r.said()[0]).to.include('Credential request cg-');
    await r.fake.commentAs('alice', r.ticket, '/approve');
    await eventually(() => expect(r.fake.labels(r.ticket)).to.include('credgate: access granted'));
    await r.sut.settle();
    expect(r.fake.installationTokensIssued).to.equal(1);
    expect(
      r.fake.requests.some((x) => x.route === 'apps/get-repo-installation'),
      'the installation came from the delivery',
    ).to.equal(false);
    expect(r.sut.logs.join('')).not.to.include('PRIVATE KEY');
    await done(r);
  });
});
