import type { Logger } from '../../util/logger';
import { resolveReferences } from '../../config/references';
import { parseDuration } from '../../policy/parse-duration';
import { CredgateError } from '../../util/errors';
import { formatZodError } from '../../util/format-zod-error';
import type { AuditSink } from './audit-shipper';
import { auditSinksSchema } from './sink-config';
import { createSyslogSink } from './syslog-sink';
import { createWebhookSink } from './webhook-sink';

export { createAuditShipper, type AuditShipper, type AuditSink } from './audit-shipper';
export { auditSinksSchema, type AuditSinkConfig } from './sink-config';
export { formatSyslogRecord } from './syslog-sink';
export { signAuditDelivery, SIGNATURE_HEADER, TIMESTAMP_HEADER, SEQ_HEADER } from './webhook-sink';

/**
 * The configured sinks. `env:NAME` / `file:/path` values are resolved here (a CA bundle can be
 * `file:/etc/credgate/siem-ca.pem`); the webhook secret is learned by the scrubber.
 */
export function createAuditSinks(
  configured: unknown[],
  deps: { env?: NodeJS.ProcessEnv; clock: () => Date; log: Logger; registerSecret: (value: string) => void },
): AuditSink[] {
  const resolved = configured.map((raw, i) =>
    resolveReferences(raw, `audit.sinks[${i}]`, deps.env ?? process.env, () => undefined),
  );
  const parsed = auditSinksSchema.safeParse(resolved);
  if (!parsed.success) throw new CredgateError('config', formatZodError(parsed.error, 'audit.sinks'));
  const sinks = parsed.data;
  const names = sinks.map((s) => s.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice)
    throw new CredgateError(
      'config',
      `audit.sinks: the name "${twice}" is used twice; each sink keeps its own position`,
    );
  return sinks.map((config) => {
    if (config.type === 'webhook') {
      deps.registerSecret(config.secret);
      return createWebhookSink(config, { clock: deps.clock, timeoutMs: parseDuration(config.timeout) as number });
    }
    return createSyslogSink(config, { timeoutMs: 10_000 });
  });
}
