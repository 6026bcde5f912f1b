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

const CENSOR = '[REDACTED]';

/** Shorter values would blank out ordinary words; a real secret is never this short. */
export const MIN_SECRET_LENGTH = 6;

/** Runtime secrets kept at most; the oldest are forgotten first (their links and tokens have expired). */
const MAX_RUNTIME_SECRETS = 10_000;

/**
 * Secrets that look the same wherever they appear, redacted even when nobody registered the value:
 * credentials in Authorization headers echoed back by a vendor, passwords inside URLs (a store URL),
 * one-time handoff links (`/s/<token>`), review report links (`/reports/<token>`), `password=...`
 * in query strings and command lines.
 */
const PATTERNS: [RegExp, string][] = [
  [/\b(Bearer|Basic)(\s+)[A-Za-z0-9._~+/-]{6,}=*/gi, `$1$2${CENSOR}`],
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:@/"'?#\\]*):[^\s@/"'\\]+@/gi, `$1:${CENSOR}@`],
  [/(\/s\/)[A-Za-z0-9_~.%-]{6,}/g, `$1${CENSOR}`],
  // A review report's link is its only credential, like a one-time link.
  [/(\/reports\/)[A-Za-z0-9_-]{20,}/g, `$1${CENSOR}`],
  [/\b(password|passwd|pwd|secret|client_secret|token|access_token|api_key|apikey)=[^&\s"',;\\]+/gi, `$1=${CENSOR}`],
];

/**
 * Removes secrets from text: the values it was given or has learned since (a rotated password, a
 * one-time link token, a wrapping token), and anything matching PATTERNS. Used on every log line;
 * other outputs (audit details, error messages) may use it too.
 */
export interface SecretScrubber {
  /** Learns a secret at runtime; values shorter than MIN_SECRET_LENGTH are ignored. */
  register(value: string): void;
  scrub(text: string): string;
}

export function createSecretScrubber(initial: readonly string[] = []): SecretScrubber {
  const values = new Set<string>();
  let matcher: RegExp | null = null;
  const register = (value: string) => {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return;
    // A secret may reach the output escaped (inside a JSON string, a URL) or encoded: a vendor's
    // error body can echo an Authorization header's base64 of `user:token` without the word Basic.
    for (const form of secretForms(value)) {
      values.delete(form);
      values.add(form);
    }
    while (values.size > MAX_RUNTIME_SECRETS) values.delete(values.values().next().value as string);
    matcher = null;
  };
  for (const s of initial) register(s);
  return {
    register,
    scrub(text) {
      let out = text;
      if (values.size) {
        // Longest first, so a secret that contains another is removed whole.
        matcher ??= new RegExp(
          [...values]
            .sort((a, b) => b.length - a.length)
            .map(escapeRegExp)
            .join('|'),
          'g',
        );
        out = out.replace(matcher, CENSOR);
      }
      for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
      return out;
    },
  };
}

/** The shapes a secret takes on its way out: raw, JSON-escaped, URL-encoded, base64 (both alphabets). */
export function secretForms(value: string): string[] {
  const base64 = Buffer.from(value, 'utf8').toString('base64');
  const base64url = Buffer.from(value, 'utf8').toString('base64url');
  return [
    ...new Set([
      value,
      JSON.stringify(value).slice(1, -1),
      encodeURIComponent(value),
      base64,
      base64.replace(/=+$/, ''),
      encodeURIComponent(base64),
      base64url,
    ]),
  ];
}

/** Pattern-only scrubbing, for outputs that know no configured secret. */
export const scrubPatterns: (text: string) => string = createSecretScrubber().scrub;

const SCRUBBER = Symbol('credgate.secretScrubber');

/**
 * Structured JSON logs. Besides key-based redaction, every rendered line goes through a
 * SecretScrubber: configured secrets, secrets registered later (registerSecret) and secret-shaped
 * patterns are removed, so a secret echoed inside an error message cannot leak either.
 */
export function createLogger(options: {
  level: string;
  secrets?: string[];
  scrubber?: SecretScrubber;
  destination?: DestinationStream;
}): Logger {
  const scrubber = options.scrubber ?? createSecretScrubber();
  for (const s of options.secrets ?? []) scrubber.register(s);
  const target: DestinationStream = options.destination ?? pino.destination({ dest: 1, sync: false });
  const logger = pino(
    {
      level: options.level,
      base: { service: 'credgate' },
      redact: { paths: REDACT, censor: CENSOR },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    { write: (line: string) => target.write(scrubber.scrub(line)) },
  );
  // Child loggers inherit it through their prototype (pino creates them with Object.create).
  Object.defineProperty(logger, SCRUBBER, { value: scrubber });
  return logger;
}

/** The scrubber behind a logger made by createLogger (or a child of one); null for other loggers. */
export function scrubberOf(log: Logger): SecretScrubber | null {
  return (
    ((log as unknown as Record<symbol, SecretScrubber | undefined>)[SCRUBBER] as SecretScrubber | undefined) ?? null
  );
}

/**
 * Makes a secret learned at runtime unloggable through `log` and every logger sharing its
 * scrubber. Call it before the value can reach any log line.
 */
export function registerSecret(log: Logger, value: string): void {
  scrubberOf(log)?.register(value);
}

/** `text` without any secret `log` knows of (or, for a logger not made here, without secret patterns). */
export function scrubWith(log: Logger, text: string): string {
  return (scrubberOf(log)?.scrub ?? scrubPatterns)(text);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
