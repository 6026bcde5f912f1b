import { z } from 'zod';
import { FACT_NAMES } from '../../src/domain/request';
import { parseDuration } from '../../src/policy/parse-duration';
import { envSettings } from '../kit/env-settings';

/**
 * The `jira:` section of the config file. Status and field names are configuration because every
 * Jira workflow names them differently. Secrets come from the environment (see `jiraFromEnv`).
 */
export const jiraConfigSchema = z
  .object({
    baseUrl: z.url({ message: 'expected the Jira site URL, e.g. https://your-site.atlassian.net' }).optional(),
    email: z.string().min(1).optional(),
    apiToken: z.string().min(1).optional(),
    personalAccessToken: z.string().min(1).optional(),
    webhookSecret: z.string().min(16, 'expected at least 16 characters').optional(),
    automation: z
      .object({
        header: z
          .string()
          .regex(/^[A-Za-z0-9-]+$/, 'expected an HTTP header name')
          .default('X-Credgate-Token'),
        secret: z.string().min(16, 'expected at least 16 characters').optional(),
      })
      .strict()
      .default({ header: 'X-Credgate-Token' }),
    flavor: z.enum(['cloud', 'datacenter']).default('cloud'),
    commentFormat: z.enum(['wiki', 'adf']).default('wiki'),
    projects: z.array(z.string().min(1)).default([]),
    issueTypes: z.array(z.string().min(1)).default([]),
    fields: z
      .partialRecord(
        z.enum(FACT_NAMES as [string, ...string[]]),
        z.string().regex(/^(customfield_\d+|[a-z]+)$/, 'expected a field id such as customfield_10050'),
      )
      .default({}),
    statuses: z
      .object({
        awaitingInfo: z.string().min(1).default('Waiting for requester'),
        pendingApproval: z.string().min(1).default('Pending approval'),
        approved: z.string().min(1).default('Approved'),
        declined: z.string().min(1).default('Declined'),
        granted: z.string().min(1).default('Access granted'),
        revoked: z.string().min(1).default('Access revoked'),
        expired: z.string().min(1).default('Declined'),
        /** Where a ticket goes when every retry of its revocation failed (people must act). */
        revocationFailed: z.string().min(1).default('Revocation failed'),
        closed: z.array(z.string().min(1)).default(['Done', 'Closed', 'Resolved', 'Cancelled']),
      })
      .strict()
      .prefault({}),
    /**
     * Jira Service Management (readme, section 5). `approvals`: JSM's native approval decisions count as
     * approvals, judged like transitions. `internalComments`: credgate's comments are internal notes
     * the customer never sees. Both off by default: plain Jira has neither.
     */
    serviceManagement: z
      .object({
        approvals: z.boolean().default(false),
        internalComments: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    /** Approver groups as a configured list (group → account ids) instead of Jira's own groups. */
    groupMembers: z.record(z.string(), z.array(z.string())).optional(),
    groupCacheTtl: z
      .string()
      .refine((s) => parseDuration(s) !== null, 'expected a duration such as "5m"')
      .default('5m'),
    requestTimeout: z
      .string()
      .refine((s) => parseDuration(s) !== null, 'expected a duration such as "10s"')
      .default('10s'),
  })
  .strict();

export type JiraConfig = z.infer<typeof jiraConfigSchema>;

/** Secrets and site settings from the environment; they override the file. */
export function jiraFromEnv(env: Record<string, string | undefined>): Record<string, unknown> {
  const out = envSettings(env, {
    baseUrl: 'JIRA_BASE_URL',
    email: 'JIRA_EMAIL',
    apiToken: 'JIRA_API_TOKEN',
    personalAccessToken: 'JIRA_PAT',
    webhookSecret: 'JIRA_WEBHOOK_SECRET',
  });
  if (env.JIRA_AUTOMATION_SECRET) out.automation = { secret: env.JIRA_AUTOMATION_SECRET };
  return out;
}

export const JIRA_ENABLE_HINT =
  'set JIRA_BASE_URL, JIRA_EMAIL and JIRA_API_TOKEN (or JIRA_PAT for Data Center) and JIRA_WEBHOOK_SECRET to enable Jira';

export const isJiraConfigured = (c: JiraConfig): boolean => Boolean(c.baseUrl && (c.apiToken || c.personalAccessToken));
