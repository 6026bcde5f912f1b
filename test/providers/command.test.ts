import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCommandProvider, type CommandProviderInput } from '../../src/providers/command';
import type { AccessContext, AccessProvider } from '../../src/providers/types';
import { CredgateError } from '../../src/util/errors';
import { createLogger } from '../../src/util/logger';
import { failure } from '../helpers/failure';

const SCRIPTS = join(__dirname, 'scripts');
const script = (name: string) => join(SCRIPTS, name);

/** True while the process exists and is not a zombie (a container's pid 1 may never reap it). */
function isAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** A killed process takes a moment to be gone: polls for up to two seconds. */
async function diesSoon(pid: number): Promise<boolean> {
  const until = Date.now() + 2_000;
  while (Date.now() < until) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

describe('command provider (real scripts, no shell)', function () {
  this.timeout(20_000);
  let dir: string;
  let logLines: string[];
  const log = () =>
    createLogger({ level: 'debug', destination: { write: (line: string) => void logLines.push(line) } });
  const ctx = (over: Partial<AccessContext> = {}): AccessContext => ({
    requestId: 'req-1',
    ticket: { connector: 'jira', id: '10001', key: 'OPS-7' },
    requester: { id: 'u-1', displayName: 'Bob', email: 'bob@example.com' },
    facts: {
      systems: ['erp', 'crm'],
      account: 'svc_reports',
      access: 'admin',
      justification: 'month end',
      duration: '2h',
      company: '',
      client: '',
    },
    expiresAt: '2030-01-02T03:04:05.000Z',
    target: {
      binding: 'erp-accounts',
      provider: 'scripts',
      settings: { ou: 'OU=Service,DC=corp' },
      rotateOnRevoke: false,
      share: 'none',
    },
    idempotencyKey: 'req-1:grant:1',
    ...over,
  });
  const expiryConfig = (over: Partial<CommandProviderInput> = {}): CommandProviderInput => ({
    type: 'command',
    grant: { program: script('account-expiry.sh'), args: ['set', '--', '{{account}}', '{{expiresAt}}'] },
    revoke: { program: script('account-expiry.sh'), args: ['clear', '--', '{{account}}'] },
    inspect: { program: script('account-expiry.sh'), args: ['show', '--', '{{account}}'] },
    disable: { program: script('account-expiry.sh'), args: ['disable', '--', '{{account}}'] },
    env: { STATE_DIR: dir },
    ...over,
  });
  const provider = (
    config: CommandProviderInput,
    env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  ): AccessProvider => createCommandProvider('scripts', config, { log: log(), env });
  const state = () => readFileSync(join(dir, 'account'), 'utf8');
  const argv = () => readFileSync(join(dir, 'argv'), 'utf8').split('\0').slice(0, -1);
  const childEnv = () => readFileSync(join(dir, 'env'), 'utf8');

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'credgate-command-'));
    logLines = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('grant sets the account expiry on the system, revoke ends it, both audited with the output', async () => {
    const p = provider(expiryConfig());
    const granted = await p.grant(ctx());
    expect(state()).to.equal('account=svc_reports\nexpiresAt=2030-01-02T03:04:05.000Z\nenabled=true\n');
    expect(granted?.detail).to.deep.include({ program: script('account-expiry.sh'), exitCode: '0' });
    expect(granted?.detail?.output).to.equal('expiry of svc_reports set to 2030-01-02T03:04:05.000Z\n');

    await p.revoke({ ...ctx({ idempotencyKey: 'req-1:revoke:1' }), reason: 'expired' });
    expect(state()).to.match(/^account=svc_reports\nexpiresAt=\d{4}-.*\nenabled=false\n$/);
  });

  it("passes the context as CREDGATE_* variables and nothing of credgate's environment beyond passEnv", async () => {
    const p = provider(expiryConfig(), {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      LEAK_TOKEN: 'credgate-own-secret-value',
    });
    await p.grant(ctx());
    const env = childEnv();
    expect(env).to.include('CREDGATE_REQUEST_ID=req-1\n');
    expect(env).to.include('CREDGATE_IDEMPOTENCY_KEY=req-1:grant:1\n');
    expect(env).to.include('CREDGATE_GRANTEE=bob@example.com\n');
    expect(env).to.include('CREDGATE_EXPIRES_AT_UNIX=1893553445\n');
    expect(env).to.include('CREDGATE_SYSTEMS=erp,crm\n');
    expect(env).to.include('CREDGATE_SETTING_OU=OU=Service,DC=corp\n');
    expect(env).to.include('CREDGATE_OPERATION=grant\n');
    expect(env).not.to.include('LEAK_TOKEN');
  });

  it('hands requester text to the program as one argv element, verbatim: no shell ever sees it', async () => {
    const canary = join(dir, 'pwned');
    const hostile = `; rm -rf / $(whoami) \`id\` ; touch ${canary} && echo "$HOME" '\n{{requestId}} -Force`;
    const p = provider(
      expiryConfig({
        grant: { program: script('account-expiry.sh'), args: ['set', '--', '{{account}}', 'note={{reason}}'] },
      }),
    );
    await p.grant(ctx({ facts: { ...ctx().facts, account: hostile, justification: 'a "quoted"\nreason {{ticket}}' } }));
    expect(argv()).to.deep.equal(['set', '--', hostile, 'note=a "quoted"\nreason {{ticket}}']);
    expect(existsSync(canary), 'nothing ran the text as a command').to.equal(false);
    expect(readdirSync(dir).sort()).to.deep.equal(['account', 'argv', 'env', 'keys']);
  });

  it('kills a hanging program and everything it started at the timeout, as a transient error', async () => {
    const p = provider({
      type: 'command',
      grant: { program: script('sleepy.sh') },
      revoke: { program: script('sleepy.sh') },
      env: { STATE_DIR: dir },
      timeout: '500ms',
    });
    const started = Date.now();
    const err = await failure(p.grant(ctx()));
    expect(err.kind).to.equal('transient');
    expect(err.message).to.include('did not finish within 500ms');
    expect(Date.now() - started).to.be.below(3_000);
    const child = Number(readFileSync(join(dir, 'child.pid'), 'utf8'));
    expect(await diesSoon(child), 'the sleeping child is gone too').to.equal(true);
  });

  it('follows SIGTERM with SIGKILL when the program ignores it', async () => {
    const p = provider({
      type: 'command',
      grant: { program: script('sleepy.sh'), args: ['stubborn'] },
      revoke: { program: script('sleepy.sh') },
      env: { STATE_DIR: dir },
      timeout: '400ms',
      killGrace: '400ms',
    });
    const started = Date.now();
    const err = await failure(p.grant(ctx()));
    const took = Date.now() - started;
    expect(err.kind).to.equal('transient');
    expect(took).to.be.within(750, 4_000);
    expect(await diesSoon(Number(readFileSync(join(dir, 'child.pid'), 'utf8')))).to.equal(true);
  });

  it('maps exit codes: 75 and configured codes are transient, others permanent naming program and code only', async () => {
    const config = (code: number, extra: Partial<CommandProviderInput> = {}): CommandProviderInput => ({
      type: 'command',
      grant: { program: script('exit-with.sh'), args: [String(code), '--', '{{setting.note}}'] },
      revoke: { program: script('exit-with.sh'), args: ['0'] },
      ...extra,
    });
    const withNote = ctx({ target: { ...ctx().target, settings: { note: 'ArgumentOnlyText-91' } } });

    const temp = await failure(provider(config(75)).grant(withNote));
    expect(temp.kind).to.equal('transient');

    const perm = await failure(provider(config(3)).grant(withNote));
    expect(perm.kind).to.equal('permanent');
    expect(perm.message).to.equal(`provider "scripts": ${script('exit-with.sh')} (grant) exited with code 3`);
    expect(perm.message).not.to.include('ArgumentOnlyText-91');
    const warned = logLines.find((l) => l.includes('exited with code 3'));
    expect(warned, 'the operator sees why in the log').to.include('the directory refused the change (code 3)');

    const custom = await failure(provider(config(3, { transientExitCodes: [3, 75] })).grant(withNote));
    expect(custom.kind).to.equal('transient');
  });

  it('rotate returns the printed secret and scrubs it (plain and JSON-escaped) from audit and logs', async () => {
    const config = (mode: string): CommandProviderInput => ({
      type: 'command',
      grant: { program: script('account-expiry.sh'), args: ['set', '--', '{{account}}'] },
      revoke: { program: script('account-expiry.sh'), args: ['clear', '--', '{{account}}'] },
      rotate: {
        program: script('rotate-password.sh'),
        args: [mode, '--', '{{account}}'],
        ...(mode === 'plain' ? { secretFrom: 'stdout' as const } : {}),
      },
      env: { STATE_DIR: dir },
    });
    const result = await provider(config('json')).rotate({ ...ctx(), reason: 'last grant ended' });
    const onSystem = readFileSync(join(dir, 'password'), 'utf8');
    expect(result?.secret).to.deep.equal({ label: 'password for svc_reports', value: onSystem });
    const output = result!.detail!.output;
    expect(output).to.include('rotating the password of svc_reports');
    expect(output).to.include('debug: new value is [REDACTED]');
    expect(output).to.include('{"secret":"[REDACTED]"}');
    expect(output).not.to.include(onSystem.slice(3, -2));
    expect(logLines.join('\n')).not.to.include(onSystem.slice(3, -2));

    const plain = await provider(config('plain')).rotate({ ...ctx(), reason: 'last grant ended' });
    expect(plain?.secret?.value).to.equal(readFileSync(join(dir, 'password'), 'utf8'));
    expect(plain?.detail?.output).to.equal('rotating the password of svc_reports\n[REDACTED]\n');

    const none = await failure(provider(config('none')).rotate({ ...ctx(), reason: 'last grant ended' }));
    expect(none.kind).to.equal('permanent');
    expect(none.message).to.include('printed no secret');
  });

  it('redacts password-like lines and secret environment values from the audited output', async () => {
    const p = provider({
      type: 'command',
      grant: { program: script('chatty.sh') },
      revoke: { program: script('chatty.sh') },
      secretEnv: { DIRECTORY_KEY: 'Dir3ctory-Key-Value' },
    });
    const output = (await p.grant(ctx()))!.detail!.output;
    for (const secret of [
      'Hunter2-plain',
      'Hunter3-json',
      'Hunter4-flag',
      'Hunter5-secure',
      'Hunter6',
      'Hunter7-token',
      'Dir3ctory-Key-Value',
    ]) {
      expect(output).not.to.include(secret);
    }
    expect(output).to.include('password=[REDACTED]');
    expect(output).to.include('"password": "[REDACTED]", "enabled": true');
    expect(output).to.include('-NewPassword [REDACTED] -Reset');
    expect(output).to.include('using directory key [REDACTED]');
    expect(output, 'plain state is kept').to.include('PasswordNeverExpires : False');
    expect(output).to.include('expiry of bob set');
  });

  it('keeps at most maxOutputBytes of output and says how much was cut', async () => {
    const p = provider({
      type: 'command',
      grant: { program: script('chatty.sh'), args: ['400'] },
      revoke: { program: script('chatty.sh') },
      maxOutputBytes: 512,
    });
    const output = (await p.grant(ctx()))!.detail!.output;
    expect(Buffer.byteLength(output)).to.be.below(600);
    expect(output).to.match(/\n\[\d+ more bytes of output not kept\]$/);
    expect(output).not.to.include('Hunter2-plain');
  });

  it('inspects and disables an account found by a review', async () => {
    const p = provider(expiryConfig());
    const target = ctx().target;
    expect(await p.inspect!(target, 'svc_reports')).to.deep.equal({
      account: 'svc_reports',
      exists: false,
      enabled: false,
      expiresAt: null,
      lastUsedAt: null,
    });
    await p.grant(ctx());
    expect(await p.inspect!(target, 'svc_reports')).to.deep.include({
      exists: true,
      enabled: true,
      expiresAt: '2030-01-02T03:04:05.000Z',
    });
    const disabled = await p.disable!(target, 'svc_reports', 'stale for 90 days');
    expect(disabled?.detail?.output).to.equal('svc_reports disabled\n');
    expect(state()).to.include('enabled=false');
    expect(await p.inspect!(target, 'svc_reports')).to.deep.include({ exists: true, enabled: false });
  });

  it('finds a bare program name on the PATH the program gets', async () => {
    const p = provider(expiryConfig({ grant: { program: 'account-expiry.sh', args: ['set', '--', '{{account}}'] } }), {
      PATH: `${SCRIPTS}:/usr/bin:/bin`,
    });
    await p.grant(ctx());
    expect(state()).to.include('account=svc_reports');
  });

  it('refuses bad configuration when the provider is created, naming the key', () => {
    const attempt = (config: CommandProviderInput) => {
      try {
        provider(config);
      } catch (err) {
        expect(err).to.be.instanceOf(CredgateError);
        expect((err as CredgateError).kind).to.equal('config');
        return (err as Error).message;
      }
      throw new Error('expected creation to fail');
    };
    expect(
      attempt(expiryConfig({ grant: { program: script('account-expiry.sh'), args: ['set', '--', '{{acount}}'] } })),
    ).to.include('grant.args.2: {{acount}} is not a placeholder');
    expect(
      attempt(expiryConfig({ inspect: { program: script('account-expiry.sh'), args: ['{{requestId}}'] } })),
    ).to.include('inspect.args.0: {{requestId}} is not known when inspecting');
    expect(attempt(expiryConfig({ grant: { program: script('account-expiry.sh'), args: ['{{ account'] } }))).to.include(
      'opens no placeholder',
    );
    expect(attempt(expiryConfig({ grant: { program: script('no-such-script.sh') } }))).to.include(
      'is not an executable file',
    );
    expect(attempt(expiryConfig({ grant: { program: 'scripts/account-expiry.sh' } }))).to.include(
      'expected an absolute path or a bare program name',
    );
    expect(attempt(expiryConfig({ grant: { program: 'no-such-program-xyz' } }))).to.include('is not found on PATH');
    expect(attempt(expiryConfig({ env: { CREDGATE_REQUEST_ID: 'x' } }))).to.include('set by credgate itself');
    expect(attempt(expiryConfig({ cwd: join(dir, 'missing') }))).to.include('is not a directory');
  });

  it('fails with a config error naming the binding when a used setting is missing', async () => {
    const p = provider(
      expiryConfig({
        grant: { program: script('account-expiry.sh'), args: ['set', '--', '{{account}}', '{{setting.expiryOu}}'] },
      }),
    );
    const err = await failure(p.grant(ctx()));
    expect(err.kind).to.equal('config');
    expect(err.message).to.include('policy binding "erp-accounts" has no setting "expiryOu"');
  });
});
