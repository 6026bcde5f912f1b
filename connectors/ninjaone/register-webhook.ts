import { CredgateError } from '../../src/util/errors';
import type { NinjaoneClient, WebhookConfiguration } from './client';
import type { NinjaoneConfig } from './schema';

/** The ticket activities credgate wants: a ticket created, a ticket changed (status, comment, fields). */
export const TICKET_ACTIVITIES = { NINJA_TICKETING: ['NINJA_TICKETING_TICKET_CREATED', 'NINJA_TICKETING_UPDATED'] };

/**
 * What `credgate ninjaone register-webhook` sends with PUT /v2/webhook: credgate's URL, the ticket
 * activity filter, the organization filter, and the secret in the custom header NinjaOne sends
 * back with every notification (it signs nothing).
 */
export function webhookConfiguration(config: NinjaoneConfig, publicUrl: string): WebhookConfiguration {
  if (!config.webhookSecret)
    throw new CredgateError('config', 'set NINJAONE_WEBHOOK_SECRET first (generate one with: openssl rand -base64 32)');
  const url = `${publicUrl.replace(/\/+$/, '')}/webhooks/ninjaone`;
  if (!/^https:\/\//.test(url) && !/^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(url))
    throw new CredgateError(
      'config',
      `the webhook URL must be https (the secret header travels with every delivery): ${url}`,
    );
  return {
    url,
    activities: TICKET_ACTIVITIES,
    headers: [{ name: config.webhookHeader, value: config.webhookSecret }],
    ...(config.organizations.length ? { organizationIds: config.organizations } : {}),
  };
}

export async function registerNinjaoneWebhook(
  config: NinjaoneConfig,
  client: NinjaoneClient,
  publicUrl: string,
): Promise<string> {
  const webhook = webhookConfiguration(config, publicUrl);
  await client.configureWebhook(webhook);
  return webhook.url;
}
