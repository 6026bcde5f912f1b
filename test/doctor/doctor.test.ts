import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { FakeJira, type FakeJiraOptions } from '../fakes/jira/fake-jira';
import { runDoctor } from '../../src/doctor/doctor-command';
import type { CheckResult } from '../../src/doctor/check';
import { SECRETS, SERVICE_ACCOUNT, STATUSES, USERS } from '../helpers/harness';
import { startSlapd, type Slapd } from '../helpers/slapd';

const ROOT = resolve(__dirname, '../..');

/** A policy whose approvals need `approverGroup`, with `providers` bindings. */
function policyDoc(approverGroup = 'credential-approvers', providers: unknown[] = []) {
  const steps = [{ id: 'approver', name: 'Approver', groups: [approverGroup] }];
  return {
    version: 1,
    categories: [
      {
        id: 'shared-account',
        name: 'Shared account',
        when: { any: [{ fact: 'labels', operator: 'includes', value: 'credential' }] },
        required: ['systems'],
      },
    ],
    risk: { rules: [] },
    durations: { default: '1h', max: { low: '8h', high: '4h' } },
    approvals: { paths: { standard: { low: steps, high: steps } } },
    providers,
  };
}

interface Setup {
  fake?: Partial<FakeJiraOptions>;
  jira?: Record<string, unknown>;
  policy?: object;
  config?: Record<string, unknown>;
  env?: Record<string, string | undefined>;
}

describe('credgate doctor', function () {
  this.timeout(30_000);
  let dir: string;
  const fakes: FakeJira[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'credgate-doctor-'));
  });
  afterEach(async () => {
    for (const f of fakes.splice(0)) await f.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Writes a configuration and policy for a fake Jira, then the environment that starts credgate on them. */
  async function setup(s: Setup = {}): Promise<Record<string, string | undefined>> {
    const fake = new FakeJira({
      email: 'credgate@example.com',
      apiToken: SECRETS.apiToken,
      users: USERS,
      statuses: STATUSES,
      serviceAccountId: SERVICE_ACCOUNT,
      projects: ['CRED'],
      issueTypes: ['Credential request'],
      fieldNames: { customfield_10050: 'Systems' },
      ...s.fake,
    });
    fakes.push(fake);
    const jiraUrl = await fake.start();
    writeFileSync(join(dir, 'policy.yaml'), stringify(s.policy ?? policyDoc()));
    writeFileSync(
      join(dir, 'credgate.yaml'),
      stringify({
        policy: { path: join(dir, 'policy.yaml') },
        jira: {
          projects: ['CRED'],
          issueTypes: ['Credential request'],
          fields: { systems: 'customfield_10050' },
          ...s.jira,
        },
        ...s.config,
      }),
    );
    return {
      CREDGATE_CONFIG: join(dir, 'credgate.yaml'),
      CREDGATE_STORE: `sqlite://${join(dir, 'store.sqlite')}`,
      CREDGATE_AUDIT_KEY: SECRETS.auditKey,
      JIRA_BASE_URL: jiraUrl,
      JIRA_EMAIL: 'credgate@example.com',
      JIRA_API_TOKEN: SECRETS.apiToken,
      JIRA_WEBHOOK_SECRET: SECRETS.webhookSecret,
      ...s.env,
    };
  }

  const only = (results: CheckResult[], name: string): CheckResult => {
    const found = results.find((r) => r.name === name);
    expect(found, `a check named ${name} in ${results.map((r) => r.name).join(', ')}`).to.not.equal(undefined);
    return found as CheckResult;
  };
  /** The check failed, and only it: every other check of the same setup still passes. */
  const failsAlone = (results: CheckResult[], name: string): CheckResult => {
    const failed = results.filter((r) => !r.ok).map((r) => r.name);
    expect(failed).to.deep.equal([name]);
    return only(results, name);
  };

  it('passes every check of a complete setup, line by line', async () => {
    const results = await runDoctor(await setup());
    expect(results.filter((r) => !r.ok)).to.deep.equal([]);
    expect(results.map((r) => r.name)).to.include.members([
      'audit.key',
      'handoff.key',
      'store',
      'policy.providers',
      'jira.auth',
      'jira.permissions',
      'jira.statuses',
      'jira.fields',
      'jira.groups',
    ]);
    expect(only(results, 'jira.auth').message).to.equal('signed in as credgate');
    expect(only(results, 'jira.fields').message).to.equal('systems → Systems');
  });

  it('jira.auth: a wrong API token is refused, and the fix names the variables', async () => {
    const r = failsAuthOnly(await runDoctor(await setup({ env: { JIRA_API_TOKEN: 'not-the-token-at-all' } })));
    expect(r.message).to.include('refused');
    expect(r.fix).to.include('JIRA_API_TOKEN');
    expect(JSON.stringify(r)).not.to.include('not-the-token-at-all');
  });

  it('jira.auth: a site that does not answer is unreachable, with the network and TLS to check', async () => {
    const env = await setup();
    await fakes[0].stop();
    fakes.length = 0;
    const results = await runDoctor(env);
    const r = only(results, 'jira.auth');
    expect(r.ok).to.equal(false);
    expect(r.message).to.include('could not be reached');
    expect(r.fix).to.include('TLS');
  });

  /** With credentials refused, every other Jira check fails too; the first line is the one to fix. */
  function failsAuthOnly(results: CheckResult[]): CheckResult {
    const r = only(results, 'jira.auth');
    expect(r.ok).to.equal(false);
    expect(only(results, 'store').ok).to.equal(true);
    return r;
  }

  it('jira.permissions: a bot that may browse but not comment or transition', async () => {
    const r = failsAlone(
      await runDoctor(await setup({ fake: { botPermissions: ['BROWSE_PROJECTS'] } })),
      'jira.permissions',
    );
    expect(r.message).to.equal("credgate's account lacks ADD_COMMENTS in CRED, TRANSITION_ISSUES in CRED");
    expect(r.fix).to.include('permission scheme');
  });

  it('jira.statuses: a configured status the workflow lacks', async () => {
    const r = failsAlone(
      await runDoctor(await setup({ fake: { statuses: STATUSES.filter((s) => s !== 'Revocation failed') } })),
      'jira.statuses',
    );
    expect(r.message).to.equal(
      '"Revocation failed" (jira.statuses.revocationFailed) is not in the workflow of CRED / Credential request',
    );
  });

  it('jira.statuses: an issue type the project does not have', async () => {
    const r = failsAlone(await runDoctor(await setup({ jira: { issueTypes: ['Access ask'] } })), 'jira.statuses');
    expect(r.message).to.include('CRED has no issue type "Access ask" (has: Credential request)');
  });

  it('jira.fields: a wrong custom-field id, and a field of the wrong type', async () => {
    const r = failsAlone(
      await runDoctor(
        await setup({
          jira: { fields: { systems: 'customfield_10099', account: 'customfield_10051' } },
          fake: {
            fieldNames: { customfield_10050: 'Systems', customfield_10051: 'Owner' },
            fieldTypes: { customfield_10051: 'user' },
          },
        }),
      ),
      'jira.fields',
    );
    expect(r.message).to.equal(
      'jira.fields.systems: no field "customfield_10099" exists; jira.fields.account: "customfield_10051" (Owner) is of type user, not text, a select or a list',
    );
  });

  it('jira.groups: an approver group that does not exist, and one nobody is in', async () => {
    const r = failsAlone(await runDoctor(await setup({ policy: policyDoc('security-team') })), 'jira.groups');
    expect(r.message).to.equal(`"security-team" does not exist or credgate's account may not read it`);
    const empty = failsAlone(
      await runDoctor(await setup({ policy: policyDoc('approvers-empty'), fake: { groups: ['approvers-empty'] } })),
      'jira.groups',
    );
    expect(empty.message).to.equal('"approvers-empty" has no members, so nobody can approve');
  });

  it('audit.key: no CREDGATE_AUDIT_KEY', async () => {
    const r = failsAlone(await runDoctor(await setup({ env: { CREDGATE_AUDIT_KEY: undefined } })), 'audit.key');
    expect(r.fix).to.include('openssl rand');
  });

  it('handoff.key: a shared account rotated with no key to seal its one-time link', async () => {
    const binding = { id: 'backup', provider: 'builtin', match: { accounts: ['svc_backup'] }, share: 'rotate' };
    const r = failsAlone(
      await runDoctor(await setup({ policy: policyDoc('credential-approvers', [binding]) })),
      'handoff.key',
    );
    expect(r.fix).to.include('CREDGATE_HANDOFF_KEY');
  });

  it('policy.providers: a binding naming a provider that is not configured', async () => {
    const binding = { id: 'vpn', provider: 'corp-ad', match: { systems: ['vpn*'] } };
    const r = failsAlone(
      await runDoctor(await setup({ policy: policyDoc('credential-approvers', [binding]) })),
      'policy.providers',
    );
    expect(r.message).to.include('"vpn" → "corp-ad"');
  });

  it('store: a store that cannot be opened is a failed check, and the other checks still run', async () => {
    // A SQLite file under a path that is a file, not a directory: the store cannot open.
    writeFileSync(join(dir, 'not-a-dir'), '');
    const results = await runDoctor(
      await setup({ env: { CREDGATE_STORE: `sqlite://${join(dir, 'not-a-dir', 'store.sqlite')}` } }),
    );
    const r = only(results, 'store');
    expect(r.ok).to.equal(false);
    expect(r.fix).to.include('CREDGATE_STORE');
  });

  it('policy: a policy that does not load is named with the command that explains it', async () => {
    const env = await setup();
    writeFileSync(join(dir, 'policy.yaml'), 'version: 2\n');
    const r = only(await runDoctor(env), 'policy');
    expect(r.ok).to.equal(false);
    expect(r.fix).to.include('credgate policy check');
  });

  describe('an LDAP provider', () => {
    let slapd: Slapd;
    before(async function () {
      this.timeout(60_000);
      slapd = await startSlapd();
    });
    after(async () => slapd?.stop());

    const withLdap = (over: { bindPassword?: string; group?: string } = {}) =>
      setup({
        policy: policyDoc('credential-approvers', [
          {
            id: 'vpn',
            provider: 'corp-ldap',
            match: { systems: ['vpn*'] },
            with: { group: over.group ?? `cn=vpn,ou=groups,${slapd.baseDN}` },
          },
        ]),
        config: {
          providers: {
            'corp-ldap': {
              type: 'ldap',
              url: slapd.url,
              bindDN: slapd.bindDN,
              bindPassword: 'env:LDAP_BIND_PASSWORD',
              baseDN: slapd.baseDN,
            },
          },
        },
        env: { LDAP_BIND_PASSWORD: over.bindPassword ?? slapd.bindPassword },
      });

    it('binds and reads each bound group', async () => {
      const results = await runDoctor(await withLdap());
      expect(results.filter((r) => !r.ok)).to.deep.equal([]);
      expect(only(results, 'provider.corp-ldap.bind').message).to.include(`bound to ${slapd.url}`);
      expect(only(results, 'provider.corp-ldap.groups').message).to.include(`cn=vpn,ou=groups,${slapd.baseDN}`);
    });

    it('provider.<name>.bind: a wrong bind password', async () => {
      const results = await runDoctor(await withLdap({ bindPassword: 'wrong-password-9' }));
      const r = only(results, 'provider.corp-ldap.bind');
      expect(r.ok).to.equal(false);
      expect(r.fix).to.include('bind password');
      expect(JSON.stringify(results)).not.to.include('wrong-password-9');
    });

    it('provider.<name>.groups: a bound group that does not exist', async () => {
      const r = failsAlone(
        await runDoctor(await withLdap({ group: `cn=nope,ou=groups,${slapd.baseDN}` })),
        'provider.corp-ldap.groups',
      );
      expect(r.message).to.include(`group cn=nope,ou=groups,${slapd.baseDN} does not exist`);
    });
  });

  it('the CLI prints pass/FAIL lines, exits 1 on a failure, and --json gives the same for automation', async () => {
    const env = { ...(await setup({ fake: { botPermissions: ['BROWSE_PROJECTS'] } })), PATH: process.env.PATH };
    // Not spawnSync: the fake Jira answers from this process's event loop.
    const run = (...args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
        const child = spawn(process.execPath, [join(ROOT, 'bin/credgate.js'), 'doctor', ...args], { cwd: dir, env });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.on('close', (status) => done({ status, stdout, stderr }));
      });
    const text = await run();
    expect(text.status, text.stderr).to.equal(1);
    expect(text.stdout).to.match(/^pass {2}audit\.key: the audit chain is keyed$/m);
    expect(text.stdout).to.match(/^FAIL {2}jira\.permissions: credgate's account lacks ADD_COMMENTS in CRED/m);
    expect(text.stdout).to.match(/^ {6}fix: grant the bot account/m);
    expect(text.stdout).to.include('1 of 9 checks failed');
    const json = await run('--json');
    expect(json.status).to.equal(1);
    const report = JSON.parse(json.stdout) as { ok: boolean; checks: CheckResult[] };
    expect(report.ok).to.equal(false);
    expect(report.checks.filter((c) => !c.ok).map((c) => c.name)).to.deep.equal(['jira.permissions']);
  });
});
