import { z } from 'zod';
import { FACT_NAMES } from '../../src/domain/request';
import { parseDuration } from '../../src/policy/parse-duration';
import { envSettings } from '../kit/env-settings';

const fieldId = z
  .union([z.number().int().positive(), z.string().regex(/^\d+$/)], {
    message: 'expected a Zendesk ticket field id, e.g. 360001234567',
  })
  .transform(String);
const duration = (example: string) =>
  z.string().refine((s) => parseDuration(s) !== null, `expected a duration such as "${example}"`);

/**
 * The `zendesk:` section of the config file. Zendesk's ticket statuses (new, open, pending, hold,
 * solved, closed) cannot say "approved", so the approval decision lives in a drop-down custom
 * field (`approvalField`); `statuses` names the field's option values (tags) for each workflow
 * position, and `statuses.closed` the Zendesk ticket statuses that close a request. Secrets come
 * from the environment (see `zendeskFromEnv`).
 */
export const zendeskConfigSchema = z
  .object({
    subdomain: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/i, 'expected your Zendesk subdomain, e.g. "acme" for acme.zendesk.com')
      .optional(),
    baseUrl: z.url({ message: 'expected the Zendesk URL, e.g. https://acme.zendesk.com' }).optional(),
    email: z.string().min(1).optional(),
    apiToken: z.string().min(1).optional(),
    webhookSecret: z.string().min(16, 'expected the webhook signing secret (at least 16 characters)').optional(),
    /** How far a delivery's signature timestamp may be from credgate's clock (replay protection). */
    maxSkew: duration('5m').default('5m'),
    /** Id of the drop-down ticket field "Credential approval" the approvers set. */
    approvalField: fieldId.optional(),
    /** Ticket forms credgate serves (ids); empty = every form. The form's name is the ticket's issue type. */
    ticketForms: z.array(fieldId).default([]),
    fields: z.partialRecord(z.enum(FACT_NAMES as [string, ...string[]]), fieldId).default({}),
    statuses: z
      .object({
        awaitingInfo: z.string().min(1).default('cg_awaiting_info'),
        pendingApproval: z.string().min(1).default('cg_pending_approval'),
        approved: z.string().min(1).default('cg_approved'),
        declined: z.string().min(1).default('cg_declined'),
        granted: z.string().min(1).default('cg_granted'),
        revoked: z.string().min(1).default('cg_revoked'),
        expired: z.string().min(1).default('cg_expired'),
        /** Zendesk ticket statuses (not field values) that close a request. */
        closed: z.array(z.enum(['new', 'open', 'pending', 'hold', 'solved', 'closed'])).default(['solved', 'closed']),
      })
      .strict()
      .prefault({}),
    /**
     * How comments meant for the requester are posted: `private` notes (requesters who are agents
     * see them; the default, so nothing is emailed) or `public` replies (end-users only see
     * those). Bookkeeping for agents (approvals recorded, refusals, failures) is always private.
     */
    requesterComments: z.enum(['private', 'public']).default('private'),
    /** Approver groups as a configured list (group name → user ids or emails) instead of Zendesk groups. */
    groupMembers: z.record(z.string(), z.array(z.string())).optional(),
    groupCacheTtl: duration('5m').default('5m'),
    requestTimeout: duration('10s').default('10s'),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (isZendeskConfigured(c) && !c.approvalField) {
      ctx.addIssue({
        code: 'custom',
        path: ['approvalField'],
        message: 'expected the id of the "Credential approval" drop-down field (see connectors/zendesk/readme.md)',
      });
    }
    if (isZendeskConfigured(c) && !c.email) {
      ctx.addIssue({
        code: 'custom',
        path: ['email'],
        message: 'expected the email of the Zendesk agent whose API token credgate uses (ZENDESK_EMAIL)',
      });
    }
  });

export type ZendeskConfig = z.infer<typeof zendeskConfigSchema>;

/** Secrets and site settings from the environment; they override the file. */
export function zendeskFromEnv(env: Record<string, string | undefined>): Record<string, unknown> {
  return envSettings(env, {
    subdomain: 'ZENDESK_SUBDOMAIN',
    baseUrl: 'ZENDESK_BASE_URL',
    email: 'ZENDESK_EMAIL',
    apiToken: 'ZENDESK_API_TOKEN',
    webhookSecret: 'ZENDESK_WEBHOOK_SECRET',
  });
}

export const ZENDESK_ENABLE_HINT =
  'set ZENDESK_SUBDOMAIN (or ZENDESK_BASE_URL), ZENDESK_EMAIL, ZENDESK_API_TOKEN and ZENDESK_WEBHOOK_SECRET, and zendesk.approvalField, to enable Zendesk';

export const isZendeskConfigured = (c: Pick<ZendeskConfig, 'baseUrl' | 'subdomain' | 'apiToken'>): boolean =>
  Boolean((c.baseUrl || c.subdomain) && c.apiToken);

/** The API's origin: ZENDESK_BASE_URL wins (proxies, tests), else https://<subdomain>.zendesk.com. */
export const zendeskBaseUrl = (c: Pick<ZendeskConfig, 'baseUrl' | 'subdomain'>): string =>
  (c.baseUrl ?? `https://${c.subdomain}.zendesk.com`).replace(/\/+$/, '');
