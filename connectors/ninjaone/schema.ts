import { z } from 'zod';
import { FACT_NAMES } from '../../src/domain/request';
import { parseDuration } from '../../src/policy/parse-duration';
import { envSettings } from '../kit';

const duration = (example: string) =>
  z.string().refine((s) => parseDuration(s) !== null, `expected a duration such as "${example}"`);

/** NinjaOne's regional instances (https://<region>.ninjarmm.com). */
export const NINJAONE_REGIONS = ['app', 'eu', 'oc', 'ca', 'us2'] as const;
export const NINJAONE_SCOPES = ['monitoring', 'management', 'control'] as const;

/**
 * At least 32 random bytes: 43 characters of base64url (`openssl rand -base64 32` gives 44). NinjaOne
 * signs nothing, so this header value and TLS are all that tell its deliveries from anyone's.
 */
const WEBHOOK_SECRET_MIN = 43;

/**
 * The `ninjaone:` section of the config file. Status names are configuration because every
 * NinjaOne account creates its own (Administration → Ticketing → Statuses); credgate resolves them
 * to status ids through GET /v2/ticketing/statuses.
 */
export const ninjaoneConfigSchema = z
  .object({
    region: z.enum(NINJAONE_REGIONS).default('app'),
    /** A full URL instead of the region's host (a proxy, a test). */
    baseUrl: z.url({ message: 'expected a URL such as https://eu.ninjarmm.com' }).optional(),
    clientId: z.string().min(1).optional(),
    clientSecret: z.string().min(1).optional(),
    scopes: z.array(z.enum(NINJAONE_SCOPES)).min(1).default(['monitoring', 'management', 'control']),
    webhookSecret: z
      .string()
      .min(
        WEBHOOK_SECRET_MIN,
        'expected at least 32 random bytes (43+ characters; generate one with: openssl rand -base64 32)',
      )
      .optional(),
    /** The custom header NinjaOne sends the secret in (configured by `credgate ninjaone register-webhook`). */
    webhookHeader: z
      .string()
      .regex(/^[A-Za-z0-9-]+$/, 'expected an HTTP header name')
      .default('X-Credgate-Token'),
    /** Only tickets of these ticket forms; empty: any. */
    ticketForms: z.array(z.number().int().positive()).default([]),
    /** Only tickets of these organizations (clients); empty: any. Also the webhook's organization filter. */
    organizations: z.array(z.number().int().positive()).default([]),
    /** Fact → ticket attribute id (a ticket form's custom field), read before the description. */
    fields: z.partialRecord(z.enum(FACT_NAMES as [string, ...string[]]), z.number().int().positive()).default({}),
    statuses: z
      .object({
        awaitingInfo: z.string().min(1).default('Awaiting information'),
        pendingApproval: z.string().min(1).default('Pending approval'),
        approved: z.string().min(1).default('Approved'),
        declined: z.string().min(1).default('Declined'),
        granted: z.string().min(1).default('Access granted'),
        revoked: z.string().min(1).default('Access revoked'),
        expired: z.string().min(1).default('Declined'),
        revocationFailed: z.string().min(1).default('Revocation failed'),
        closed: z.array(z.string().min(1)).default(['Resolved', 'Closed']),
      })
      .strict()
      .prefault({}),
    /** The board credgate lists to reconcile after missed deliveries (Ticketing → Boards). */
    boardId: z.number().int().positive().optional(),
    /** Approver groups as a configured list (group → technician uids or emails) instead of NinjaOne roles. */
    groupMembers: z.record(z.string(), z.array(z.string())).optional(),
    /** Comments for requesters are public; set false to keep every comment internal. */
    publicComments: z.boolean().default(true),
    /** A technician's uid under which API changes show, when the API client acts as one. */
    selfUid: z.string().uuid().optional(),
    groupCacheTtl: duration('5m').default('5m'),
    requestTimeout: duration('10s').default('10s'),
  })
  .strict();

export type NinjaoneConfig = z.infer<typeof ninjaoneConfigSchema>;

/** The API's origin: `baseUrl`, or the region's host. */
export function ninjaoneBaseUrl(c: Pick<NinjaoneConfig, 'baseUrl' | 'region'>): string {
  return (c.baseUrl ?? `https://${c.region}.ninjarmm.com`).replace(/\/+$/, '');
}

export function ninjaoneFromEnv(env: Record<string, string | undefined>): Record<string, unknown> {
  return envSettings(env, {
    region: 'NINJAONE_REGION',
    baseUrl: 'NINJAONE_BASE_URL',
    clientId: 'NINJAONE_CLIENT_ID',
    clientSecret: 'NINJAONE_CLIENT_SECRET',
    webhookSecret: 'NINJAONE_WEBHOOK_SECRET',
  });
}

export const NINJAONE_ENABLE_HINT =
  'set NINJAONE_REGION (or NINJAONE_BASE_URL), NINJAONE_CLIENT_ID, NINJAONE_CLIENT_SECRET and NINJAONE_WEBHOOK_SECRET to enable NinjaOne';

export const isNinjaoneConfigured = (c: NinjaoneConfig): boolean => Boolean(c.clientId && c.clientSecret);
