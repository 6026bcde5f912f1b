import { z } from 'zod';
import { parseDuration } from '../policy/parse-duration';
import { SCRYPT_HASH } from './password-hash';

const duration = (fallback: string) =>
  z
    .string()
    .refine((s) => parseDuration(s) !== null, 'expected a duration such as "30m", "8h" or "1d"')
    .default(fallback);

const deskUserSchema = z
  .object({
    username: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[^\s:]+$/, 'expected a name without spaces or ":" (HTTP Basic splits on it)'),
    passwordHash: z
      .string()
      .regex(SCRYPT_HASH, 'expected "scrypt$N$r$p$salt$hash", as printed by `credgate desk hash-password`'),
  })
  .strict();

/**
 * The service-desk page (`desk` in credgate.yaml). It is on as soon as someone can log in (a user
 * or a token is configured) unless `enabled: false` says otherwise; turning it on with no way in is
 * a configuration error rather than a page nobody can open.
 */
export const deskConfigSchema = z
  .object({
    enabled: z.boolean().optional(),
    path: z
      .string()
      .regex(/^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/, 'expected a URL path such as "/desk" (no trailing slash)')
      .default('/desk'),
    users: z.array(deskUserSchema).default([]),
    /** Bearer token for scripts (`Authorization: Bearer ...`); 24+ characters. */
    token: z.string().min(24, 'expected at least 24 characters').optional(),
    sessionTtl: duration('8h'),
    /** Failed logins one client address may make per `loginWindow` before it is refused (429). */
    maxFailedLogins: z.number().int().min(1).max(1000).default(5),
    loginWindow: duration('15m'),
    /** Single sign-on through the OpenID provider in `oidc:`; people in `groups` may use the desk. */
    sso: z
      .object({
        groupsClaim: z.string().min(1).default('groups'),
        groups: z.array(z.string().min(1)).min(1, 'name at least one group allowed on the desk'),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.enabled === true && c.users.length === 0 && !c.token && !c.sso) {
      ctx.addIssue({
        code: 'custom',
        path: ['enabled'],
        message: 'the desk is enabled but has no users and no token: add desk.users or set CREDGATE_DESK_TOKEN',
      });
    }
    const names = c.users.map((u) => u.username);
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) ctx.addIssue({ code: 'custom', path: ['users'], message: `user "${dup}" is listed twice` });
  })
  .transform((c) => ({
    ...c,
    enabled: c.enabled ?? (c.users.length > 0 || c.token !== undefined || c.sso !== undefined),
  }));

export type DeskConfig = z.output<typeof deskConfigSchema>;

/** Environment variables that set desk keys, to merge into the core's (`CREDGATE_DESK_TOKEN_FILE` works too). */
export const DESK_ENV: Record<string, string[]> = {
  CREDGATE_DESK_TOKEN: ['desk', 'token'],
};
