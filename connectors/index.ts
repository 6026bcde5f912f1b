import type { ZodType } from 'zod';
import type { Connector, ConnectorContext } from './types';
import type { TicketSnapshot } from '../src/domain/ticket';
import { CredgateError } from '../src/util/errors';
import { createJiraConnector } from './jira';
import { githubConnector } from './github';
import { zendeskConnector } from './zendesk';
import { genericConnector } from './generic';
import { servicenowConnector } from './servicenow';
import { freshserviceConnector } from './freshservice';
import { ninjaoneConnector } from './ninjaone';
import { rtConnector } from './rt';
import { snapshotFromWebhook } from './jira/mappers';
import { isJiraConfigured, JIRA_ENABLE_HINT, jiraConfigSchema, jiraFromEnv, type JiraConfig } from './jira/schema';

/**
 * Every connector credgate ships, registered by explicit import. The config loader validates each
 * one's section with its schema; the server mounts each configured one at /webhooks/<id>.
 */
export interface ConnectorDefinition<C = unknown> {
  id: string;
  configSchema: ZodType<C>;
  /** Settings and secrets from environment variables, which override the config file. */
  fromEnv(env: Record<string, string | undefined>): Record<string, unknown>;
  isConfigured(config: C): boolean;
  /** Said in the log at start when the connector is not configured. */
  enableHint: string;
  create(config: C, ctx: ConnectorContext): Connector;
  /** The ticket a webhook body describes, read without any API call (for `credgate simulate`). */
  snapshotFromPayload(body: unknown, config: C): TicketSnapshot | null;
}

const jira: ConnectorDefinition<JiraConfig> = {
  id: 'jira',
  configSchema: jiraConfigSchema,
  fromEnv: jiraFromEnv,
  isConfigured: isJiraConfigured,
  enableHint: JIRA_ENABLE_HINT,
  create: createJiraConnector,
  snapshotFromPayload: snapshotFromWebhook,
};

export const CONNECTORS: readonly ConnectorDefinition<never>[] = [
  jira as ConnectorDefinition<never>,
  servicenowConnector as ConnectorDefinition<never>,
  freshserviceConnector as ConnectorDefinition<never>,
  zendeskConnector as ConnectorDefinition<never>,
  genericConnector as ConnectorDefinition<never>,
  githubConnector as ConnectorDefinition<never>,
  ninjaoneConnector as ConnectorDefinition<never>,
  rtConnector as ConnectorDefinition<never>,
];

export function connectorDefinition(id: string): ConnectorDefinition<never> {
  const def = CONNECTORS.find((c) => c.id === id);
  if (!def) {
    throw new CredgateError(
      'not-found',
      `unknown connector "${id}"; known connectors: ${CONNECTORS.map((c) => c.id).join(', ')}`,
    );
  }
  return def;
}
