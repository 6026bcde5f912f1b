import { z } from 'zod';
import { parseDuration } from '../policy/parse-duration';
import { providersConfigSchema } from '../providers/registry';
import { handoffConfigSchema } from '../handoff/handoff-config';
import { oidcConfigSchema } from '../identity/oidc-config';
import { deskConfigSchema, DESK_ENV } from '../desk/desk-config';

const duration = (fallback: string) =>
  z
    .string()
    .refine((s) => parseDuration(s) !== null, 'expected a duration such as "500ms", "2s", "5m" or "1h"')
    .default(fallback);

/** credgate's own settings; each connector adds its section (see connectors/index.ts). */
export const coreConfigShape = {
  server: z
    .object({
      port: z.coerce.number().int().min(0).max(65535).default(3000),
      host: z.string().min(1).default('0.0.0.0'),
      /** Largest webhook body accepted; Jira's biggest deliveries are well under this. */
      bodyLimitBytes: z.number().int().min(1024).max(10_485_760).default(1_048_576),
      /** How long one delivery may take to arrive before it is cut off. */
      requestTimeout: duration('10s'),
      publicUrl: z
        .url()
        .optional()
        .describe("credgate's public https URL: webhook URLs, one-time links, report links."),
    })
    .strict()
    .prefault({}),
  store: z
    .object({
      url: z
        .string()
        .min(1)
        .default('sqlite://./data/credgate.sqlite')
        .describe('sqlite://<file> (one process), redis://host:6379/0 or postgres://user@host/db (several replicas).'),
      connectTimeout: duration('10s').describe(
        'How long a shared store (Redis, PostgreSQL) may take to answer at start before credgate gives up.',
      ),
    })
    .strict()
    .prefault({}),
  policy: z
    .object({ path: z.string().min(1).default('config/policy.yaml').describe('The policy file (policy.yaml).') })
    .strict()
    .prefault({}),
  templates: z
    .object({
      dir: z
        .string()
        .min(1)
        .optional()
        .describe('Directory whose jira-wiki/NAME.hbs (per markup) files override the built-in comment templates.'),
    })
    .strict()
    .prefault({}),
  log: z
    .object({
      level: z
        .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
        .default('info')
        .describe('Log level of the JSON log on stdout.'),
    })
    .strict()
    .prefault({}),
  audit: z
    .object({
      hmacKey: z.string().min(32, 'expected at least 32 characters').optional(),
      /** Where every entry is streamed (src/audit/sinks); checked in full once references are read. */
      sinks: z.array(z.looseObject({ type: z.enum(['webhook', 'syslog']), name: z.string() })).default([]),
    })
    .strict()
    .prefault({}),
  effects: z
    .object({
      /** With the default delays, 24 attempts span about three hours of outage. */
      maxAttempts: z.number().int().min(1).max(100).default(24),
      baseDelay: duration('1s'),
      maxDelay: duration('10m'),
      /** Calls in flight at once towards one ticketing system (its rate limits are per account). */
      concurrency: z.number().int().min(1).max(64).default(8),
    })
    .strict()
    .prefault({}),
  scheduler: z
    .object({
      /** How often the inbox and outbox are swept for work a crash or outage left behind. */
      sweepInterval: duration('30s').describe(
        'How often the inbox and outbox are swept for work a crash or outage left behind.',
      ),
      /** Timers due further out are armed by a later sweep: keeps memory flat with many revocations. */
      horizon: duration('15m').describe(
        'Timers due further out are armed by a later sweep: memory stays flat with many revocations pending.',
      ),
      /** How long a replica's claim on work outlives it: another replica takes over after this. */
      leaseTtl: duration('30s').describe(
        "How long a replica's claim on work outlives it before another replica takes over.",
      ),
    })
    .strict()
    .prefault({}),
  deliveries: z
    .object({
      /** How long the delivery log (`credgate deliveries`, the desk) keeps what became of each delivery. */
      retention: duration('14d').describe('How long the delivery log keeps what became of each delivery.'),
      /**
       * With the default backoff (1 s doubling to 10 min) 25 attempts span about two and a half
       * hours; the reconcile pass re-reads open tickets after that.
       */
      maxAttempts: z
        .number()
        .int()
        .min(1)
        .max(1000)
        .default(25)
        .describe(
          'Attempts at a delivery whose ticketing system keeps failing before it is given up and logged as failed.',
        ),
      /**
       * Deliveries read back and decided at once. Processing shares the event loop that answers
       * webhooks: the limit keeps acknowledgements prompt during a burst.
       */
      concurrency: z
        .number()
        .int()
        .min(1)
        .max(64)
        .default(4)
        .describe('Deliveries read back and decided at once; the limit keeps acknowledgements prompt during a burst.'),
      queueLimit: z
        .number()
        .int()
        .min(0)
        .max(1_000_000)
        .default(10_000)
        .describe('Deliveries waiting in memory for a slot; the rest wait in the inbox for the next sweep.'),
    })
    .strict()
    .prefault({}),
  reconcile: z
    .object({
      /** How often open tickets are re-read to repair missed webhooks; one replica runs each pass. */
      interval: duration('5m').describe('How often open tickets are re-read to repair missed webhooks.'),
    })
    .strict()
    .prefault({}),
  /** The read-only service-desk page (src/desk/readme.md). */
  desk: deskConfigSchema.prefault({}),
  /** One-time links that hand secrets to people (AES-256-GCM; the key never enters the store). */
  handoff: handoffConfigSchema.prefault({}),
  /** An OpenID provider: one-time links bound to the requester's sign-in (src/identity). */
  oidc: oidcConfigSchema.optional(),
  /** Named access providers (ldap, vault, command, http) that policy bindings refer to. */
  providers: providersConfigSchema,
  /** Where approvers found at run time come from (policy steps with a `source`). */
  approvers: z
    .object({
      /** An ldap provider (`providers.<name>`) whose `manager` attribute names requesters' managers. */
      managerDirectory: z.string().min(1).optional(),
    })
    .strict()
    .prefault({}),
  metrics: z
    .object({
      /** When set, GET /metrics needs `Authorization: Bearer <token>` (CREDGATE_METRICS_TOKEN). */
      token: z.string().min(16, 'expected at least 16 characters').optional(),
    })
    .strict()
    .prefault({}),
};

/** Environment variables that set core keys (connectors map their own). */
export const CORE_ENV: Record<string, string[]> = {
  PORT: ['server', 'port'],
  CREDGATE_STORE: ['store', 'url'],
  CREDGATE_STORE_CONNECT_TIMEOUT: ['store', 'connectTimeout'],
  CREDGATE_POLICY: ['policy', 'path'],
  CREDGATE_TEMPLATES: ['templates', 'dir'],
  CREDGATE_LOG_LEVEL: ['log', 'level'],
  CREDGATE_AUDIT_KEY: ['audit', 'hmacKey'],
  CREDGATE_PUBLIC_URL: ['server', 'publicUrl'],
  CREDGATE_METRICS_TOKEN: ['metrics', 'token'],
  CREDGATE_HANDOFF_KEY: ['handoff', 'key'],
  CREDGATE_OIDC_ISSUER: ['oidc', 'issuer'],
  CREDGATE_OIDC_CLIENT_ID: ['oidc', 'clientId'],
  CREDGATE_OIDC_CLIENT_SECRET: ['oidc', 'clientSecret'],
  ...DESK_ENV,
};
