import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { nestedQuantifier } from '../../src/policy/regex-safety';

/**
 * `credgate policy check` refuses what would fail later, naming the rule and the key; the service
 * refuses the same file at start with the same words.
 */
const ROOT = resolve(__dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'credgate-policy-check-'));
const shipped = () => parse(readFileSync(join(ROOT, 'config/policy.yaml'), 'utf8'));
const env = (extra: Record<string, string> = {}) => ({ PATH: process.env.PATH ?? '', ...extra });

function writePolicy(name: string, edit: (doc: ReturnType<typeof shipped>) => void): string {
  const doc = shipped();
  edit(doc);
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, stringify(doc));
  return path;
}

const check = (path: string, extraEnv: Record<string, string> = {}) =>
  spawnSync(process.execPath, [join(ROOT, 'bin/credgate.js'), 'policy', 'check', path], {
    cwd: ROOT,
    encoding: 'utf8',
    env: env(extraEnv),
  });

/** Starts the service on this policy: it must refuse before listening. */
const start = (path: string) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 25_000,
    env: env({ PORT: '0', CREDGATE_POLICY: path, CREDGATE_STORE: `sqlite://${join(dir, 'start.sqlite')}` }),
  });

/** The problem lines of a refusal ("  - key: message"), which the CLI and the service share. */
const problemLines = (text: string) => text.split('\n').filter((l) => l.startsWith('  - '));

describe('policy check', function () {
  this.timeout(60_000);

  const cases: { name: string; edit: (doc: ReturnType<typeof shipped>) => void; expected: string }[] = [
    {
      name: 'an unknown operator',
      edit: (doc) => {
        doc.risk.rules[1].when.any[0].operator = 'matchez';
      },
      expected: '  - risk.rules.1.when.any.0.operator: risk rule "admin-access": unknown operator "matchez"',
    },
    {
      name: 'a regex that does not compile',
      edit: (doc) => {
        doc.categories[1].when.any[1].value = 'no (mfa|sso';
      },
      expected:
        '  - categories.1.when.any.1.value: category "no-mfa-system": the regular expression "no (mfa|sso" does not compile',
    },
    {
      name: 'an impossible cron',
      edit: (doc) => {
        doc.review.schedule = '0 6 30 2 *';
      },
      expected: '  - review.schedule: "0 6 30 2 *" is not a cron expression that can run',
    },
    {
      name: 'an unknown fact',
      edit: (doc) => {
        doc.risk.rules[0].when.any[0].fact = 'system';
      },
      expected: '  - risk.rules.0.when.any.0.fact: risk rule "production-system": unknown fact "system"',
    },
  ];

  for (const c of cases) {
    it(`rejects ${c.name}, naming the rule and the key; the service refuses it at start the same way`, () => {
      const path = writePolicy(c.name.replace(/ /g, '-'), c.edit);
      const r = check(path);
      expect(r.status, r.stdout).to.equal(1);
      expect(r.stdout).not.to.include('valid');
      expect(r.stderr).to.include(`credgate: policy file ${path} is invalid:`);
      expect(r.stderr).to.include(c.expected);

      const s = start(path);
      expect(s.status).to.equal(1);
      expect(s.stderr).to.include(`credgate cannot start: policy file ${path} is invalid:`);
      expect(problemLines(s.stderr)).to.deep.equal(problemLines(r.stderr));
    });
  }

  it('rejects a regex that nests repetitions (catastrophic backtracking)', () => {
    const path = writePolicy('redos', (doc) => {
      doc.risk.rules[0].when.any[0].value = '^(prod[a-z]+)+$';
    });
    const r = check(path);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.include('risk rule "production-system": the regular expression "^(prod[a-z]+)+$" is unsafe');
  });

  it('rejects a default duration longer than a maximum', () => {
    const path = writePolicy('durations', (doc) => {
      doc.durations.default = '6h';
    });
    const r = check(path);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.include('durations.default: the default duration 6h is longer than durations.max.high (4h)');
  });

  it('rejects a binding naming a provider the configuration lacks, like the service at start', () => {
    const path = writePolicy('provider', (doc) => {
      doc.providers = [{ id: 'vpn', provider: 'corp-ad', match: { systems: ['vpn*'] } }];
    });
    const r = check(path);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.include(
      'providers.0.provider: binding "vpn" names provider "corp-ad", which is not configured; configured: builtin',
    );
    const s = start(path);
    expect(s.status).to.equal(1);
    expect(problemLines(s.stderr)).to.deep.equal(problemLines(r.stderr));
  });

  it('rejects an approver group missing from the groups a connector lists', () => {
    const config = join(dir, 'groups.yaml');
    writeFileSync(config, stringify({ jira: { groupMembers: { 'credential-approvers': ['alice'] } } }));
    const r = check(join(ROOT, 'config/policy.yaml'), {
      CREDGATE_CONFIG: config,
      JIRA_BASE_URL: 'https://example.atlassian.net',
      JIRA_EMAIL: 'bot@example.com',
      JIRA_API_TOKEN: 'not-a-real-token',
    });
    expect(r.status).to.equal(1);
    expect(r.stderr).to.include(
      `approvals.paths.vendor.low.1.groups.0: group "client-owners" is not listed in jira's configured approver groups (credential-approvers)`,
    );
    expect(r.stderr).to.include('review.approvers.groups.0: group "security-approvers"');
  });

  it('prints the next three runs of the review schedule', () => {
    const r = check('config/policy.yaml');
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/review: "0 6 1 \* \*", next runs \S+T\d\d:00:00\.000Z, \S+, \S+\n/);
  });
});

describe('nested quantifier check', () => {
  it('finds a repeated repetition and leaves ordinary patterns alone', () => {
    for (const bad of ['(a+)+', '(\\w*)*b', '((ab)*c)+', '(x|y+){2,}', '(?:a{1,9})*'])
      expect(nestedQuantifier(bad), bad).to.be.a('string');
    for (const good of ['prod', 'admin|root', 'no (mfa|sso)', '^(ab)+$', '(a+)?', '[(+]+', '\\(a+\\)+', '(a){3}'])
      expect(nestedQuantifier(good), good).to.equal(null);
  });
});
