import { constants, createPublicKey, publicEncrypt, randomBytes } from 'node:crypto';
import { bindParameters } from './script-parameters';
import type { FakeScript, ScriptRun } from './types';

/** A Windows account as the scripts in templates/powershell/ leave it. */
export interface ModelAccount {
  enabled: boolean;
  expires: string | null;
  groups: string[];
  password: string;
}

/** Exit codes the shipped scripts use (templates/powershell/README.md). */
export const EXIT = { ok: 0, error: 1, badParameters: 2, noAccount: 3, noGroup: 4, noField: 5 } as const;

/**
 * A model of what templates/powershell/*.ps1 do on a device, for the fake's script runs: the same
 * parameters, the same idempotent effects, the same exit codes. It is what lets the provider's
 * logic be tested where PowerShell cannot run; the scripts' own syntax is checked by the grammar.
 */
export class DeviceAccounts {
  readonly accounts = new Map<string, ModelAccount>();
  readonly groups = new Set<string>(['Administrators', 'Remote Desktop Users']);
  /** Each run with its bound parameters, as the script received them. */
  readonly seen: { script: string; params: Record<string, string>; runAs: string }[] = [];

  constructor(names: string[]) {
    for (const n of names)
      this.accounts.set(n.toLowerCase(), { enabled: false, expires: null, groups: [], password: 'initial' });
  }

  scripts(ids: { enable: number; disable: number; rotate: number }): FakeScript[] {
    return [
      { id: ids.enable, name: 'credgate Enable-TemporaryAccount', behaviour: (run) => this.run('enable', run, {}) },
      { id: ids.disable, name: 'credgate Disable-TemporaryAccount', behaviour: (run) => this.run('disable', run, {}) },
      {
        id: ids.rotate,
        name: 'credgate Reset-AccountPassword',
        behaviour: (run, device) => this.run('rotate', run, device.fields),
      },
    ];
  }

  private run(script: 'enable' | 'disable' | 'rotate', run: ScriptRun, fields: Record<string, unknown>) {
    let p: Record<string, string>;
    try {
      p = bindParameters(run.parameters);
    } catch {
      return { exitCode: EXIT.badParameters };
    }
    this.seen.push({ script, params: p, runAs: run.runAs });
    const account = this.accounts.get((p.Account ?? '').toLowerCase());
    if (!p.Account || !['Local', 'Domain'].includes(p.Scope ?? 'Local')) return { exitCode: EXIT.badParameters };
    if (!account) return { exitCode: EXIT.noAccount, message: `account ${p.Account} not found` };
    if (p.Group && !this.groups.has(p.Group)) return { exitCode: EXIT.noGroup };
    if (script === 'enable') {
      if (!p.ExpiresAt || Number.isNaN(Date.parse(p.ExpiresAt))) return { exitCode: EXIT.badParameters };
      account.enabled = true;
      account.expires = new Date(p.ExpiresAt).toISOString();
      if (p.Group && !account.groups.includes(p.Group)) account.groups.push(p.Group);
    } else if (script === 'disable') {
      account.enabled = false;
      account.expires = null;
      if (p.Group) account.groups = account.groups.filter((g) => g !== p.Group);
    } else {
      if (!p.RunId || !p.SealModulus || !p.SealExponent || !p.Field) return { exitCode: EXIT.badParameters };
      account.password = randomBytes(18).toString('base64');
      const key = createPublicKey({
        key: {
          kty: 'RSA',
          n: Buffer.from(p.SealModulus, 'base64').toString('base64url'),
          e: Buffer.from(p.SealExponent, 'base64').toString('base64url'),
        },
        format: 'jwk',
      });
      const sealed = publicEncrypt(
        { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
        Buffer.from(account.password, 'utf8'),
      ).toString('base64');
      fields[p.Field] = `${p.RunId}:${sealed}`;
    }
    return { exitCode: EXIT.ok };
  }
}
