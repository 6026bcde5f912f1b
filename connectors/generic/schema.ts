import { z } from 'zod';
import { FACT_NAMES } from '../../src/domain/request';
import { parseDuration } from '../../src/policy/parse-duration';
import { isJsonPath, JSON_PATH_HINT } from './json-path';
import { checkRequestTemplate } from './request-template';
import { envSettings } from '../kit/env-settings';

const jsonPath = z.string().refine(isJsonPath, JSON_PATH_HINT);
const headerName = z.string().regex(/^[A-Za-z0-9-]+$/, 'expected an HTTP header name');
const duration = (example: string) =>
  z.string().refine((s) => parseDuration(s) !== null, `expected a duration such as "${example}"`);

const POSITIONS = [
  'awaiting-info',
  'pending-approval',
  'approved',
  'declined',
  'granted',
  'revoked',
  'expired',
  'closed',
  'other',
] as const;

/** Every name a request template may use, with sample values to check templates at start. */
export const TEMPLATE_SAMPLE = {
  ticket: { id: '1', key: 'T-1' },
  body: 'a comment',
  markup: 'text',
  audience: 'requester',
  forAgents: false,
  status: 'approved',
  position: 'approved',
  actor: { id: 'u1', displayName: 'A person', email: 'a@example.com' },
};

/** One outbound HTTP request: method, path and body are handlebars templates (see request-template.ts). */
const request = <M extends z.ZodType>(responseMapping: M) =>
  z
    .object({
      method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
      path: z
        .string()
        .startsWith('/', 'expected a path under api.baseUrl starting with /, e.g. /api/tickets/{{ticket.id}}'),
      body: z.string().optional(),
      responseMapping,
    })
    .strict()
    .superRefine((r, ctx) => {
      const pathProblem = checkRequestTemplate(r.path, 'uri', TEMPLATE_SAMPLE);
      if (pathProblem)
        ctx.addIssue({ code: 'custom', path: ['path'], message: `the path template does not render: ${pathProblem}` });
      if (r.body !== undefined) {
        const bodyProblem = checkRequestTemplate(r.body, 'json', TEMPLATE_SAMPLE);
        if (bodyProblem)
          ctx.addIssue({
            code: 'custom',
            path: ['body'],
            message: `the body template does not render to JSON: ${bodyProblem}`,
          });
      }
    });

/** Requests whose answer is read with the top-level paths (or not at all) map nothing themselves. */
const noMapping = z.record(z.string(), jsonPath).default({});

/** How the history answer reads: one item per change. */
const historyMapping = z
  .object({
    items: jsonPath.default('$[*]'),
    id: jsonPath.default('$.id'),
    actor: jsonPath.default('$.actor'),
    to: jsonPath.default('$.to'),
    from: jsonPath.optional(),
    at: jsonPath.default('$.at'),
    /** Keep only items whose value at `filterPath` equals `filterEquals` (e.g. kind = "status"). */
    filterPath: jsonPath.optional(),
    filterEquals: z.string().optional(),
  })
  .strict()
  .prefault({});

/**
 * The `generic:` section: any ticketing system that can POST JSON webhooks and answer a REST API,
 * described entirely by configuration. JSON paths read the webhook body (`deliveryIdPath`,
 * `ticketIdPath`, `ticketKeyPath`, `actorIdPath`, `webhookTicketPath`) and the ticket object
 * (`statusPath`, `summaryPath`... relative to the ticket: getTicket's `responseMapping.ticket`);
 * `api.requests` describe the calls credgate makes.
 */
export const genericConfigSchema = z
  .object({
    /** How the system is named in logs and messages. */
    name: z.string().min(1).default('the ticketing system'),
    baseUrl: z.url({ message: 'expected the API base URL, e.g. https://desk.example.com' }).optional(),
    apiToken: z.string().min(1).optional(),
    webhookSecret: z.string().min(16, 'expected at least 16 characters').optional(),
    markup: z.enum(['text', 'markdown', 'html', 'jira-wiki']).default('text'),
    webhook: z
      .object({
        signatureHeader: headerName.default('X-Signature'),
        algorithm: z.enum(['sha256', 'sha512']).default('sha256'),
        encoding: z.enum(['hex', 'base64']).default('hex'),
        /** Text before the digest in the header, e.g. "sha256=". */
        prefix: z.string().default(''),
        /** A header naming the delivery (used when `deliveryIdPath` finds nothing). */
        deliveryIdHeader: headerName.optional(),
      })
      .strict()
      .prefault({}),
    deliveryIdPath: jsonPath.optional(),
    ticketIdPath: jsonPath.default('$.ticket.id'),
    ticketKeyPath: jsonPath.optional(),
    /** Who caused the delivery: deliveries caused by credgate's own account are ignored. */
    actorIdPath: jsonPath.optional(),
    /** Where a webhook body holds the ticket in getTicket's shape: only `credgate simulate` reads it. */
    webhookTicketPath: jsonPath.optional(),
    statusPath: jsonPath.default('$.status'),
    requesterPath: jsonPath.default('$.requester'),
    summaryPath: jsonPath.default('$.summary'),
    descriptionPath: jsonPath.default('$.description'),
    issueTypePath: jsonPath.optional(),
    projectPath: jsonPath.optional(),
    labelsPath: jsonPath.optional(),
    urlPath: jsonPath.optional(),
    fieldsPaths: z.partialRecord(z.enum(FACT_NAMES as [string, ...string[]]), jsonPath).default({}),
    /** The ticket's comments: in the ticket object, or in getComments' answer when configured. */
    commentPath: jsonPath.default('$.comments[*]'),
    commentFields: z
      .object({
        body: jsonPath.default('$.body'),
        author: jsonPath.default('$.author'),
        at: jsonPath.default('$.created_at'),
      })
      .strict()
      .prefault({}),
    /** How a person reads, inside the requester, comment author or history actor; default: common names. */
    personFields: z
      .object({ id: jsonPath.optional(), name: jsonPath.optional(), email: jsonPath.optional() })
      .strict()
      .default({}),
    /** The system's status values → credgate's positions; credgate sets the first value of a position. */
    statuses: z
      .record(z.string().min(1), z.enum(POSITIONS, { message: `expected one of ${POSITIONS.join(', ')}` }))
      .default({}),
    /** credgate's own account id in the system, when `api.requests.getSelf` cannot say. */
    selfId: z.string().min(1).optional(),
    api: z
      .object({
        auth: z
          .object({ header: headerName.default('Authorization'), scheme: z.string().default('Bearer') })
          .strict()
          .prefault({}),
        requests: z
          .object({
            getTicket: request(
              z
                .object({ ticket: jsonPath.default('$') })
                .strict()
                .prefault({}),
            ),
            getHistory: request(historyMapping),
            getComments: request(noMapping).optional(),
            postComment: request(noMapping),
            setStatus: request(noMapping),
            getGroups: request(
              z
                .object({ groups: jsonPath.default('$[*]') })
                .strict()
                .prefault({}),
            ).optional(),
            getSelf: request(
              z
                .object({ id: jsonPath.default('$.id') })
                .strict()
                .prefault({}),
            ).optional(),
          })
          .strict(),
      })
      .strict()
      .optional(),
    groupMembers: z.record(z.string(), z.array(z.string())).optional(),
    groupCacheTtl: duration('5m').default('5m'),
    requestTimeout: duration('10s').default('10s'),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (!isGenericConfigured(c)) return;
    if (!c.api)
      ctx.addIssue({
        code: 'custom',
        path: ['api'],
        message: "expected api.requests (getTicket, getHistory, postComment, setStatus) describing the system's API",
      });
    if (!c.api?.requests.getGroups && !c.groupMembers) {
      ctx.addIssue({
        code: 'custom',
        path: ['api', 'requests', 'getGroups'],
        message: 'expected getGroups, or groupMembers listing the approver groups',
      });
    }
    const positions = new Set(Object.values(c.statuses));
    const missing = ['pending-approval', 'approved', 'granted', 'revoked'].filter((p) => !positions.has(p as never));
    if (missing.length)
      ctx.addIssue({
        code: 'custom',
        path: ['statuses'],
        message: `expected a status value for each of ${missing.join(', ')}`,
      });
  });

export type GenericConfig = z.infer<typeof genericConfigSchema>;
export type GenericRequests = NonNullable<GenericConfig['api']>['requests'];
export type GenericRequest = GenericRequests['getTicket'];

/** Secrets and the base URL from the environment; they override the file. */
export function genericFromEnv(env: Record<string, string | undefined>): Record<string, unknown> {
  return envSettings(env, {
    baseUrl: 'GENERIC_BASE_URL',
    apiToken: 'GENERIC_API_TOKEN',
    webhookSecret: 'GENERIC_WEBHOOK_SECRET',
  });
}

export const GENERIC_ENABLE_HINT =
  'set GENERIC_BASE_URL, GENERIC_API_TOKEN and GENERIC_WEBHOOK_SECRET, and describe the API in generic.api, to enable the generic connector';

export const isGenericConfigured = (c: Pick<GenericConfig, 'baseUrl' | 'apiToken'>): boolean =>
  Boolean(c.baseUrl && c.apiToken);
