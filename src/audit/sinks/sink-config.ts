import { z } from 'zod';

const name = z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a lowercase sink name such as "siem"');
/** A PEM file or `env:`/`file:` reference resolved before parsing; optional: the system's CAs. */
const tls = z
  .object({
    /** CA certificates to trust instead of the system's (a private PKI, a test CA). */
    ca: z.string().min(1).optional(),
    /** The name the receiver's certificate must carry when it differs from the host. */
    serverName: z.string().min(1).optional(),
  })
  .strict()
  .prefault({});

const webhookSink = z
  .object({
    type: z.literal('webhook'),
    name,
    /** HTTPS only: the entries describe who got which access. */
    url: z
      .url()
      .refine((u) => u.startsWith('https://'), 'expected an https:// URL: audit entries must not travel in clear text'),
    /** HMAC-SHA256 key over `timestamp.body`; at least 32 characters (`env:NAME` or `file:/path`). */
    secret: z.string().min(32, 'expected at least 32 characters'),
    tls,
    timeout: z.string().default('10s'),
  })
  .strict();

const syslogSink = z
  .object({
    type: z.literal('syslog'),
    name,
    host: z.string().min(1),
    /** 6514 is the port RFC 5425 assigns to syslog over TLS. */
    port: z.number().int().min(1).max(65535).default(6514),
    tls,
    /** RFC 5424 facility; 13 is "log audit". */
    facility: z.number().int().min(0).max(23).default(13),
    appName: z
      .string()
      .regex(/^[!-~]{1,48}$/)
      .default('credgate'),
    /** The SD-ID's enterprise number; 32473 is the one reserved for examples (RFC 5612). */
    enterpriseId: z.number().int().min(1).default(32473),
    /**
     * Entries sent again on every new connection: TCP syslog has no acknowledgement, so what was
     * written just before a connection broke may not have arrived. Receivers dedupe by `seq`.
     */
    replayOnConnect: z.number().int().min(0).max(10_000).default(100),
  })
  .strict();

/** `audit.sinks:` where every audit entry is streamed, in order, at least once. */
export const auditSinksSchema = z.array(z.discriminatedUnion('type', [webhookSink, syslogSink])).default([]);

export type AuditSinkConfig = z.infer<typeof auditSinksSchema>[number];
export type WebhookSinkConfig = z.infer<typeof webhookSink>;
export type SyslogSinkConfig = z.infer<typeof syslogSink>;
