import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { githubConfigSchema, githubFromEnv, isGithubConfigured } from '../../../connectors/github/schema';
import { loadConfig } from '../../../src/config/load-config';

const pem = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs1', format: 'pem' })
  .toString();

describe('github config', () => {
  it('reads GITHUB_* variables; a PEM with "\\n" escapes becomes a PEM again', () => {
    const env = githubFromEnv({
      GITHUB_API_URL: 'https://ghe.example.com/api/v3',
      GITHUB_APP_ID: '123',
      GITHUB_PRIVATE_KEY: pem.replace(/\n/g, '\\n'),
      GITHUB_INSTALLATION_ID: '9',
      GITHUB_WEBHOOK_SECRET: 'a-webhook-secret-16+',
    });
    const config = githubConfigSchema.parse(env);
    expect(config).to.deep.include({
      apiUrl: 'https://ghe.example.com/api/v3',
      appId: '123',
      installationId: 9,
      privateKey: pem,
    });
    expect(isGithubConfigured(config)).to.equal(true);
    expect(isGithubConfigured(githubConfigSchema.parse({}))).to.equal(false);
    expect(isGithubConfigured(githubConfigSchema.parse({ token: 't' }))).to.equal(true);
  });

  it('has the defaults the readme documents', () => {
    const c = githubConfigSchema.parse({});
    expect(c.apiUrl).to.equal('https://api.github.com');
    expect(c.requestLabel).to.equal('credential-request');
    expect(c.labels).to.deep.equal({
      awaitingInfo: 'credgate: awaiting info',
      pendingApproval: 'credgate: pending approval',
      declined: 'credgate: declined',
      granted: 'credgate: access granted',
      revoked: 'credgate: access revoked',
      expired: 'credgate: expired',
      revocationFailed: 'credgate: revocation failed',
    });
  });

  it('names the bad key, and never echoes a private key', () => {
    const load = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (err) {
        return (err as Error).message;
      }
      return '';
    };
    const broken = `-----BEGIN RSA PRIVATE KEY-----\nnot-a-key-${'x'.repeat(40)}\n-----END RSA PRIVATE KEY-----`;
    const message = load({ GITHUB_APP_ID: '1', GITHUB_PRIVATE_KEY: broken });
    expect(message).to.include('github.privateKey: expected the GitHub App private key in PEM format');
    expect(message).not.to.include('not-a-key');
    expect(load({ GITHUB_APP_ID: '1' })).to.include('github.privateKey: GitHub App authentication needs both');
    expect(load({ GITHUB_TOKEN: 't', GITHUB_WEBHOOK_SECRET: 'short' })).to.include(
      'github.webhookSecret: expected at least 16 characters',
    );
    const problem = (input: unknown) =>
      githubConfigSchema
        .safeParse(input)
        .error?.issues.map((i) => i.message)
        .join('; ');
    expect(problem({ labels: { granted: 'a, b' } })).to.equal('a label name cannot contain ","');
    expect(problem({ repositories: ['not a repo'] })).to.equal('expected "owner/repo"');
    expect(problem({ approverTeams: { approvers: 'just-a-team' } })).to.include('org/team-slug');
  });

  it('collects the token, webhook secret and private key as secrets the logger scrubs', () => {
    const config = loadConfig({
      GITHUB_TOKEN: 'ghp_secretTokenValue',
      GITHUB_WEBHOOK_SECRET: 'webhook-secret-value-1',
      GITHUB_APP_ID: '5',
      GITHUB_PRIVATE_KEY: pem,
    });
    expect(config.secrets).to.include.members(['ghp_secretTokenValue', 'webhook-secret-value-1', pem]);
  });
});
