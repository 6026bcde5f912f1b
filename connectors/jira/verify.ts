import { createHmac } from 'node:crypto';
import type { InboundDelivery } from '../types';
import { header, safeEqual } from '../kit';
import { CredgateError } from '../../src/util/errors';
import type { JiraConfig } from './schema';

/**
 * Jira Cloud signs admin webhooks that have a secret with `X-Hub-Signature: sha256=<hex HMAC>` over
 * the raw body (https://developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks).
 * Jira Automation's "Send web request" cannot sign, so an operator may instead configure a shared
 * secret header for it. With neither configured, nothing is accepted.
 */
export function verifyJiraDelivery(
  delivery: InboundDelivery,
  config: Pick<JiraConfig, 'webhookSecret' | 'automation'>,
): void {
  const signature = header(delivery.headers, 'x-hub-signature');
  if (config.webhookSecret && signature !== undefined) {
    const expected = 'sha256=' + createHmac('sha256', config.webhookSecret).update(delivery.rawBody).digest('hex');
    if (safeEqual(signature.trim().toLowerCase(), expected)) return;
    throw new CredgateError('auth', 'the X-Hub-Signature does not match the body: check the webhook secret');
  }
  const automationSecret = config.automation.secret;
  const token = header(delivery.headers, config.automation.header);
  if (automationSecret && token !== undefined) {
    if (safeEqual(token, automationSecret)) return;
    throw new CredgateError('auth', `the ${config.automation.header} header does not match the configured secret`);
  }
  if (!config.webhookSecret && !automationSecret) {
    throw new CredgateError(
      'auth',
      'no Jira webhook secret is configured, so no delivery is accepted: set JIRA_WEBHOOK_SECRET',
    );
  }
  throw new CredgateError('auth', 'the delivery is not signed: expected an X-Hub-Signature header');
}
