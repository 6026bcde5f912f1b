import type { InboundDelivery } from '../types';
import { header } from '../kit';
import { CredgateError } from '../../src/util/errors';
import type { GithubConfig } from './schema';

type WebhooksModule = typeof import('@octokit/webhooks');

// @octokit/webhooks is ESM-only and its own imports resolve under the "import" condition only, so
// it is loaded with a native dynamic import (a require() through tsx's CommonJS hook cannot resolve
// @octokit/webhooks-methods). Loaded once, on the first delivery.
let loading: Promise<WebhooksModule> | null = null;
const loadWebhooks = (): Promise<WebhooksModule> => (loading ??= import('@octokit/webhooks'));

/**
 * GitHub signs each delivery of a webhook that has a secret with
 * `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`
 * (https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries); @octokit/webhooks
 * computes and compares it in constant time. The legacy SHA-1 `X-Hub-Signature` is not accepted.
 * Returns the check for one configured secret; with none, nothing is accepted.
 */
export function createGithubVerifier(
  config: Pick<GithubConfig, 'webhookSecret'>,
): (delivery: InboundDelivery) => Promise<void> {
  const secret = config.webhookSecret;
  let webhooks: InstanceType<WebhooksModule['Webhooks']> | null = null;
  return async (delivery) => {
    if (!secret)
      throw new CredgateError(
        'auth',
        'no GitHub webhook secret is configured, so no delivery is accepted: set GITHUB_WEBHOOK_SECRET',
      );
    const signature = header(delivery.headers, 'x-hub-signature-256')?.trim();
    if (!signature) {
      throw new CredgateError(
        'auth',
        header(delivery.headers, 'x-hub-signature')
          ? 'the delivery is signed with SHA-1 only (X-Hub-Signature); credgate requires X-Hub-Signature-256'
          : 'the delivery is not signed: expected an X-Hub-Signature-256 header (set a secret on the webhook)',
      );
    }
    // The library verifies a string; a body that does not survive UTF-8 decoding is not what was signed.
    const payload = delivery.rawBody.toString('utf8');
    if (!Buffer.from(payload, 'utf8').equals(delivery.rawBody))
      throw new CredgateError('auth', 'the body is not UTF-8, so its signature cannot be checked');
    if (!webhooks) webhooks = new (await loadWebhooks()).Webhooks({ secret });
    if (!(payload.length > 0 && (await webhooks.verify(payload, signature)))) {
      throw new CredgateError('auth', 'the X-Hub-Signature-256 does not match the body: check the webhook secret');
    }
  };
}
