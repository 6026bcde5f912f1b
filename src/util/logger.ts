import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

/** Keys whose values never reach a log line, wherever they appear in a logged object. */
const REDACT = [
  '*.authorization',
  '*.Authorization',
  '*.apiToken',
  '*.token',
  '*.secret',
  '*.password',
  '*.webhookSecret',
  '*.hmacKey',
  'headers.authorization',
  'headers["x-hub-signature"]',
  'req.headers.authorization',
];

/**
 * Structured JSON logs. Besides key-based redaction, every configured secret value is scrubbed
 * from the rendered line, so a secret echoed inside an error message cannot leak either.
 */
export function createLogger(options: { level: string; secrets?: string[]; destination?: DestinationStream }): Logger {
  const secrets = (options.secrets ?? []).filter((s) => s.length >= 6);
  const scrub = (line: string) => secrets.reduce((out, s) => out.split(s).join('[REDACTED]'), line);
  const target: DestinationStream = options.destination ?? pino.destination({ dest: 1, sync: false });
  const stream: DestinationStream = secrets.length ? { write: (line: string) => target.write(scrub(line)) } : target;
  return pino(
    {
      level: options.level,
      base: { service: 'credgate' },
      redact: { paths: REDACT, censor: '[REDACTED]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    stream,
  );
}
