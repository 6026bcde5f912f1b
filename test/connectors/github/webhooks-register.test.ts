import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'chai';
import { createGithubConnector } from '../../../connectors/github';
import { githubConfigSchema } from '../../../connectors/github/schema';
import { runChecks } from '../../../src/doctor/run-checks';
import { createLogger } from '../../../src/util/logger';
import { FakeGitHub } from '../../fakes/github/fake-github';

const ROOT = resolve(__dirname, '../../..');
const TOKEN = 'ghp_registerTestToken0123456789';
const READER = 'ghp_readerTestToken0123456789';
const SECRET = 'github-webhook-secret-0123456789';
const PUBLIC_URL = 'https://credgate.example.com';
const REPOS = ['acme/access-requests', 'acme/vendor-access'];

/** The CLI, spawned without blocking this process (the fake answers from its event loop). */
function cli(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/credgate.js'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (status) => done({ status, stdout, stderr }));
  });
}

describe('credgate webhooks register github, and the doctor checks of GitHub', function () {
  this.timeout(60_000);
  let fake: FakeGitHub;
  let apiUrl: string;
  let env: Record<string, string>;

  beforeEach(async () => {
    fake = new FakeGitHub({
      users: [{ login: 'credgate-bot', name: 'credgate' }, { login: 'rita' }],
      orgs: ['acme'],
      repositories: REPOS.map((fullName) => ({ fullName, collaborators: { 'credgate-bot': 'admin', rita: 'read' } })),
      tokens: { [TOKEN]: 'credgate-bot', [READER]: 'rita' },
      // The published description in test/fixtures/openapi has no hooks operations yet: the fake's own checks judge them.
      prism: false,
    });
    apiUrl = await fake.start();
    const dir = mkdtempSync(join(tmpdir(), 'credgate-hooks-'));
    writeFileSync(join(dir, 'credgate.yaml'), JSON.stringify({ github: { repositories: REPOS } }));
    env = {
      CREDGATE_CONFIG: join(dir, 'credgate.yaml'),
      GITHUB_API_URL: apiUrl,
      GITHUB_TOKEN: TOKEN,
      GITHUB_WEBHOOK_SECRET: SECRET,
      CREDGATE_PUBLIC_URL: PUBLIC_URL,
    };
  });
  afterEach(async () => {
    await fake.stop();
  });

  it('creates a hook on each repository, and a second run updates it instead of adding another', async () => {
    const first = await cli(env, 'webhooks', 'register', 'github');
    expect(first.status, first.stderr).to.equal(0);
    expect(first.stdout).to.match(
      /acme\/access-requests: created hook \d+ → https:\/\/credgate\.example\.com\/webhooks\/github/,
    );
    expect(first.stdout).to.match(/acme\/vendor-access: created hook \d+/);
    for (const repo of REPOS) {
      const hooks = fake.hooksOf(repo);
      expect(hooks).to.have.length(1);
      expect(hooks[0]).to.deep.include({ active: true, events: ['issues', 'issue_comment'] });
      expect(hooks[0]?.config).to.deep.equal({
        url: `${PUBLIC_URL}/webhooks/github`,
        content_type: 'json',
        insecure_ssl: '0',
        secret: SECRET,
      });
    }
    const id = fake.hooksOf(REPOS[0] as string)[0]?.id;

    // The secret rotated: run again, the same hook takes the new one.
    const second = await cli({ ...env, GITHUB_WEBHOOK_SECRET: `${SECRET}-rotated` }, 'webhooks', 'register', 'github');
    expect(second.status, second.stderr).to.equal(0);
    expect(second.stdout).to.include(`acme/access-requests: updated hook ${id}`);
    for (const repo of REPOS) {
      expect(fake.hooksOf(repo), 'no duplicate hook').to.have.length(1);
      expect(fake.hooksOf(repo)[0]?.config.secret).to.equal(`${SECRET}-rotated`);
    }
    expect(fake.violations).to.deep.equal([]);
    expect(first.stdout + second.stdout + first.stderr + second.stderr).not.to.include(SECRET);
  });

  it('says how to set the webhook up by hand where it cannot register one, and exits 2', async () => {
    const jiraEnv = { ...env, JIRA_BASE_URL: 'http://127.0.0.1:9', JIRA_EMAIL: 'bot@example.com', JIRA_API_TOKEN: 'x' };
    const jira = await cli(jiraEnv, 'webhooks', 'register', 'jira');
    expect(jira.status).to.equal(2);
    expect(jira.stderr).to.include(
      `credgate cannot register jira webhooks itself yet: set one up to ${PUBLIC_URL}/webhooks/jira as connectors/jira/readme.md describes`,
    );
    const unknown = await cli(env, 'webhooks', 'register', 'jirra');
    expect(unknown.status).to.equal(1);
    expect(unknown.stderr).to.include('unknown connector "jirra"');
  });

  describe('doctor', () => {
    const checksWith = (overrides: Record<string, unknown>, publicUrl: string | undefined = PUBLIC_URL) => {
      const config = githubConfigSchema.parse({
        apiUrl,
        token: TOKEN,
        webhookSecret: SECRET,
        repositories: REPOS,
        ...overrides,
      });
      const connector = createGithubConnector(config, {
        log: createLogger({ level: 'silent' }),
        now: () => Date.now(),
      });
      return runChecks(connector.checks?.({ approverGroups: [], publicUrl }) ?? []);
    };
    const byName = async (overrides: Record<string, unknown> = {}, publicUrl?: string) =>
      Object.fromEntries((await checksWith(overrides, publicUrl)).map((r) => [r.name, r]));

    it('passes auth, permissions and webhook once the hooks are registered', async () => {
      expect((await cli(env, 'webhooks', 'register', 'github')).status).to.equal(0);
      const r = await byName({}, PUBLIC_URL);
      expect(r['github.auth']).to.include({ ok: true, message: 'signed in as credgate-bot' });
      expect(r['github.permissions']?.ok, r['github.permissions']?.message).to.equal(true);
      expect(r['github.webhook']?.ok, r['github.webhook']?.message).to.equal(true);
    });

    it('github.auth fails for a token GitHub refuses', async () => {
      const r = await byName({ token: 'ghp_revoked000000000000000' }, PUBLIC_URL);
      expect(r['github.auth']?.ok).to.equal(false);
      expect(r['github.auth']?.fix).to.include('GITHUB_TOKEN');
    });

    it('github.permissions fails when the bot only reads a repository', async () => {
      const r = await byName({ token: READER }, PUBLIC_URL);
      expect(r['github.permissions']?.ok).to.equal(false);
      expect(r['github.permissions']?.message).to.include('rita has the read role on acme/access-requests');
    });

    it('github.webhook fails while a repository has no hook to server.publicUrl, or an inactive one', async () => {
      let r = await byName({}, PUBLIC_URL);
      expect(r['github.webhook']?.ok).to.equal(false);
      expect(r['github.webhook']?.message).to.include(
        `acme/access-requests has no webhook to ${PUBLIC_URL}/webhooks/github`,
      );
      expect(r['github.webhook']?.fix).to.include('credgate webhooks register github');
      expect((await cli(env, 'webhooks', 'register', 'github')).status).to.equal(0);
      const hook = fake.hooksOf('acme/vendor-access')[0];
      if (hook) hook.active = false;
      r = await byName({}, PUBLIC_URL);
      expect(r['github.webhook']?.message).to.equal(
        `the webhook of acme/vendor-access to ${PUBLIC_URL}/webhooks/github is inactive`,
      );
    });
  });
});
