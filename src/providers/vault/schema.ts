import { z } from 'zod';
import { parseDuration } from '../../policy/parse-duration';
import { formatZodError } from '../../util/format-zod-error';
import { CredgateError } from '../../util/errors';

const duration = (example: string) =>
  z.string().refine((s) => parseDuration(s) !== null, `expected a duration such as "${example}"`);

/**
 * A Vault path as policy writes it: segments of letters, digits and `._-@`, no `..`, no empty
 * segment, no leading slash. Stricter than Vault, so a path can never climb into another mount.
 */
const vaultPath = z
  .string()
  .regex(
    /^[A-Za-z0-9._@-]+(\/[A-Za-z0-9._@-]+)*$/,
    'expected a Vault path such as "team/db-admin" (no leading slash, no empty segment)',
  )
  .refine((p) => !p.split('/').some((s) => s === '.' || s === '..'), 'expected a path without "." or ".." segments');

/**
 * One `providers.<name>` entry of type `vault`. Exactly one way to authenticate: a token, or an
 * AppRole (role id + secret id) that credgate logs in with and renews by logging in again.
 * `token` and `approle.secretId` are secrets: give them through the environment or `*_FILE`.
 */
export const vaultProviderSchema = z
  .object({
    type: z.literal('vault'),
    address: z.url({ message: 'expected the Vault address, e.g. https://vault.example.com:8200' }),
    token: z.string().min(1).optional(),
    approle: z
      .object({
        roleId: z.string().min(1),
        secretId: z.string().min(1),
        /** Where the AppRole auth method is mounted. */
        mount: vaultPath.default('approle'),
      })
      .strict()
      .optional(),
    /** Vault Enterprise / HCP namespace, sent as X-Vault-Namespace on every call. */
    namespace: z.string().min(1).optional(),
    /** Mount of the KV version 2 secrets engine that `mode: kv` bindings read and rotate. */
    kvMount: vaultPath.default('secret'),
    requestTimeout: duration('10s').default('10s'),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (!c.token && !c.approle)
      ctx.addIssue({
        code: 'custom',
        path: ['token'],
        message: 'expected a Vault token, or approle.roleId and approle.secretId',
      });
    if (c.token && c.approle)
      ctx.addIssue({ code: 'custom', path: ['approle'], message: 'expected either token or approle, not both' });
  });

export type VaultProviderConfig = z.infer<typeof vaultProviderSchema>;

/** The values that must never reach a log line: feed them to createLogger({ secrets }). */
export const vaultProviderSecrets = (c: VaultProviderConfig): string[] =>
  [c.token, c.approle?.roleId, c.approle?.secretId].filter((s): s is string => Boolean(s));

/**
 * A policy binding's `target.settings` for this provider. All plain strings (policy settings are
 * `Record<string, string>`); `leaseId` and `wrapAccessor` are the grant's own `detail`, which the
 * core hands back to revoke merged into the settings.
 */
export const vaultSettingsSchema = z
  .object({
    mode: z.enum(['kv', 'dynamic']).default('kv'),
    /** kv: the secret's path inside the KV mount; dynamic: the full API path, e.g. database/creds/readonly. */
    path: vaultPath,
    /** kv: hand off (and rotate) this one field instead of the whole secret. */
    field: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/, 'expected a field name such as "password"')
      .optional(),
    /** Overrides the provider's kvMount for this binding. */
    mount: vaultPath.optional(),
    /** Longest life of the wrapping token; the grant's end shortens it. */
    wrapTtl: duration('1h').default('1h'),
    /** Length of a password written by rotate. */
    passwordLength: z
      .string()
      .regex(/^\d+$/, 'expected a number of characters, e.g. "32"')
      .refine((n) => Number(n) >= 12 && Number(n) <= 256, 'expected between 12 and 256 characters')
      .default('32'),
    leaseId: z.string().min(1).optional(),
    wrapAccessor: z.string().min(1).optional(),
  })
  .loose();

export type VaultSettings = z.infer<typeof vaultSettingsSchema>;

/** Bad settings are the policy author's to fix: a 'config' error naming the binding and the key. */
export function parseVaultSettings(binding: string, settings: Record<string, string>): VaultSettings {
  const parsed = vaultSettingsSchema.safeParse(settings);
  if (!parsed.success)
    throw new CredgateError('config', formatZodError(parsed.error, `vault settings of policy binding "${binding}"`));
  return parsed.data;
}
