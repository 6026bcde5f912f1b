import { expect } from 'chai';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGithubVerifier } from '../../../connectors/github/verify';
import { CredgateError } from '../../../src/util/errors';

const FIXTURES = join(__dirname, '../../fixtures/github');
const SECRET = 'gh-webhook-secret-3c9d1e7a5b';
const hmac = (algo: 'sha1' | 'sha256', secret: string, body: Buffer) =>
  `${algo}=${createHmac(algo, secret).update(body).digest('hex')}`;

async function refusal(p: Promise<void>): Promise<CredgateError> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(CredgateError);
    expect((err as CredgateError).kind).to.equal('auth');
    return err as CredgateError;
  }
  throw new Error('expected the delivery to be refused');
}

describe('github signature verification (@octokit/webhooks verify)', () => {
  it("accepts GitHub's documented test vector (validating-webhook-deliveries)", async () => {
    // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
    const verify = createGithubVerifier({ webhookSecret: "It's a Secret to Everybody" });
    await verify({
      rawBody: Buffer.from('Hello, World!'),
      headers: { 'x-hub-signature-256': 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17' },
    });
  });

  it('accepts a real delivery signed over its raw bytes, and refuses it once a byte changes', async () => {
    const verify = createGithubVerifier({ webhookSecret: SECRET });
    const body = readFileSync(join(FIXTURES, 'issue_comment.created.json'));
    await verify({
      rawBody: body,
      headers: { 'x-hub-signature-256': hmac('sha256', SECRET, body), 'x-hub-signature': hmac('sha1', SECRET, body) },
    });
    const tampered = Buffer.from(body.toString('utf8').replace('totally right', 'totally wrong'));
    const err = await refusal(
      verify({ rawBody: tampered, headers: { 'x-hub-signature-256': hmac('sha256', SECRET, body) } }),
    );
    expect(err.message).to.include('does not match');
  });

  it('refuses a wrong secret, a missing signature and a SHA-1-only signature, saying which', async () => {
    const verify = createGithubVerifier({ webhookSecret: SECRET });
    const body = readFileSync(join(FIXTURES, 'issues.opened.json'));
    expect(
      (
        await refusal(
          verify({ rawBody: body, headers: { 'x-hub-signature-256': hmac('sha256', `${SECRET}-old`, body) } }),
        )
      ).message,
    ).to.include('check the webhook secret');
    expect((await refusal(verify({ rawBody: body, headers: {} }))).message).to.include(
      'expected an X-Hub-Signature-256',
    );
    expect(
      (await refusal(verify({ rawBody: body, headers: { 'x-hub-signature': hmac('sha1', SECRET, body) } }))).message,
    ).to.include('SHA-1');
    expect(
      (await refusal(verify({ rawBody: body, headers: { 'x-hub-signature-256': 'sha256=' } }))).message,
    ).to.include('does not match');
  });

  it('refuses everything when no secret is configured, and bodies that are not UTF-8', async () => {
    const body = readFileSync(join(FIXTURES, 'issues.opened.json'));
    expect(
      (
        await refusal(
          createGithubVerifier({})({ rawBody: body, headers: { 'x-hub-signature-256': hmac('sha256', SECRET, body) } }),
        )
      ).message,
    ).to.include('GITHUB_WEBHOOK_SECRET');
    const latin1 = Buffer.from([0x7b, 0xe9, 0x7d]);
    expect(
      (
        await refusal(
          createGithubVerifier({ webhookSecret: SECRET })({
            rawBody: latin1,
            headers: { 'x-hub-signature-256': hmac('sha256', SECRET, latin1) },
          }),
        )
      ).message,
    ).to.include('UTF-8');
  });

  it('never puts the secret in an error message', async () => {
    const body = Buffer.from('{}');
    const err = await refusal(
      createGithubVerifier({ webhookSecret: SECRET })({
        rawBody: body,
        headers: { 'x-hub-signature-256': 'sha256=00' },
      }),
    );
    expect(err.message).not.to.include(SECRET);
  });
});
