import { z } from 'zod';
import { FACT_NAMES } from '../../src/domain/request';
import { parseDuration } from '../../src/policy/parse-duration';
import { envSettings } from '../kit';

const duration = (example: string) =>
  z.string().refine((s) => parseDuration(s) !== null, `expected a duration such as "${example}"`);
const cfName = z.string().min(1, 'expected the name of an RT custom field, e.g. "Target systems"');

/**
 * The `rt:` section of the config file. Status names are those of the queue's lifecycle
 * (connectors/rt/credgate-lifecycle.pm ships one with these defaults). Secrets come from the
 * environment (see `rtFromEnv`).
 */
export const rtConfigSchema = z
  .object({
    /** RT's web root, e.g. https://rt.example.com or https://example.com/rt (REST 2.0 is under it). */
    baseUrl: z.url({ message: 'expected the URL of RT, e.g. https://rt.example.com' }).optional(),
    /** An auth token of credgate's RT user (Logged in as → Settings → Auth Tokens). */
    token: z.string().min(1).optional(),
    webhookSecret: z.string().min(16, 'expected at least 16 characters').optional(),
    /** credgate's RT user name; read from the token's owner at start when not set. */
    user: z.string().min(1).optional(),
    /** The queues credgate serves; tickets elsewhere are none of its business. */
    queues: z.array(z.string().min(1)).min(1, 'expected at least one queue name').default(['Credential request']),
    /** A custom field whose value is the ticket's type for the policy; unset: the queue's name. */
    typeField: cfName.optional(),
    /** Fact → custom field holding it; facts are also read as "Label: value" lines. */
    fields: z.partialRecord(z.enum(FACT_NAMES as [string, ...string[]]), cfName).default({}),
    statuses: z
      .object({
        awaitingInfo: z.string().min(1).default('awaiting info'),
        pendingApproval: z.string().min(1).default('pending approval'),
        approved: z.string().min(1).default('approved'),
        declined: z.string().min(1).default('declined'),
        granted: z.string().min(1).default('access granted'),
        revoked: z.string().min(1).default('access revoked'),
        expired: z.string().min(1).default('expired'),
        revocationFailed: z.string().min(1).default('revocation failed'),
        closed: z.array(z.string().min(1)).default(['resolved', 'rejected', 'deleted']),
      })
      .strict()
      .prefault({}),
    /**
     * How credgate writes, per audience: `comment` is internal (staff with ShowTicketComments),
     * `correspond` is a reply RT mails to the requestors.
     */
    replies: z
      .object({
        requester: z.enum(['comment', 'correspond']).default('correspond'),
        agents: z.enum(['comment', 'correspond']).default('comment'),
      })
      .strict()
      .prefault({}),
    /** Approver groups as a configured list (group → RT user names or emails) instead of RT groups. */
    groupMembers: z.record(z.string(), z.array(z.string())).optional(),
    groupCacheTtl: duration('5m').default('5m'),
    requestTimeout: duration('10s').default('10s'),
  })
  .strict();

export type RtConfig = z.infer<typeof rtConfigSchema>;

/** Secrets and site settings from the environment; they override the file. */
export const rtFromEnv = (env: Record<string, string | undefined>): Record<string, unknown> =>
  envSettings(env, { baseUrl: 'RT_BASE_URL', token: 'RT_TOKEN', webhookSecret: 'RT_WEBHOOK_SECRET', user: 'RT_USER' });

export const RT_ENABLE_HINT = 'set RT_BASE_URL, RT_TOKEN and RT_WEBHOOK_SECRET to enable Request Tracker';

export const isRtConfigured = (c: RtConfig): boolean => Boolean(c.baseUrl && c.token);

/** RT's web root without a trailing slash. */
export const rtBaseUrl = (c: Pick<RtConfig, 'baseUrl'>): string => (c.baseUrl ?? '').replace(/\/+$/, '');
