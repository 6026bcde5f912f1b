import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CONNECTORS } from '../../connectors';
import { initFiles } from '../../src/cli/init-command';
import { policyCheckReport } from '../../src/cli/policy-check';
import { loadConfig } from '../../src/config/load-config';
import { loadPolicy } from '../../src/policy/policy';

const ROOT = resolve(__dirname, '../..');
const cli = (cwd: string, ...args: string[]) =>
  spawnSync(process.execPath, [join(ROOT, 'bin/credgate.js'), ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
  });

describe('credgate init', function () {
  this.timeout(60_000);

  for (const { id } of CONNECTORS)
    it(`--connector ${id}: the files load with the config loader and pass policy check`, () => {
      const dir = mkdtempSync(join(tmpdir(), `credgate-init-${id}-`));
      const files = initFiles({ connector: id, dir, publicUrl: 'https://credgate.example.com' });
      for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
      const config = loadConfig({ CREDGATE_CONFIG: join(dir, 'credgate.yaml') });
      expect(config.policy.path).to.equal(join(dir, 'policy.yaml'));
      expect(config.server.publicUrl).to.equal('https://credgate.example.com');
      const report = policyCheckReport(config.policy.path, loadPolicy(config.policy.path), config, new Date());
      expect(report[0]).to.equal(`${join(dir, 'policy.yaml')}: valid`);
      // No secret value: secrets are named as variables only.
      const settings = files['credgate.yaml'].replace(/#.*$/gm, '');
      expect(settings).not.to.match(/(token|secret|password|key):\s*[^\s{]/i);
      expect(files['credgate.yaml']).to.include('bindPassword: "env:LDAP_BIND_PASSWORD"');
    });

  it('writes both files, prints the webhook URL and steps, and refuses to overwrite without --force', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'credgate-init-cli-'));
    const first = cli(cwd, 'init', '--connector', 'jira', '--dir', 'conf', '--public-url', 'https://cg.example.org');
    expect(first.status, first.stderr).to.equal(0);
    expect(first.stdout).to.include('Webhook URL for jira: https://cg.example.org/webhooks/jira');
    expect(first.stdout).to.include('credgate doctor');
    const written = readFileSync(join(cwd, 'conf/credgate.yaml'), 'utf8');

    const check = spawnSync(process.execPath, [join(ROOT, 'bin/credgate.js'), 'policy', 'check'], {
      cwd: tmpdir(),
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', CREDGATE_CONFIG: join(cwd, 'conf/credgate.yaml') },
    });
    expect(check.status, check.stderr).to.equal(0);
    expect(check.stdout).to.include('policy.yaml: valid');

    writeFileSync(join(cwd, 'conf/credgate.yaml'), `${written}# my edit\n`);
    const again = cli(cwd, 'init', '--connector', 'github', '--dir', 'conf');
    expect(again.status).to.equal(2);
    expect(again.stderr).to.include('already exist; nothing was written (--force overwrites)');
    expect(readFileSync(join(cwd, 'conf/credgate.yaml'), 'utf8')).to.include('# my edit');

    const forced = cli(cwd, 'init', '--connector', 'github', '--dir', 'conf', '--force');
    expect(forced.status, forced.stderr).to.equal(0);
    expect(readFileSync(join(cwd, 'conf/credgate.yaml'), 'utf8')).to.include('github: {}');
  });

  it('without --connector and without a terminal, says which flag is missing', () => {
    const r = cli(mkdtempSync(join(tmpdir(), 'credgate-init-none-')), 'init');
    expect(r.status).to.equal(2);
    expect(r.stderr).to.include('give --connector jira|');
  });
});
