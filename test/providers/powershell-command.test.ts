import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { type CommandProviderInput, createCommandProvider } from '../../src/providers/command';
import type { AccessContext } from '../../src/providers/types';
import { createLogger } from '../../src/util/logger';
import { POWERSHELL_DIR, parsePowerShell } from '../helpers/powershell';

/** The README's example, as an operator would paste it: the block after the marker comment. */
function readmeExample(): CommandProviderInput {
  const readme = readFileSync(join(POWERSHELL_DIR, 'README.md'), 'utf8');
  const block = /<!-- command-provider-example -->\s*```yaml\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error('templates/powershell/README.md has no command-provider example');
  return parse(block[1]).providers['jump-host-accounts'];
}

describe('shipped PowerShell scripts through the command provider (pwsh -File)', function () {
  this.timeout(20_000);
  let dir: string;
  let bin: string;
  let logLines: string[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'credgate-pwsh-'));
    bin = mkdtempSync(join(tmpdir(), 'credgate-pwsh-bin-'));
    symlinkSync(join(__dirname, 'scripts', 'pwsh-stand-in.sh'), join(bin, 'pwsh'));
    logLines = [];
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(bin, { recursive: true, force: true });
  });

  /** The example with the scripts where this checkout has them, and the stand-in `pwsh` on PATH. */
  const provider = () => {
    const example = JSON.parse(
      JSON.stringify(readmeExample()).replaceAll('/opt/credgate/powershell/', `${POWERSHELL_DIR}/`),
    ) as CommandProviderInput;
    return createCommandProvider(
      'jump-host-accounts',
      { ...example, env: { STATE_DIR: dir } },
      {
        log: createLogger({ level: 'debug', destination: { write: (l: string) => void logLines.push(l) } as never }),
        env: { PATH: `${bin}:/usr/bin:/bin` },
      },
    );
  };
  const argv = () => readFileSync(join(dir, 'argv'), 'utf8').split('\0').slice(0, -1);
  const ctx = (account = 'svc_backup'): AccessContext => ({
    requestId: 'cg-7',
    ticket: { connector: 'ninjaone', id: '88', key: '#88' },
    requester: { id: 'u-1', displayName: 'Rita Requester', email: 'rita@msp.example' },
    facts: { account, systems: ['ACME-FS01'] } as never,
    expiresAt: '2026-12-07T18:00:00.000Z',
    target: {
      binding: 'jump-host',
      provider: 'jump-host-accounts',
      settings: { group: 'Remote Desktop Users' },
      rotateOnRevoke: false,
      share: 'none',
    },
    idempotencyKey: 'cg-7/grant',
  });

  /** Every `-Name:value` after the script is a parameter its param() block declares. */
  async function expectDeclared(args: string[]) {
    const file = args[3];
    const { params } = await parsePowerShell(readFileSync(file, 'utf8'));
    const named = args.slice(4).map((a) => /^-([A-Za-z]+):/.exec(a)?.[1]);
    expect(named, `${file}: every argument is -Name:value`).not.to.include(undefined);
    expect(params, file).to.include.members(named as string[]);
  }

  it('grant runs Enable-TemporaryAccount.ps1 with the account, group and expiry as one argument each', async () => {
    await provider().grant(ctx());
    expect(argv()).to.deep.equal([
      '-NoProfile',
      '-NonInteractive',
      '-File',
      join(POWERSHELL_DIR, 'Enable-TemporaryAccount.ps1'),
      '-Account:svc_backup',
      '-Scope:Local',
      '-Group:Remote Desktop Users',
      '-ExpiresAt:2026-12-07T18:00:00.000Z',
    ]);
    await expectDeclared(argv());
  });

  it('revoke and disable run Disable-TemporaryAccount.ps1', async () => {
    const p = provider();
    await p.revoke({ ...ctx(), reason: 'expired', idempotencyKey: 'cg-7/revoke' });
    expect(argv()).to.deep.equal([
      '-NoProfile',
      '-NonInteractive',
      '-File',
      join(POWERSHELL_DIR, 'Disable-TemporaryAccount.ps1'),
      '-Account:svc_backup',
      '-Scope:Local',
      '-Group:Remote Desktop Users',
    ]);
    await expectDeclared(argv());
    await p.disable!(ctx().target, 'vnd_acme', 'stale');
    expect(argv().slice(3)).to.deep.equal([
      join(POWERSHELL_DIR, 'Disable-TemporaryAccount.ps1'),
      '-Account:vnd_acme',
      '-Scope:Local',
    ]);
  });

  it('rotate runs Reset-AccountPassword.ps1 -Handoff:Stdout and takes the secret off stdout, unaudited', async () => {
    const result = await provider().rotate!({ ...ctx(), reason: 'shared', idempotencyKey: 'cg-7/rotate' });
    await expectDeclared(argv());
    expect(argv()).to.include('-Handoff:Stdout');
    const secret = readFileSync(join(dir, 'secret'), 'utf8').trim();
    expect(result?.secret).to.deep.equal({ label: 'password for svc_backup', value: secret });
    expect(result?.detail?.output).to.include('credgate Reset-AccountPassword').and.not.include(secret);
    expect(logLines.join('')).not.to.include(secret);
  });

  it('hands requester text over as one literal argument, so it cannot add a parameter', async () => {
    const hostile = "x' -Scope:Domain; Remove-Item C:\\ -Recurse";
    await provider().grant(ctx(hostile));
    expect(argv()[4]).to.equal(`-Account:${hostile}`);
    expect(argv().filter((a) => a.startsWith('-Scope'))).to.deep.equal(['-Scope:Local']);
  });
});
