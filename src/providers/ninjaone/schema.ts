import { z } from 'zod';
import { parseDuration } from '../../policy/parse-duration';

const duration = (fallback: string) =>
  z
    .string()
    .refine((s) => parseDuration(s) !== null, 'expected a duration such as "5s" or "10m"')
    .default(fallback);

const scriptId = z.number().int().positive();

/**
 * A `ninjaone` provider (config `providers.<name>` with `type: ninjaone`): the RMM acting on
 * technician roles and, through scripts from its library, on accounts of managed devices.
 */
export const ninjaoneProviderSchema = z
  .object({
    type: z.literal('ninjaone'),
    region: z.enum(['app', 'eu', 'oc', 'ca', 'us2']).default('app'),
    baseUrl: z.url().optional(),
    clientId: z.string().min(1),
    clientSecret: z.string().min(1),
    /** Script library ids of the uploaded templates/powershell scripts (readme: upload). */
    scripts: z
      .object({ enable: scriptId.optional(), disable: scriptId.optional(), rotate: scriptId.optional() })
      .strict()
      .default({}),
    /** The credential role the scripts run as (`runAs`): `system` for local accounts, a domain credential for AD. */
    runAs: z.string().min(1).default('system'),
    /** The device custom field the rotate script writes the sealed password to (a text field). */
    handoffField: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9]*$/, 'expected a custom field name such as credgateHandoff')
      .default('credgateHandoff'),
    /**
     * credgate's RSA private key (PEM, 2048+ bits), so the rotate script can seal the password it
     * generates to the matching public key: the password never appears in NinjaOne in the clear.
     */
    sealingKey: z.string().min(1).optional(),
    /** How often, and for how long at most, a script run's outcome is polled from the device's activities. */
    pollInterval: duration('5s'),
    pollTimeout: duration('10m'),
    requestTimeout: duration('15s'),
  })
  .strict();

export type NinjaoneProviderInput = z.input<typeof ninjaoneProviderSchema>;
export type NinjaoneProviderConfig = z.output<typeof ninjaoneProviderSchema>;

/** Local group names and account names go into a script's command line: only plain names. */
const plainName = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;

/** A policy binding's `with:` settings for this provider. */
export const ninjaoneBindingSettingsSchema = z
  .object({
    /** Technician access: the role id the requester's technician user joins. */
    role: z.string().regex(/^\d+$/, 'expected a NinjaOne role id').optional(),
    /** Device accounts: the device by id, or by name; default: the ticket's device (NinjaOne tickets). */
    device: z.string().regex(/^\d+$/, 'expected a NinjaOne device id').optional(),
    deviceName: z.string().min(1).optional(),
    /** `local` (Set-LocalUser) or `domain` (Set-ADAccountExpiration, run on a domain controller). */
    scope: z.enum(['local', 'domain']).default('local'),
    /** The group the account joins while granted (a local group, or an AD group for `domain`). */
    group: z.string().regex(plainName, 'expected a plain group name').optional(),
  })
  .strict();

export type NinjaoneBindingSettings = z.output<typeof ninjaoneBindingSettingsSchema>;

export const ninjaoneProviderSecrets = (c: NinjaoneProviderConfig): string[] =>
  [c.clientSecret, c.sealingKey].filter((s): s is string => Boolean(s));
