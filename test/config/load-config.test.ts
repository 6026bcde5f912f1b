import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../../src/config/load-config';
import { loadPolicy } from '../../src/policy/policy';

const ROOT = resolve(__dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'credgate-config-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('configuration', () => {
  it('has working defaults with only the shipped file and no environment', () => {
    const c = loadConfig({ CREDGATE_CONFIG: undefined });
    expect(c.server.port).to.equal(3000);
    // The shipped config/credgate.yaml is read (the tests run in the repository): its paths are
    // relative to config/, wherever the service was started.
    expect(c.store.url).to.equal(`sqlite://${join(ROOT, 'data/credgate.sqlite')}`);
    expect(c.policy.path).to.equal(join(ROOT, 'config/policy.yaml'));
  });

  it('resolves paths in the config file against its directory, and paths in the environment against the working directory', () => {
    const sub = mkdtempSync(join(dir, 'paths-'));
    writeFileSync(join(sub, 'policy.yaml'), readFileSync(join(ROOT, 'config/policy.yaml')));
    const path = join(sub, 'credgate.yaml');
    writeFileSync(
      path,
      'store:\n  url: sqlite://./data/x.sqlite\npolicy:\n  path: policy.yaml\ntemplates:\n  dir: ./mine\nhandoff:\n  keyFile: keys/handoff\n',
    );
    const c = loadConfig({ CREDGATE_CONFIG: path });
    expect(c.store.url).to.equal(`sqlite://${join(sub, 'data/x.sqlite')}`);
    expect(c.policy.path).to.equal(join(sub, 'policy.yaml'));
    expect(c.templates.dir).to.equal(join(sub, 'mine'));
    expect((c.handoff as { keyFile?: string }).keyFile).to.equal(join(sub, 'keys/handoff'));
    expect(loadPolicy(c.policy.path).document.categories.length).to.be.greaterThan(0);
    expect(loadConfig({ CREDGATE_CONFIG: path, CREDGATE_POLICY: 'elsewhere.yaml' }).policy.path).to.equal(
      'elsewhere.yaml',
    );
    expect(loadConfig({ CREDGATE_CONFIG: path, CREDGATE_STORE: 'sqlite://:memory:' }).store.url).to.equal(
      'sqlite://:memory:',
    );
  });

  it('policy check works from another working directory', () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'credgate-cwd-'));
    const env = { PATH: process.env.PATH ?? '', CREDGATE_CONFIG: join(ROOT, 'config/credgate.yaml') };
    const check = spawnSync(process.execPath, [join(ROOT, 'bin/credgate.js'), 'policy', 'check'], {
      cwd: elsewhere,
      encoding: 'utf8',
      env,
    });
    expect(check.status, check.stderr).to.equal(0);
    expect(check.stdout).to.include(`${join(ROOT, 'config/policy.yaml')}: valid`);
  });

  it('layers defaults < file < environment', () => {
    const path = file('layers.yaml', 'server:\n  port: 4000\nlog:\n  level: warn\njira:\n  projects: [CRED]\n');
    const c = loadConfig({ CREDGATE_CONFIG: path, PORT: '5000', JIRA_BASE_URL: 'https://example.atlassian.net' });
    expect(c.server.port).to.equal(5000);
    expect(c.log.level).to.equal('warn');
    const jira = c.jira as { projects: string[]; baseUrl: string; statuses: { approved: string } };
    expect(jira.projects).to.deep.equal(['CRED']);
    expect(jira.baseUrl).to.equal('https://example.atlassian.net');
    expect(jira.statuses.approved).to.equal('Approved');
  });

  it('names every bad key and says what is expected', () => {
    const path = file(
      'bad.yaml',
      'server:\n  port: 99999\neffects:\n  baseDelay: soon\njira:\n  commentFormat: html\n  fields:\n    systems: Systems field\nunknownKey: 1\n',
    );
    let message = '';
    try {
      loadConfig({ CREDGATE_CONFIG: path, JIRA_WEBHOOK_SECRET: 'short' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).to.include('server.port: ');
    expect(message).to.include('effects.baseDelay: expected a duration such as "500ms", "2s", "5m" or "1h"');
    expect(message).to.include('jira.commentFormat:');
    expect(message).to.include('jira.fields.systems: expected a field id such as customfield_10050');
    expect(message).to.include('jira.webhookSecret: expected at least 16 characters');
    expect(message).to.include('unknownKey');
    expect(message).not.to.include('short');
  });

  it('reads secrets from files and remembers them for log scrubbing', () => {
    const secretFile = file('token', 'token-from-a-file-123\n');
    const c = loadConfig({
      CREDGATE_CONFIG: undefined,
      JIRA_API_TOKEN_FILE: secretFile,
      OTHER_TOOL_FILE: '/nonexistent',
    });
    expect((c.jira as { apiToken: string }).apiToken).to.equal('token-from-a-file-123');
    expect(c.secrets).to.include('token-from-a-file-123');
  });

  it('names the line, column and key of a YAML syntax error, never the value on that line', () => {
    const cases = [
      { text: 'jira:\n  apiToken: "tok-9f3a-secret-value\n  email: x@example.com\n', key: 'email', line: 4 },
      { text: 'server:\n  publicUrl: https://a: tok-9f3a-secret-value\n', key: 'publicUrl', line: 2 },
      { text: 'jira:\n  projects: [tok-9f3a-secret-value, \n', key: 'projects', line: 3 },
    ];
    for (const [i, c] of cases.entries()) {
      const path = file(`broken-${i}.yaml`, c.text);
      const message = (() => {
        try {
          loadConfig({ CREDGATE_CONFIG: path });
        } catch (err) {
          return (err as Error).message;
        }
        return 'no error';
      })();
      expect(message).to.match(new RegExp(`^config file .* is not valid YAML: .* at line ${c.line}, column \\d+`));
      expect(message).to.include(`(under key "${c.key}")`);
      expect(message).not.to.include('tok-9f3a');
      expect(message).not.to.include('^');
    }
    const policy = file('policy.yaml', 'categories:\n  - id: "tok-9f3a-secret-value\n    label: x\n');
    expect(() => loadPolicy(policy))
      .to.throw(/^policy file .* is not valid YAML: .* at line 4, column \d+ \(under key "label"\)$/)
      .with.property('message')
      .that.does.not.include('tok-9f3a');
  });

  it('fails clearly when CREDGATE_CONFIG names a missing file', () => {
    expect(() => loadConfig({ CREDGATE_CONFIG: join(dir, 'nope.yaml') })).to.throw('CREDGATE_CONFIG points to');
  });
});
