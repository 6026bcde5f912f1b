import { createHash, randomBytes } from 'node:crypto';
import { parseDuration } from '../../policy/parse-duration';
import { CredgateError } from '../../util/errors';
import { formatZodError } from '../../util/format-zod-error';
import { registerSecret, type Logger } from '../../util/logger';
import type { AccessTarget } from '../../domain/access-target';
import type { AccessContext, AccessProvider, ProviderResult } from '../types';
import { awaitScriptOutcome } from './await-script-outcome';
import { createRmmClient, type RmmClient } from './rmm-client';
import {
  ninjaoneBindingSettingsSchema,
  ninjaoneProviderSchema,
  type NinjaoneBindingSettings,
  type NinjaoneProviderInput,
} from './schema';
import { deviceAccount, scriptParameters } from './script-parameters';
import { sealingKeyFrom } from './sealed-secret';
import { systemClock } from '../../util/clock';

export { ninjaoneProviderSchema, ninjaoneProviderSecrets, type NinjaoneProviderInput } from './schema';

export interface NinjaoneProviderDeps {
  log: Logger;
  clock?: () => Date;
  /** Waits between polls; tests pass a faster one. */
  sleep?: (ms: number) => Promise<void>;
  /** For tests: the RMM client. */
  rmm?: RmmClient;
}

type ScriptKind = 'enable' | 'disable' | 'rotate';

/**
 * The `ninjaone` provider: NinjaOne acting as the RMM. Technician access is membership of a
 * NinjaOne role (add-members / remove-members); device accounts are enabled with an expiry,
 * disabled and rotated by the PowerShell scripts of templates/powershell/, run through
 * POST /v2/device/{id}/script/run and confirmed from the device's activities.
 */
export function createNinjaoneProvider(
  id: string,
  input: NinjaoneProviderInput,
  deps: NinjaoneProviderDeps,
): AccessProvider {
  const parsed = ninjaoneProviderSchema.safeParse(input);
  if (!parsed.success) throw new CredgateError('config', formatZodError(parsed.error, `providers.${id}`));
  const config = parsed.data;
  const clock = deps.clock ?? systemClock;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const log = deps.log.child({ provider: id, providerType: 'ninjaone' });
  const rmm = deps.rmm ?? createRmmClient(id, config, log);
  const sealing = config.sealingKey ? sealingKeyFrom(config.sealingKey, `providers.${id}.sealingKey`) : null;
  let scriptNames: Map<number, string> | null = null;

  const settingsOf = (target: AccessTarget): NinjaoneBindingSettings => {
    // A revocation's settings carry the grant's detail (perform-access merges it in): its `device`
    // and `role` pin the revocation to what was granted; the rest is audit detail, not settings.
    const {
      script: _script,
      activity: _activity,
      technician: _technician,
      change: _change,
      ...settings
    } = target.settings ?? {};
    const s = ninjaoneBindingSettingsSchema.safeParse(settings);
    if (!s.success)
      throw new CredgateError('config', formatZodError(s.error, `policy binding "${target.binding}" with`));
    return s.data;
  };

  /** The requester's NinjaOne technician: by uid (NinjaOne tickets) or by email (any other system). */
  async function technicianOf(ctx: AccessContext): Promise<number> {
    const r = ctx.requester;
    if (!r) throw new CredgateError('permanent', 'the request has no requester to give technician access to');
    const wanted = [r.id, r.email].filter((v): v is string => Boolean(v)).map((v) => v.toLowerCase());
    const t = (await rmm.technicians()).find(
      (u) => wanted.includes(u.uid.toLowerCase()) || (u.email !== undefined && wanted.includes(u.email.toLowerCase())),
    );
    if (!t)
      throw new CredgateError('permanent', `${r.displayName} is no NinjaOne technician (matched by uid and email)`);
    return t.id;
  }

  async function roleChange(ctx: AccessContext, change: 'add' | 'remove', roleId: number): Promise<ProviderResult> {
    const user = await technicianOf(ctx);
    const members = await rmm.roleMembers(roleId);
    if (members === null)
      throw new CredgateError('config', `NinjaOne has no technician role ${roleId} (binding "${ctx.target.binding}")`);
    // Idempotent: a retried grant or revocation finds the membership already as it should be.
    if ((change === 'add') !== members.includes(user)) await rmm.changeRoleMembers(roleId, change, [user]);
    return { detail: { role: String(roleId), technician: String(user), change } };
  }

  async function deviceOf(
    ctx: Pick<AccessContext, 'ticket'> | null,
    settings: NinjaoneBindingSettings,
    binding: string,
  ): Promise<number> {
    if (settings.device) return Number(settings.device);
    if (settings.deviceName) {
      const name = settings.deviceName.toLowerCase();
      const d = (await rmm.devices()).find((x) => (x.systemName ?? '').toLowerCase() === name);
      if (!d)
        throw new CredgateError(
          'config',
          `NinjaOne has no device named "${settings.deviceName}" (binding "${binding}")`,
        );
      return d.id;
    }
    if (ctx?.ticket.connector === 'ninjaone') {
      const node = await rmm.ticketDevice(ctx.ticket.id);
      if (node !== null) return node;
    }
    throw new CredgateError(
      'config',
      `binding "${binding}" names no device (with: device or deviceName) and the ticket carries none`,
    );
  }

  async function scriptName(scriptId: number): Promise<string> {
    if (!scriptNames?.has(scriptId)) scriptNames = new Map((await rmm.scripts()).map((s) => [s.id, s.name]));
    const name = scriptNames.get(scriptId);
    if (!name)
      throw new CredgateError(
        'config',
        `NinjaOne's script library has no script ${scriptId} (providers.${id}.scripts)`,
      );
    return name;
  }

  /** Runs one script on one device and waits for its confirmed outcome. */
  async function runScript(kind: ScriptKind, deviceId: number, parameters: string): Promise<Record<string, string>> {
    const scriptId = config.scripts[kind];
    if (!scriptId)
      throw new CredgateError(
        'config',
        `providers.${id}.scripts.${kind} is not set: upload the ${kind} script and name its id`,
      );
    const name = await scriptName(scriptId);
    const { lastNodeActivityId } = await rmm.activities(deviceId);
    await rmm.runScript(deviceId, { id: scriptId, parameters, runAs: config.runAs });
    const outcome = await awaitScriptOutcome(rmm, {
      deviceId,
      scriptName: name,
      after: lastNodeActivityId,
      intervalMs: parseDuration(config.pollInterval)!,
      timeoutMs: parseDuration(config.pollTimeout)!,
      now: () => clock().getTime(),
      sleep,
    });
    log.info({ deviceId, script: name, activity: outcome.id }, 'NinjaOne script run confirmed');
    return { device: String(deviceId), script: name, activity: String(outcome.id) };
  }

  const accountParams = (account: string, s: NinjaoneBindingSettings) => ({
    Account: deviceAccount(account),
    Scope: s.scope === 'domain' ? 'Domain' : 'Local',
    ...(s.group ? { Group: s.group } : {}),
  });

  async function rotate(ctx: AccessContext): Promise<ProviderResult> {
    if (!sealing)
      throw new CredgateError(
        'config',
        `providers.${id}.sealingKey is not set: the rotate script seals the password to it`,
      );
    const s = settingsOf(ctx.target);
    const deviceId = await deviceOf(ctx, s, ctx.target.binding);
    // The run id ties the sealed value in the custom field to this run, never to an older one.
    const runId = createHash('sha256')
      .update(`${ctx.idempotencyKey}:${randomBytes(8).toString('hex')}`)
      .digest('hex')
      .slice(0, 32);
    const detail = await runScript(
      'rotate',
      deviceId,
      scriptParameters({
        ...accountParams(ctx.facts.account ?? '', s),
        RunId: runId,
        SealModulus: sealing.modulus,
        SealExponent: sealing.exponent,
        Field: config.handoffField,
      }),
    );
    const raw = (await rmm.customFields(deviceId))[config.handoffField];
    // Cleared whatever it held: ciphertext is all it ever holds, but none should linger.
    await rmm.setCustomFields(deviceId, { [config.handoffField]: null });
    const [ran, sealed] = typeof raw === 'string' ? raw.split(':', 2) : [];
    if (ran !== runId || !sealed)
      throw new CredgateError(
        'transient',
        `the rotate script left no sealed password for this run in "${config.handoffField}"`,
      );
    const password = sealing.unseal(sealed);
    registerSecret(log, password);
    return { secret: { label: `password for ${ctx.facts.account}`, value: password }, detail };
  }

  return {
    id,
    type: 'ninjaone',
    async grant(ctx) {
      const s = settingsOf(ctx.target);
      if (s.role) return roleChange(ctx, 'add', Number(s.role));
      const deviceId = await deviceOf(ctx, s, ctx.target.binding);
      if (!ctx.expiresAt) throw new CredgateError('permanent', 'a device account is enabled only with an expiry');
      const detail = await runScript(
        'enable',
        deviceId,
        scriptParameters({ ...accountParams(ctx.facts.account ?? '', s), ExpiresAt: ctx.expiresAt }),
      );
      return { detail };
    },
    async revoke(ctx) {
      const s = settingsOf(ctx.target);
      if (s.role) return roleChange(ctx, 'remove', Number(s.role));
      const deviceId = await deviceOf(ctx, s, ctx.target.binding);
      const detail = await runScript('disable', deviceId, scriptParameters(accountParams(ctx.facts.account ?? '', s)));
      return { detail };
    },
    rotate,
    async disable(target, account) {
      const s = settingsOf(target);
      const deviceId = await deviceOf(null, s, target.binding);
      return { detail: await runScript('disable', deviceId, scriptParameters(accountParams(account, s))) };
    },
  };
}
