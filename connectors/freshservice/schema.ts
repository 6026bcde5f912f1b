import { z } from 'zod';
import { FACT_NAMES } from '../../src/domain/request';
import { parseDuration } from '../../src/policy/parse-duration';
import { envSettings } from '../kit/env-settings';

const duration = (example: string) =>
  z.string().refine((s) => parseDuration(s) !== null, `expected a duration such as "${example}"`);
/** A ticket status: Freshservice's numeric id, and the name activities show. */
const status = z.object({ id: z.number().int().positive(), name: z.string().min(1) }).strict();
const agentId = z
  .union([z.string().regex(/^\d+$/, "expected the numeric id of credgate's agent"), z.number().int().positive()])
  .transform(String);

/**
 * The `freshservice:` section of the config file. Statuses are configuration because custom
 * statuses get account-specific ids (Admin → Field Manager → Status). Secrets come from the
 * environment (see `freshserviceFromEnv`).
 */
export const freshserviceConfigSchema = z
  .object({
    /** `acme` or `acme.freshservice.com`; or `baseUrl` for a full URL. */
    domain: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)*$/i, 'expected a domain such as acme or acme.freshservice.com')
      .optional(),
    baseUrl: z.url({ message: 'expected the Freshservice URL, e.g. https://acme.freshservice.com' }).optional(),
    apiKey: z.string().min(1).optional(),
    webhookSecret: z.string().min(16, 'expected at least 16 characters').optional(),
    /** The custom header the workflow's webhook action sends the secret in. */
    webhookHeader: z
      .string()
      .regex(/^[A-Za-z0-9-]+$/, 'expected an HTTP header name')
      .default('X-Credgate-Token'),
    /** credgate's own agent (the API key's owner), so its own changes are recognised. */
    agentId: agentId.optional(),
    /** Or its email, looked up at start. */
    agentEmail: z.email().optional(),
    /** Only tickets of these types ("Incident", "Service Request"); empty: any. */
    types: z.array(z.string().min(1)).default([]),
    /** Only tickets in these categories; empty: any. */
    categories: z.array(z.string().min(1)).default([]),
    /** Fact → ticket field: a built-in (`category`) or a custom field (`cf_target_systems`). */
    fields: z
      .partialRecord(
        z.enum(FACT_NAMES as [string, ...string[]]),
        z.string().regex(/^[a-z][a-z0-9_]*$/, 'expected a field name such as cf_target_systems'),
      )
      .default({}),
    statuses: z
      .object({
        awaitingInfo: status.default({ id: 6, name: 'Waiting for requester' }),
        pendingApproval: status.default({ id: 7, name: 'Pending approval' }),
        approved: status.default({ id: 8, name: 'Approved' }),
        declined: status.default({ id: 9, name: 'Declined' }),
        granted: status.default({ id: 10, name: 'Access granted' }),
        revoked: status.default({ id: 11, name: 'Access revoked' }),
        expired: status.default({ id: 9, name: 'Declined' }),
        closed: z.array(status).default([
          { id: 4, name: 'Resolved' },
          { id: 5, name: 'Closed' },
        ]),
      })
      .strict()
      .prefault({}),
    /** Approver groups as a configured list (group → agent ids or emails) instead of agent groups. */
    groupMembers: z.record(z.string(), z.array(z.string())).optional(),
    groupCacheTtl: duration('5m').default('5m'),
    requestTimeout: duration('10s').default('10s'),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.apiKey && !c.agentId && !c.agentEmail) {
      ctx.addIssue({
        code: 'custom',
        path: ['agentId'],
        message:
          'set FRESHSERVICE_AGENT_ID (or FRESHSERVICE_AGENT_EMAIL) to the agent the API key belongs to: credgate needs it to recognise its own changes',
      });
    }
  });

export type FreshserviceConfig = z.infer<typeof freshserviceConfigSchema>;

/** The API's base URL from `baseUrl` or `domain`. */
export function freshserviceBaseUrl(c: Pick<FreshserviceConfig, 'baseUrl' | 'domain'>): string | null {
  if (c.baseUrl) return c.baseUrl.replace(/\/+$/, '');
  if (!c.domain) return null;
  return `https://${c.domain.includes('.') ? c.domain : `${c.domain}.freshservice.com`}`;
}

/** Secrets and site settings from the environment; they override the file. */
export function freshserviceFromEnv(env: Record<string, string | undefined>): Record<string, unknown> {
  return envSettings(env, {
    domain: 'FRESHSERVICE_DOMAIN',
    baseUrl: 'FRESHSERVICE_BASE_URL',
    apiKey: 'FRESHSERVICE_API_KEY',
    webhookSecret: 'FRESHSERVICE_WEBHOOK_SECRET',
    agentId: 'FRESHSERVICE_AGENT_ID',
    agentEmail: 'FRESHSERVICE_AGENT_EMAIL',
  });
}

export const FRESHSERVICE_ENABLE_HINT =
  'set FRESHSERVICE_DOMAIN (or FRESHSERVICE_BASE_URL), FRESHSERVICE_API_KEY, FRESHSERVICE_AGENT_ID and FRESHSERVICE_WEBHOOK_SECRET to enable Freshservice';

export const isFreshserviceConfigured = (c: FreshserviceConfig): boolean => Boolean(freshserviceBaseUrl(c) && c.apiKey);
