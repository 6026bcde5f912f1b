import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseDuration } from '../policy/parse-duration';
import { CredgateError } from '../util/errors';

const KEY_BYTES = 32;
// Even-length hex is read as hex: a 32-byte key in base64 is 44 characters ending in "=" or 43
// (unpadded), so it is never even-length hex.
const HEX = /^(?:[0-9a-fA-F]{2})+$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * Decodes a key written as hex (64 characters for 32 bytes) or base64/base64url (44 or 43).
 * Returns null when the text is neither; the caller checks the length.
 */
export function decodeKey(text: string): Buffer | null {
  const t = text.trim();
  if (HEX.test(t)) return Buffer.from(t, 'hex');
  if (BASE64.test(t)) return Buffer.from(t, 'base64');
  return null;
}

/** Why a key text is unusable, in words that never repeat the key; null when it is fine. */
function keyProblem(text: string): string | null {
  const key = decodeKey(text);
  if (!key)
    return `expected ${KEY_BYTES} random bytes written as base64 or hex (e.g. the output of "openssl rand -base64 32"); the value is neither`;
  if (key.length !== KEY_BYTES)
    return `expected ${KEY_BYTES} random bytes written as base64 or hex (e.g. the output of "openssl rand -base64 32"); the value decodes to ${key.length} bytes`;
  return null;
}

/**
 * `handoff` settings: where one-time links live and the key that seals the secrets behind them.
 * The key comes from configuration or a file, never from the store, so a copy of the store alone
 * cannot open anything (and, with the token only in the URL, neither can the store plus the key).
 */
export const handoffConfigSchema = z
  .object({
    /** 32 bytes, base64 or hex. Prefer `keyFile` (or CREDGATE_*_FILE) in production. */
    key: z
      .string()
      .optional()
      .superRefine((value, ctx) => {
        const problem = value === undefined ? null : keyProblem(value);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
    /** A file holding the key: 32 raw bytes, or base64 / hex text. Read once at start. */
    keyFile: z.string().min(1).optional(),
    /** Longest a link stays open; a grant ending sooner ends the link with it. */
    ttl: z
      .string()
      .refine((s) => parseDuration(s) !== null, 'expected a duration such as "30m", "4h" or "24h"')
      .default('24h'),
    /** URL path the links live under: `<publicUrl><path>/<token>`. */
    path: z
      .string()
      .regex(/^(\/[A-Za-z0-9._~-]+)+$/, 'expected a path such as "/s" (a leading slash, no trailing slash)')
      .default('/s'),
  })
  .strict()
  .refine((c) => !(c.key !== undefined && c.keyFile !== undefined), {
    message: 'set key or keyFile, not both',
    path: ['keyFile'],
  });

export type HandoffConfig = z.infer<typeof handoffConfigSchema>;

/**
 * The sealing key named by the configuration, or null when none is configured (then `issue`
 * refuses to hand off secrets). Throws a 'config' error for an unreadable file or a key of the
 * wrong size; messages name the setting, never the key.
 */
export function resolveHandoffKey(
  config: Pick<HandoffConfig, 'key' | 'keyFile'>,
  readFile: (path: string) => Buffer = (p) => readFileSync(p),
): Buffer | null {
  if (config.key !== undefined) {
    const problem = keyProblem(config.key);
    if (problem) throw new CredgateError('config', `handoff.key: ${problem}`);
    return decodeKey(config.key) as Buffer;
  }
  if (config.keyFile === undefined) return null;
  let raw: Buffer;
  try {
    raw = readFile(config.keyFile);
  } catch {
    throw new CredgateError('config', `handoff.keyFile points to ${config.keyFile}, which cannot be read`);
  }
  // 32 bytes exactly can only be a raw key: no base64 or hex text of 32 bytes is that short.
  if (raw.length === KEY_BYTES) return Buffer.from(raw);
  const problem = keyProblem(raw.toString('utf8'));
  if (problem)
    throw new CredgateError(
      'config',
      `handoff.keyFile (${config.keyFile}): ${problem.replace('the value', 'the file')}; 32 raw bytes are accepted too`,
    );
  return decodeKey(raw.toString('utf8')) as Buffer;
}
