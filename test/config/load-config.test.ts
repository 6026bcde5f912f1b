import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load-config';

const dir = mkdtempSync(join(tmpdir(), 'credgate-config-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('configuration', () => {
  it('has working defaults with no file and no environment', () => {
    const c = loadConfig({ CREDGATE_CONFIG: undefined });
    expect(c.server.port).to.equal(3000);
    expect(c.store.url).to.equal('sqlite://./data/credgate.sqlite');
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

  it('fails clearly when CREDGATE_CONFIG names a missing file', () => {
    expect(() => loadConfig({ CREDGATE_CONFIG: join(dir, 'nope.yaml') })).to.throw('CREDGATE_CONFIG points to');
  });
});
