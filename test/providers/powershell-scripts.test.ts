import { expect } from 'chai';
import { generateKeyPairSync } from 'node:crypto';
import { NINJAONE_IDS, ninjaoneUsers } from '../conformance/drivers/ninjaone';
import { DeviceAccounts, EXIT } from '../fakes/ninjaone/device-accounts';
import { FakeNinjaOne } from '../fakes/ninjaone/fake-ninjaone';
import { bindParameters } from '../fakes/ninjaone/script-parameters';
import { parsePowerShell, shippedScripts } from '../helpers/powershell';
import { createNinjaoneProvider } from '../../src/providers/ninjaone';
import type { AccessContext } from '../../src/providers/types';
import { createLogger } from '../../src/util/logger';

/** The script library names the provider's fake (and the readme's upload steps) use, by file. */
const LIBRARY_NAMES: Record<string, string> = {
  'Disable-TemporaryAccount.ps1': 'credgate Disable-TemporaryAccount',
  'Enable-TemporaryAccount.ps1': 'credgate Enable-TemporaryAccount',
  'Reset-AccountPassword.ps1': 'credgate Reset-AccountPassword',
};
/** Parameters only the command provider passes (`pwsh -File`): the ninjaone provider leaves the default. */
const COMMAND_ONLY: Record<string, string[]> = { 'Reset-AccountPassword.ps1': ['Handoff'] };

describe('shipped PowerShell scripts (templates/powershell)', function () {
  this.timeout(20_000);

  it('are the three scripts, each parsed by the PowerShell grammar without an error', async () => {
    const scripts = shippedScripts();
    expect(scripts.map((s) => s.file)).to.deep.equal(Object.keys(LIBRARY_NAMES));
    for (const s of scripts) {
      const parsed = await parsePowerShell(s.text);
      expect(parsed.problems, s.file).to.deep.equal([]);
      expect(s.text, s.file).to.include(`.SYNOPSIS\n  ${LIBRARY_NAMES[s.file]}:`);
    }
  });

  it('rejects a broken script, so the syntax check can fail', async () => {
    const enable = shippedScripts().find((s) => s.file === 'Enable-TemporaryAccount.ps1')!;
    // The closing brace of Exit-With dropped, and an unfinished expression.
    const unclosed = await parsePowerShell(enable.text.replace('  exit $Code\n}', '  exit $Code\n'));
    expect(unclosed.problems).to.have.length.greaterThan(0);
    const dangling = await parsePowerShell(`${enable.text}\n$expiry = (1 +\n`);
    expect(dangling.problems).to.have.length.greaterThan(0);
  });

  it('use exactly the exit codes the device model defines, each script the ones it can end with', async () => {
    const all = Object.values(EXIT).sort((a, b) => a - b);
    const seen = new Set<number>();
    for (const s of shippedScripts()) {
      const { exitCodes } = await parsePowerShell(s.text);
      for (const code of exitCodes) seen.add(code);
      expect(all, `${s.file} exits only with documented codes`).to.include.members(exitCodes);
      expect(exitCodes, s.file).to.include.members([
        EXIT.ok,
        EXIT.error,
        EXIT.badParameters,
        EXIT.noAccount,
        EXIT.noGroup,
      ]);
    }
    const rotate = await parsePowerShell(shippedScripts().find((s) => s.file === 'Reset-AccountPassword.ps1')!.text);
    expect(rotate.exitCodes).to.include(EXIT.noField);
    expect([...seen].sort((a, b) => a - b)).to.deep.equal(all);
  });

  describe('declare the parameters the ninjaone provider sends', () => {
    let fake: FakeNinjaOne;
    let device: DeviceAccounts;
    const SCRIPTS = { enable: 301, disable: 302, rotate: 303 };

    beforeEach(async () => {
      device = new DeviceAccounts(['svc_backup']);
      fake = new FakeNinjaOne({
        clientId: NINJAONE_IDS.CLIENT_ID,
        clientSecret: NINJAONE_IDS.CLIENT_SECRET,
        users: ninjaoneUsers(),
        devices: [{ id: 40, systemName: 'ACME-FS01', organizationId: 21 }],
        scripts: device.scripts(SCRIPTS),
        scriptDelayMs: 10,
      });
    });
    afterEach(async () => {
      expect(fake.violations).to.deep.equal([]);
      await fake.stop();
    });

    it('every name the provider sends is a param() of the script, and every param() is one it sends', async () => {
      const url = await fake.start();
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const provider = createNinjaoneProvider(
        'msp-rmm',
        {
          type: 'ninjaone',
          baseUrl: url,
          clientId: NINJAONE_IDS.CLIENT_ID,
          clientSecret: NINJAONE_IDS.CLIENT_SECRET,
          scripts: SCRIPTS,
          sealingKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
          pollInterval: '10ms',
          pollTimeout: '2s',
        },
        { log: createLogger({ level: 'silent' }) },
      );
      // A binding with every optional setting, so the provider sends every parameter it knows.
      const ctx: AccessContext = {
        requestId: 'cg-1',
        ticket: { connector: 'jira', id: '10001', key: 'CRED-1' },
        requester: { id: 'acc-rita', displayName: 'Rita Requester', email: 'rita@msp.example' },
        facts: { account: 'svc_backup', systems: ['ACME-FS01'] } as never,
        expiresAt: '2026-12-07T12:00:00.000Z',
        target: {
          binding: 'b',
          provider: 'msp-rmm',
          settings: { device: '40', group: 'Remote Desktop Users', scope: 'domain' },
          rotateOnRevoke: false,
          share: 'none',
        },
        idempotencyKey: 'cg-1/grant',
      };
      await provider.grant(ctx);
      await provider.revoke({ ...ctx, reason: 'expired' });
      await provider.rotate!({ ...ctx, reason: 'shared' });

      const sent = new Map<string, string[]>();
      for (const run of fake.state.runs) {
        const file = Object.keys(LIBRARY_NAMES).find(
          (f) => LIBRARY_NAMES[f] === device.scripts(SCRIPTS).find((s) => s.id === run.id)?.name,
        )!;
        sent.set(file, Object.keys(bindParameters(run.parameters)));
      }
      expect([...sent.keys()].sort()).to.deep.equal(Object.keys(LIBRARY_NAMES));
      for (const s of shippedScripts()) {
        const { params } = await parsePowerShell(s.text);
        const expected = [...sent.get(s.file)!, ...(COMMAND_ONLY[s.file] ?? [])];
        expect([...params].sort(), s.file).to.deep.equal([...expected].sort());
      }
    });
  });
});
