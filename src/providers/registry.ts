import { z } from 'zod';
import type { Logger } from '../util/logger';
import { CredgateError } from '../util/errors';
import { resolveReferences } from '../config/references';
import type { AccessProvider } from './types';
import { createLdapProvider } from './ldap';
import { createVaultProvider } from './vault';
import { commandProviderSchema, commandProviderSecrets, createCommandProvider } from './command';
import { createHttpProvider, httpProviderSchema, httpProviderSecrets } from './http';
import { createNinjaoneProvider, ninjaoneProviderSchema, ninjaoneProviderSecrets } from './ninjaone';

export const PROVIDER_TYPES = ['ldap', 'vault', 'command', 'http', 'ninjaone'] as const;

/**
 * `providers:` in the configuration: named instances, each validated by its own type's schema
 * when it is created. Policy bindings name them (`provider: corp-ad`).
 */
export const providersConfigSchema = z
  .record(
    z.string().regex(/^[a-z][a-z0-9-]*$/, 'expected a lowercase provider name such as "corp-ad"'),
    z.looseObject({ type: z.enum(PROVIDER_TYPES) }),
  )
  .default({});

export type ProvidersConfig = z.infer<typeof providersConfigSchema>;

/**
 * Builds every configured provider. A string value `env:NAME` or `file:/path` is read from the
 * environment or a mounted file, so passwords and tokens need not sit in the configuration file;
 * every value read that way is learned by the logger's scrubber.
 */
export function createProviders(
  config: ProvidersConfig,
  deps: { log: Logger; clock: () => Date; env?: NodeJS.ProcessEnv; registerSecret: (value: string) => void },
): AccessProvider[] {
  const env = deps.env ?? process.env;
  return Object.entries(config).map(([name, raw]) => {
    const section = resolveReferences(raw, `providers.${name}`, env, deps.registerSecret) as Record<string, unknown> & {
      type: string;
    };
    const input = section as never;
    switch (section.type) {
      case 'ldap':
        return createLdapProvider(name, input, { log: deps.log, clock: deps.clock });
      case 'vault':
        return createVaultProvider(name, input, { log: deps.log, clock: deps.clock });
      case 'command':
        learnAll(secretsOf(commandProviderSchema.safeParse(section), commandProviderSecrets), deps.registerSecret);
        return createCommandProvider(name, input, { log: deps.log });
      case 'http':
        learnAll(secretsOf(httpProviderSchema.safeParse(section), httpProviderSecrets), deps.registerSecret);
        return createHttpProvider(name, input, { log: deps.log, clock: deps.clock });
      case 'ninjaone':
        learnAll(secretsOf(ninjaoneProviderSchema.safeParse(section), ninjaoneProviderSecrets), deps.registerSecret);
        return createNinjaoneProvider(name, input, { log: deps.log, clock: deps.clock });
      default:
        throw new CredgateError(
          'config',
          `providers.${name}: unknown type "${section.type}"; expected one of ${PROVIDER_TYPES.join(', ')}`,
        );
    }
  });
}

// Values under keys the config loader does not recognise as secrets (secretEnv: {API_PW: ...}).
const learnAll = (values: string[], learn: (value: string) => void) => values.forEach(learn);
// An invalid section learns nothing here: creating the provider then fails naming the key.
const secretsOf = <T>(parsed: { success: boolean; data?: T }, pick: (config: T) => string[]): string[] =>
  parsed.success ? pick(parsed.data as T) : [];
