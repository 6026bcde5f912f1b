import { z } from 'zod';
import { parseDuration } from '../../policy/parse-duration';
import { filterPlaceholders } from './encodings';

const duration = (fallback: string) =>
  z
    .string()
    .refine((s) => parseDuration(s) !== null, 'expected a duration such as "500ms", "5s" or "1m"')
    .default(fallback);

/** A filter template: parenthesised, using only the placeholders the caller can fill. */
const filterTemplate = (allowed: string[]) =>
  z
    .string()
    .regex(/^\(.*\)$/s, 'expected an LDAP filter in parentheses, e.g. (mail={{email}})')
    .refine(
      (t) => filterPlaceholders(t).every((p) => allowed.includes(p)),
      `the only placeholder allowed here is ${allowed.map((p) => `{{${p}}}`).join(', ')}`,
    )
    .refine(
      (t) => filterPlaceholders(t).length > 0,
      `expected a placeholder: ${allowed.map((p) => `{{${p}}}`).join(', ')}`,
    );

/** One configured directory (`providers.<name>` with `type: ldap`). */
export const ldapProviderSchema = z
  .object({
    type: z.literal('ldap'),
    url: z.string().regex(/^ldaps?:\/\/[^\s/?#]+\/?$/i, 'expected ldap://host[:port] or ldaps://host[:port]'),
    bindDN: z.string().min(1, 'expected the DN credgate binds as'),
    /** Secret: set it from the environment or a file, never in the config file itself. */
    bindPassword: z.string().min(1, 'expected the bind password'),
    /** Where users and accounts are searched (subtree). */
    baseDN: z.string().min(1),
    flavor: z.enum(['openldap', 'active-directory']).default('openldap'),
    /** Finds the requester's entry from their email address. */
    userFilter: filterTemplate(['email']).default('(mail={{email}})'),
    /** Finds a vendor or shared account by name; default per flavor (uid / sAMAccountName). */
    accountFilter: filterTemplate(['account']).optional(),
    timeouts: z
      .object({
        connect: duration('5s'),
        /** Per LDAP operation; a hung server turns into a retried, transient failure. */
        operation: duration('10s'),
      })
      .strict()
      .prefault({}),
    tls: z
      .object({
        /** PEM file of the CA that signed the directory's certificate, when not a public one. */
        caFile: z.string().min(1).optional(),
        rejectUnauthorized: z.boolean().default(true),
        /** Upgrade an ldap:// connection with StartTLS before binding. */
        startTLS: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    /** Length of passwords set by rotation. */
    passwordLength: z.number().int().min(12).max(128).default(24),
    openldap: z
      .object({
        /**
         * How `mode: enable` opens and closes an account on OpenLDAP. ppolicy: pwdEndTime (the exact
         * expiry, enforced at bind) and pwdAccountLockedTime (needs the ppolicy overlay, with
         * pwdLockout TRUE in the policy for the lock to be enforced); shadow: shadowExpire, read by
         * PAM/NSS on hosts (entries with objectClass shadowAccount only).
         */
        accountControls: z
          .array(z.enum(['ppolicy', 'shadow']))
          .min(1)
          .default(['ppolicy', 'shadow']),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type LdapProviderConfig = z.infer<typeof ldapProviderSchema>;
/** The section as written (defaults not yet applied). */
export type LdapProviderInput = z.input<typeof ldapProviderSchema>;

/** The configured credentials, for the logger to scrub from every line. */
export const ldapProviderSecrets = (config: LdapProviderInput): string[] =>
  [config.bindPassword].filter((s) => s.length > 0);

/**
 * A policy binding's `with:` settings for an ldap provider. All strings, as policy settings are;
 * unknown keys are refused so a typo does not silently fall back to a default.
 */
export const ldapBindingSettingsSchema = z
  .object({
    mode: z.enum(['group', 'enable']).default('group'),
    /** DN of the group a grant adds the grantee to (mode group). */
    group: z.string().min(1).optional(),
    /** Who joins the group: the requester (found by userFilter) or the vendor account facts.account. */
    grantee: z.enum(['requester', 'account']).default('requester'),
    /** Overrides the provider's accountFilter for this binding. */
    accountFilter: filterTemplate(['account']).optional(),
    /** The shared account rotate acts on; default facts.account. */
    rotateAccount: z.string().min(1).optional(),
    /** For group object classes other than groupOfNames, groupOfUniqueNames and AD group. */
    memberAttribute: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]*$/, 'expected an attribute name')
      .optional(),
    // A grant's own `detail`, should the core hand it back to revoke merged into the settings:
    // accepted and ignored, as revoke finds the same entries again.
    member: z.string().optional(),
    outcome: z.string().optional(),
    account: z.string().optional(),
    entry: z.string().optional(),
    controls: z.string().optional(),
    expiresAt: z.string().optional(),
  })
  .strict();

export type LdapBindingSettings = z.infer<typeof ldapBindingSettingsSchema>;
