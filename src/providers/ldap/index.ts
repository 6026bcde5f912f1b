import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { parseDuration } from '../../policy/parse-duration';
import { CredgateError, isCredgateError } from '../../util/errors';
import { formatZodError } from '../../util/format-zod-error';
import type { Logger } from '../../util/logger';
import type { AccessContext, AccessProvider, ProviderResult } from '../types';
import type { AccessTarget } from '../../domain/access-target';
import { ACCOUNT_ATTRIBUTES, planDisable, planEnable, readAccountState, type Flavor } from './account-controls';
import { createDirectoryPool, type Directory } from './directory';
import { renderFilter } from './encodings';
import { generatePassword } from './generate-password';
import { addMember, groupMemberAttribute, removeMember } from './group-membership';
import {
  ldapBindingSettingsSchema,
  ldapProviderSchema,
  type LdapBindingSettings,
  type LdapProviderConfig,
  type LdapProviderInput,
} from './schema';
import { assertPasswordChannel, setPassword } from './set-password';
import { SetupProblem } from '../../doctor/check';
import { systemClock } from '../../util/clock';

export {
  ldapProviderSchema,
  ldapProviderSecrets,
  ldapBindingSettingsSchema,
  type LdapProviderConfig,
  type LdapProviderInput,
  type LdapBindingSettings,
} from './schema';

const DEFAULT_ACCOUNT_FILTER: Record<Flavor, string> = {
  openldap: '(uid={{account}})',
  'active-directory': '(sAMAccountName={{account}})',
};

export interface LdapProviderDeps {
  log: Logger;
  /** Injected for tests; the time written as an account's end when it is disabled. */
  clock?: () => Date;
}

function tlsOptionsOf(id: string, config: LdapProviderConfig): ConnectionOptions {
  const options: ConnectionOptions = { rejectUnauthorized: config.tls.rejectUnauthorized };
  if (config.tls.caFile) {
    try {
      options.ca = readFileSync(config.tls.caFile);
    } catch {
      throw new CredgateError('config', `providers.${id}.tls.caFile: ${config.tls.caFile} cannot be read`);
    }
  }
  return options;
}

/**
 * The `ldap` provider: grants by group membership or by opening a pre-provisioned account until the
 * grant's expiry, and rotates shared accounts' passwords, on OpenLDAP or Active Directory.
 * Which of these a request gets is set by its policy binding's settings (see readme.md).
 */
export function createLdapProvider(id: string, input: LdapProviderInput, deps: LdapProviderDeps): AccessProvider {
  const parsed = ldapProviderSchema.safeParse(input);
  if (!parsed.success) throw new CredgateError('config', formatZodError(parsed.error, `providers.${id}`));
  const config = parsed.data;
  const flavor: Flavor = config.flavor;
  const clock = deps.clock ?? systemClock;
  const log = deps.log.child({ provider: id, providerType: 'ldap' });
  const encrypted = config.url.toLowerCase().startsWith('ldaps://') || config.tls.startTLS;
  const pool = createDirectoryPool({
    provider: id,
    url: config.url,
    bindDN: config.bindDN,
    bindPassword: config.bindPassword,
    connectTimeoutMs: parseDuration(config.timeouts.connect) as number,
    operationTimeoutMs: parseDuration(config.timeouts.operation) as number,
    tlsOptions: tlsOptionsOf(id, config),
    startTLS: config.tls.startTLS,
  });

  function settingsOf(target: AccessTarget): LdapBindingSettings {
    const parsed = ldapBindingSettingsSchema.safeParse(target.settings ?? {});
    if (!parsed.success)
      throw new CredgateError(
        'config',
        formatZodError(parsed.error, `policy binding ${target.binding} (settings for ldap provider ${id})`),
      );
    return parsed.data;
  }

  function findAccount(dir: Directory, settings: LdapBindingSettings, account: string, attributes: string[]) {
    if (!account)
      throw new CredgateError('permanent', `ldap provider ${id}: the request names no account`, {
        code: 'ldap-no-account',
      });
    const filter = renderFilter(settings.accountFilter ?? config.accountFilter ?? DEFAULT_ACCOUNT_FILTER[flavor], {
      account,
    });
    return dir.findOne(config.baseDN, filter, attributes, `account ${account}`);
  }

  /** The DN that joins or leaves the group: the vendor account, or the requester by email. */
  async function granteeDN(dir: Directory, ctx: AccessContext, settings: LdapBindingSettings): Promise<string> {
    if (settings.grantee === 'account') return (await findAccount(dir, settings, ctx.facts.account, ['1.1'])).dn;
    const email = ctx.requester?.email;
    if (!email)
      throw new CredgateError(
        'permanent',
        `ldap provider ${id}: the requester of ${ctx.ticket.key} has no known email address to find them in the directory`,
        { code: 'ldap-no-email' },
      );
    return (await dir.findOne(config.baseDN, renderFilter(config.userFilter, { email }), ['1.1'], `requester ${email}`))
      .dn;
  }

  function groupOf(settings: LdapBindingSettings, target: AccessTarget): string {
    if (!settings.group)
      throw new CredgateError(
        'config',
        `policy binding ${target.binding}: mode group needs the group DN (settings.group) for ldap provider ${id}`,
      );
    return settings.group;
  }

  /** Runs one call on its own connection; logs what was done (never a secret) or why it failed. */
  async function perform(
    op: string,
    fields: Record<string, unknown>,
    fn: (dir: Directory) => Promise<ProviderResult>,
  ): Promise<ProviderResult> {
    try {
      const result = await pool.use(fn);
      log.info({ op, ...fields, ...result.detail }, `ldap ${op} done`);
      return result;
    } catch (err) {
      const e = isCredgateError(err)
        ? err
        : new CredgateError('permanent', `ldap provider ${id}: ${op} failed unexpectedly`);
      log.warn({ op, ...fields, kind: e.kind, code: e.details.code }, e.message);
      throw e;
    }
  }

  async function setAccountOpen(
    dir: Directory,
    settings: LdapBindingSettings,
    account: string,
    open: { until: Date | null } | null,
  ): Promise<Record<string, string>> {
    const entry = await findAccount(dir, settings, account, ACCOUNT_ATTRIBUTES[flavor]);
    const controls = config.openldap.accountControls;
    const plan = open ? planEnable(flavor, entry, open.until, controls) : planDisable(flavor, entry, clock(), controls);
    if (plan.changes.length === 0) {
      throw new CredgateError(
        'config',
        `ldap provider ${id}: ${entry.dn} is not a shadowAccount and ppolicy is not among openldap.accountControls, so nothing can open or close it`,
      );
    }
    await dir.modify(entry.dn, plan.changes, `${open ? 'enabling' : 'disabling'} ${entry.dn}`);
    return { account, entry: entry.dn, controls: plan.controls.join(',') };
  }

  const base = (ctx: AccessContext) => ({
    binding: ctx.target.binding,
    requestId: ctx.requestId,
    ticket: ctx.ticket.key,
  });

  return {
    id,
    type: 'ldap',

    async managersOf(person) {
      if (!person.email) return [];
      const email = person.email;
      return pool.use(async (dir) => {
        const user = await dir.findAtMostOne(
          config.baseDN,
          renderFilter(config.userFilter, { email }),
          ['manager'],
          `requester ${email}`,
        );
        // `manager` holds DNs on OpenLDAP (inetOrgPerson) and Active Directory alike.
        const dns = user ? [user.manager].flat().filter((v): v is string => typeof v === 'string' && v !== '') : [];
        const found: string[] = [];
        for (const dn of dns) {
          const entry = await dir.read(dn, ['mail'], 'manager');
          const mail = entry ? [entry.mail].flat()[0] : undefined;
          if (typeof mail === 'string' && mail) found.push(mail);
        }
        return found;
      });
    },

    async grant(ctx) {
      const settings = settingsOf(ctx.target);
      return perform('grant', base(ctx), async (dir): Promise<ProviderResult> => {
        if (settings.mode === 'enable') {
          const until = ctx.expiresAt ? new Date(ctx.expiresAt) : null;
          const detail = await setAccountOpen(dir, settings, ctx.facts.account, { until });
          return { detail: { mode: 'enable', ...detail, expiresAt: until ? until.toISOString() : 'never' } };
        }
        const group = groupOf(settings, ctx.target);
        const attribute = await groupMemberAttribute(dir, group, settings.memberAttribute, id);
        const member = await granteeDN(dir, ctx, settings);
        const outcome = await addMember(dir, group, attribute, member);
        return { detail: { mode: 'group', group, member, memberAttribute: attribute, outcome } };
      });
    },

    async revoke(ctx) {
      const settings = settingsOf(ctx.target);
      return perform('revoke', { ...base(ctx), reason: ctx.reason }, async (dir): Promise<ProviderResult> => {
        if (settings.mode === 'enable')
          return { detail: { mode: 'enable', ...(await setAccountOpen(dir, settings, ctx.facts.account, null)) } };
        const group = groupOf(settings, ctx.target);
        const attribute = await groupMemberAttribute(dir, group, settings.memberAttribute, id);
        const member = await granteeDN(dir, ctx, settings);
        const outcome = await removeMember(dir, group, attribute, member, flavor, id);
        return { detail: { mode: 'group', group, member, memberAttribute: attribute, outcome } };
      });
    },

    /**
     * Every call sets a fresh password, a retried one included: the password returned is always
     * the one the account now has, and one lost with a crashed call was never handed to anyone.
     */
    async rotate(ctx) {
      const settings = settingsOf(ctx.target);
      const account = settings.rotateAccount ?? ctx.facts.account;
      assertPasswordChannel(flavor, encrypted, id);
      return perform('rotate', { ...base(ctx), reason: ctx.reason }, async (dir) => {
        const entry = await findAccount(dir, settings, account, ['objectClass']);
        const password = generatePassword(config.passwordLength);
        dir.addSecret(password);
        const method = await setPassword(dir, flavor, entry.dn, password);
        return {
          secret: { label: `new password for ${account}`, value: password },
          detail: { account, entry: entry.dn, method },
        };
      });
    },

    async inspect(target, account) {
      const settings = settingsOf(target);
      return pool.use(async (dir) => {
        const filter = renderFilter(settings.accountFilter ?? config.accountFilter ?? DEFAULT_ACCOUNT_FILTER[flavor], {
          account,
        });
        const entry = await dir.findAtMostOne(config.baseDN, filter, ACCOUNT_ATTRIBUTES[flavor], `account ${account}`);
        return readAccountState(flavor, account, entry, clock());
      });
    },

    async disable(target, account, reason) {
      const settings = settingsOf(target);
      return perform('disable', { binding: target.binding, reason }, async (dir) => ({
        detail: { mode: 'disable', ...(await setAccountOpen(dir, settings, account, null)), reason },
      }));
    },

    async close() {
      await pool.close();
    },

    checks: (targets) => [
      {
        name: `provider.${id}.bind`,
        dependency: true,
        run: () =>
          pool
            .use(async (dir) => {
              const base = await dir.read(config.baseDN, ['1.1'], 'the base DN');
              if (!base)
                throw new SetupProblem(
                  `bound to ${config.url} as ${config.bindDN}, but the base DN ${config.baseDN} does not exist or cannot be read`,
                  `fix providers.${id}.baseDN, or let ${config.bindDN} read it`,
                );
              return `bound to ${config.url} as ${config.bindDN}; ${config.baseDN} is readable`;
            })
            .catch((err) => {
              if (err instanceof SetupProblem) throw err;
              throw new SetupProblem(
                (err as Error).message,
                `check providers.${id}.url, the TLS settings, bindDN and the bind password`,
              );
            }),
      },
      {
        name: `provider.${id}.groups`,
        async run() {
          const groups = [...new Set(targets.map((t) => settingsOf(t)).flatMap((s) => (s.group ? [s.group] : [])))];
          if (!groups.length) return 'no binding grants by group';
          const problems: string[] = [];
          await pool.use(async (dir) => {
            for (const group of groups) {
              try {
                await groupMemberAttribute(dir, group, undefined, id);
              } catch (err) {
                problems.push((err as Error).message);
              }
            }
          });
          if (problems.length)
            throw new SetupProblem(
              problems.join('; '),
              `create the group or fix its DN in the policy binding, and let ${config.bindDN} read and write its members`,
            );
          return `${groups.join('; ')} readable`;
        },
      },
    ],
  };
}
