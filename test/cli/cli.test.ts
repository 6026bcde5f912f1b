import { expect } from 'chai';
import { quickPolicy } from '../helpers/policy';
import { spawnSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { routingPolicyDocument } from '../helpers/policy';

const ROOT = resolve(__dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'credgate-cli-'));
const cli = (...args: string[]) =>
  spawnSync(process.execPath, [join(ROOT, 'bin/credgate.js'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
  });

describe('credgate CLI', function () {
  this.timeout(30_000);

  it('policy check accepts the shipped policy and summarises it', () => {
    const r = cli('policy', 'check', 'config/policy.yaml');
    expect(r.status).to.equal(0);
    expect(r.stdout).to.include('config/policy.yaml: valid');
    expect(r.stdout).to.include('vendor-access');
  });

  it('policy check warns about an auto-approval rule allowed to approve high risk', () => {
    const file = join(dir, 'auto-policy.yaml');
    const base = quickPolicy().document;
    writeFileSync(
      file,
      JSON.stringify({
        ...base,
        autoApprove: {
          rules: [
            { id: 'renewal', description: 'renewal', renewalWithin: '7d' },
            {
              id: 'anything-goes',
              description: 'on call',
              allowHighRisk: true,
              when: { all: [{ fact: 'hourUtc', operator: 'lessThan', value: 7 }] },
            },
          ],
        },
        breakGlass: { labels: ['break-glass'], maxDuration: '2h', approvals: 2, confirmWithin: '30m' },
      }),
    );
    const r = cli('policy', 'check', file);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.include('auto-approval rules: renewal (low risk), anything-goes (low and HIGH risk)');
    expect(r.stdout).to.include('break-glass: label break-glass; at most 2h, 2 confirmation(s) within 30m');
    expect(r.stdout).to.include(
      'warning: auto-approval rule "anything-goes" may approve HIGH risk requests without any person (allowHighRisk: true)',
    );
    expect(r.stdout).not.to.include('warning: auto-approval rule "renewal"');
  });

  it('policy check names the bad keys of a broken policy and exits 1', () => {
    const bad = join(dir, 'bad-policy.yaml');
    writeFileSync(
      bad,
      'version: 1\ncategories:\n  - id: Bad Id\n    name: x\n    when: {any: [{fact: labels, operator: includes, value: x}]}\n    path: nowhere\nrisk: {rules: []}\ndurations: {default: 4h, max: {low: forever, high: 1h}}\napprovals: {paths: {standard: {low: [], high: []}}}\n',
    );
    const r = cli('policy', 'check', bad);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.include('categories.0.id: expected a lowercase id such as "prod-system"');
    expect(r.stderr).to.include('durations.max.low: expected a duration');
    expect(r.stderr).to.include('approvals.paths.standard.low:');
  });

  it('policy check --client prints the effective policy of that client; simulate --client uses it', () => {
    const file = join(dir, 'routing-policy.json');
    writeFileSync(file, JSON.stringify(routingPolicyDocument()));
    const base = cli('policy', 'check', file);
    expect(base.status).to.equal(0);
    expect(base.stdout).to.include('production-system → high');
    expect(base.stdout).to.include('client overlays: acme (ACME*)');
    const acme = cli('policy', 'check', file, '--client', 'ACME Corp');
    expect(acme.status).to.equal(0);
    expect(acme.stdout).to.include('client "ACME Corp": overlay acme applies (owners: acc-carl)');
    expect(acme.stdout).to.include('risk rules: none');
    expect(acme.stdout).to.include('max low 2h');
    expect(acme.stdout).to.include('1 × Client owner (the client owner)');
    expect(acme.stdout).to.include('remind after 120m; after 240m it-leads join');
    const other = cli('policy', 'check', file, '--client', 'Globex');
    expect(other.stdout).to.include('no overlay matches; the base policy applies');

    const payload = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/examples/credential-request.json'), 'utf8'));
    payload.issue.fields.description += '\nCompany: Vendor Ltd';
    const payloadFile = join(dir, 'acme-request.json');
    writeFileSync(payloadFile, JSON.stringify(payload));
    const sim = cli('simulate', payloadFile, '--policy', file, '--client', 'ACME Corp', '--at', '2026-11-25T10:00:00Z');
    expect(sim.status, sim.stderr).to.equal(0);
    expect(sim.stdout).to.include('Risk: LOW');
    // The overlay's client-owner step is filled from the client directory, and that owner signs.
    expect(sim.stdout).to.include('1 × Client owner: client owner \\@acc\\-carl');
    expect(sim.stdout).to.include('acc-carl (Client owner) moves the ticket to Approved → granted');
    expect(sim.stdout).to.match(/→ granted/);
  });

  it('simulate prints the decision and the exact comments of a whole request, without Jira', () => {
    const r = cli('simulate', 'test/fixtures/examples/credential-request.json', '--at', '2026-11-25T10:00:00Z');
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.include('=== ticket CRED-1 created → pending-approval');
    expect(r.stdout).to.include('*Risk: HIGH*');
    expect(r.stdout).to.include('administrative or root access is requested (rule admin\\-access)');
    expect(r.stdout).to.include('h4. Approval 1 of 2 recorded');
    expect(r.stdout).to.include('→ granted');
    expect(r.stdout).to.include('h4. Access revoked');
  });

  it('simulate --fail grant replays a grant that fails for good: the ticket never says "Access granted"', () => {
    const r = cli(
      'simulate',
      'test/fixtures/examples/credential-request.json',
      '--at',
      '2026-11-25T10:00:00Z',
      '--fail',
      'grant',
      '--error',
      'no such group: cn=vpn-admins',
    );
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.include('=== grant the access: failed for good (no such group: cn=vpn-admins) → revoked');
    expect(r.stdout).to.include('h4. Access could not be granted');
    // The error as the ticket shows it: escaped for wiki markup.
    expect(r.stdout).to.include('no such group: cn=vpn\\-admins.');
    expect(r.stdout).to.include('revoke access (the grant failed)');
    expect(r.stdout).not.to.include('h4. Access granted');
    expect(r.stdout).not.to.include('reminder due');
  });

  it('simulate --fail revoke replays a revocation that fails for good; an unknown effect is refused', () => {
    const r = cli(
      'simulate',
      'test/fixtures/examples/credential-request.json',
      '--at',
      '2026-11-25T10:00:00Z',
      '--fail',
      'revoke',
    );
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.include(
      '=== revoke the access: failed for good (the provider refused (simulated)) → revocation-failed',
    );
    expect(r.stdout).to.include('move ticket to the revocation-failed status');
    expect(r.stdout).to.include('h4. Revocation failed: access may still be active');

    const bad = cli('simulate', 'test/fixtures/examples/credential-request.json', '--fail', 'everything');
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.include('--fail must be one of grant, revoke, set-status, comment');
  });

  it('npm start with no ticketing system still serves /healthz and says how to enable Jira', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, PORT: '0', CREDGATE_STORE: `sqlite://${join(dir, 'start.sqlite')}` },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const port = await new Promise<number>((ok, fail) => {
      const t = setTimeout(() => fail(new Error(`no listening line in: ${out}`)), 20_000);
      child.stdout.on('data', () => {
        const m = /"port":(\d+).*credgate listening/.exec(out);
        if (m) {
          clearTimeout(t);
          ok(Number(m[1]));
        }
      });
    });
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).to.equal(200);
    expect(out).to.include('set JIRA_BASE_URL, JIRA_EMAIL and JIRA_API_TOKEN');
    child.kill('SIGTERM');
    const code = await new Promise((ok) => child.on('exit', ok));
    expect(code).to.equal(0);
  });
});
