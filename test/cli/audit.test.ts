import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openStore } from '../../src/store/open-store';
import { createAuditLog, type AuditEntry } from '../../src/audit/audit-log';
import { CSV_COLUMNS } from '../../src/audit/audit-export';
import { Harness, SECRETS } from '../helpers/harness';

const ROOT = resolve(__dirname, '../..');
const KEY = SECRETS.auditKey;

/** `credgate ...` as a user runs it: a real process, configured only through the environment. */
const cli = (store: string, ...args: string[]) =>
  spawnSync(process.execPath, [join(ROOT, 'bin/credgate.js'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, CREDGATE_STORE: store, CREDGATE_AUDIT_KEY: KEY },
  });

const entryKey = (seq: number) => `entry:${String(seq).padStart(12, '0')}`;
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
const jira = (key: string, id: string) => ({ connector: 'jira', id, key });

/** A store file holding a small log written through the real audit log; returns its URL. */
async function seededStore(dir: string, name: string, count = 5): Promise<string> {
  const url = `sqlite://${join(dir, `${name}.sqlite`)}`;
  const store = await openStore(url);
  const log = createAuditLog(store.engine, KEY);
  for (let i = 1; i <= count; i++) {
    await log.append({
      action: 'request-received',
      actor: `acc-${i}`,
      at: `2026-11-20T10:${String(i % 60).padStart(2, '0')}:00.000Z`,
      outcome: 'ok',
      rules: ['r'],
      requestId: `cg-${i}`,
      ticket: jira(`CRED-${i}`, String(10_000 + i)),
      effectKey: `cg-${i}/1`,
    });
  }
  await store.close();
  return url;
}

/** RFC 4180, as a spreadsheet reads it: quoted fields, doubled quotes, CRLF rows. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\r' && text[i + 1] === '\n') row.push(field), rows.push(row), (row = []), (field = ''), i++;
    else field += c;
  }
  if (field || row.length) row.push(field), rows.push(row);
  return rows;
}

describe('credgate audit (CLI processes against a real store)', function () {
  this.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'credgate-audit-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('export', () => {
    let url = '';
    const hostile = {
      actor: '=HYPERLINK("http://evil.example/x","click")',
      detail: { note: '+cmd|"/c calc"!A1', text: 'line one\nline two, "quoted"', escape: '\u001b[31mred' },
    };
    before(async () => {
      url = `sqlite://${join(dir, 'export.sqlite')}`;
      const store = await openStore(url);
      const log = createAuditLog(store.engine, KEY);
      await log.append({
        action: 'request-received',
        actor: hostile.actor,
        at: hoursAgo(72),
        outcome: '-2+3',
        rules: ['shared-account', 'production-system'],
        requestId: 'cg-a',
        ticket: jira('CRED-1', '10001'),
        effectKey: 'cg-a/1',
        detail: hostile.detail,
      });
      await log.append({
        action: 'risk-assessed',
        actor: null,
        at: hoursAgo(48),
        outcome: '@SUM(A1)',
        rules: [],
        requestId: 'cg-a',
        ticket: jira('CRED-1', '10001'),
        effectKey: 'cg-a/2',
      });
      await log.appendSystem({
        action: 'config-loaded',
        actor: null,
        outcome: 'loaded',
        rules: [],
        detail: { policyVersion: 1 },
        at: hoursAgo(2),
      });
      await log.append({
        action: 'access-granted',
        actor: '\tacc-alice',
        at: hoursAgo(1),
        outcome: 'granted',
        rules: [],
        requestId: 'cg-a',
        ticket: jira('CRED-1', '10001'),
        effectKey: 'cg-a/3',
      });
      await store.close();
    });

    it('writes every entry in chain order as JSON Lines by default', () => {
      const r = cli(url, 'audit', 'export');
      expect(r.status, r.stderr).to.equal(0);
      const lines = r.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as AuditEntry);
      expect(lines.map((e) => e.seq)).to.deep.equal([1, 2, 3, 4]);
      expect(lines.map((e) => e.action)).to.deep.equal([
        'request-received',
        'risk-assessed',
        'config-loaded',
        'access-granted',
      ]);
      expect(lines[0]).to.deep.include({ actor: hostile.actor, detail: hostile.detail, requestId: 'cg-a' });
      expect(lines[2]).to.include({ system: true });
      expect(lines[3].prevHash).to.equal(lines[2].hash);
    });

    it('writes RFC 4180 CSV with a fixed header, defusing cells a spreadsheet would run as formulas', () => {
      const r = cli(url, 'audit', 'export', '--format', 'csv');
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout.split('\r\n')[0]).to.equal(
        'seq,at,action,outcome,actor,connector,ticket,requestId,rules,detail,hash,prevHash',
      );
      const rows = parseCsv(r.stdout);
      expect(rows).to.have.length(5);
      expect(rows.every((row) => row.length === CSV_COLUMNS.length)).to.equal(true);
      const [, first, second, system, granted] = rows.map((row) =>
        Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, row[i]])),
      );
      expect(first.actor).to.equal(`'${hostile.actor}`);
      expect(first.outcome).to.equal("'-2+3");
      expect(first.rules).to.equal('shared-account;production-system');
      expect(JSON.parse(first.detail)).to.deep.equal(hostile.detail);
      expect(first).to.include({ connector: 'jira', ticket: 'CRED-1', requestId: 'cg-a', seq: '1' });
      expect(second.outcome).to.equal("'@SUM(A1)");
      expect(system).to.include({ action: 'config-loaded', connector: '', ticket: '', requestId: '' });
      expect(granted.actor).to.equal("'\tacc-alice");
      expect(granted.prevHash).to.equal(system.hash);
      // No cell of the file starts with a formula character once unquoted.
      for (const row of rows) for (const cell of row) expect(cell).not.to.match(/^[=+\-@\t\r]/);
    });

    it('filters by time: ISO dates and durations ago, since inclusive and until exclusive', () => {
      const recent = cli(url, 'audit', 'export', '--since', '24h');
      expect(recent.status, recent.stderr).to.equal(0);
      expect(
        recent.stdout
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l).seq),
      ).to.deep.equal([3, 4]);
      const window = cli(url, 'audit', 'export', '--since', hoursAgo(50), '--until', hoursAgo(1.5));
      expect(
        window.stdout
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l).seq),
      ).to.deep.equal([2, 3]);
      const none = cli(url, 'audit', 'export', '--until', '2020-01-01');
      expect(none.status).to.equal(0);
      expect(none.stdout).to.equal('');
    });

    it('writes to a file readable by its owner only with --out', () => {
      const out = join(dir, 'export.csv');
      const r = cli(url, 'audit', 'export', '--format', 'csv', '--out', out);
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout).to.equal('');
      expect(r.stderr).to.include(`exported 4 audit entries to ${out}`);
      expect(parseCsv(readFileSync(out, 'utf8'))).to.have.length(5);
      expect(statSync(out).mode & 0o777).to.equal(0o600);
    });

    it('refuses a bad date, an inverted range or an unknown format with exit code 2 and says what it expects', () => {
      const bad = cli(url, 'audit', 'export', '--since', 'last tuesday');
      expect(bad.status).to.equal(2);
      expect(bad.stderr).to.include(
        '--since "last tuesday" is neither a date (2026-11-25, 2026-11-25T10:00:00Z) nor a duration ago (24h, 7d)',
      );
      const impossible = cli(url, 'audit', 'export', '--until', '2026-02-31T00:00:00Z');
      expect(impossible.status).to.equal(2);
      expect(impossible.stderr).to.include('--until "2026-02-31T00:00:00Z"');
      const inverted = cli(url, 'audit', 'export', '--since', '2026-11-24', '--until', '2026-11-20');
      expect(inverted.status).to.equal(2);
      expect(inverted.stderr).to.include('must be before --until');
      const format = cli(url, 'audit', 'export', '--format', 'xml');
      expect(format.status).to.equal(2);
      expect(format.stderr).to.include('--format must be jsonl or csv, not "xml"');
      expect(bad.stdout + impossible.stdout + inverted.stdout + format.stdout).to.equal('');
    });

    it('pages through a log longer than one store read, in order', async () => {
      const long = await seededStore(dir, 'long', 450);
      const r = cli(long, 'audit', 'export');
      expect(r.status, r.stderr).to.equal(0);
      const seqs = r.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).seq);
      expect(seqs).to.deep.equal(Array.from({ length: 450 }, (_, i) => i + 1));
    });

    it('shows a hostile entry without letting its text drive the terminal', () => {
      const r = cli(url, 'audit', 'show', 'CRED-1');
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout).not.to.match(/[\u0000-\u0008\u000b-\u001f\u007f]/);
      expect(r.stdout).to.include('�[31mred');
    });
  });

  describe('verify, after tampering with the store in each way', () => {
    const tampered = async (
      name: string,
      tamper: (kv: Awaited<ReturnType<typeof openStore>>['kv']['audit']) => Promise<void>,
    ) => {
      const url = await seededStore(dir, name);
      const store = await openStore(url);
      await tamper(store.kv.audit);
      await store.close();
      return cli(url, 'audit', 'verify');
    };

    it('passes an untouched chain', async () => {
      const r = cli(await seededStore(dir, 'intact'), 'audit', 'verify');
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout.trim()).to.equal('audit chain intact: 5 entries');
    });

    it('names an edited entry', async () => {
      const r = await tampered('edited', async (kv) => {
        const e = (await kv.get(entryKey(3))) as AuditEntry;
        await kv.set(entryKey(3), { ...e, actor: 'acc-mallory' });
      });
      expect(r.status).to.equal(1);
      expect(r.stdout.trim()).to.equal(
        'audit chain broken at entry 3 (edited): entry 3 was edited: its content no longer matches its hash',
      );
    });

    it('names a deleted entry', async () => {
      const r = await tampered('deleted', (kv) => kv.delete(entryKey(4)).then(() => undefined));
      expect(r.status).to.equal(1);
      expect(r.stdout.trim()).to.equal(
        'audit chain broken at entry 4 (missing): entry 4 is missing: it was deleted from the store',
      );
    });

    it('names reordered entries', async () => {
      const r = await tampered('reordered', async (kv) => {
        const [a, b] = [await kv.get(entryKey(2)), await kv.get(entryKey(3))];
        await kv.set(entryKey(2), b);
        await kv.set(entryKey(3), a);
      });
      expect(r.status).to.equal(1);
      expect(r.stdout.trim()).to.equal(
        'audit chain broken at entry 2 (reordered): entry 2 is out of order: position 2 holds entry 3, whose predecessor is stored at position 3',
      );
    });
  });

  describe('show, after a real request through the service', () => {
    let h: Harness;
    let key = '';
    before(async () => {
      h = await Harness.start();
      const filed = await h.fake.createIssue('acc-requester', {
        project: 'CRED',
        issueType: 'Credential request',
        summary: 'Reporting database',
        description: [
          'Target systems: reporting-db',
          'Account: svc_reports',
          'Access: read-only',
          'Justification: monthly report',
          'Duration: 2h',
        ].join('\n'),
      });
      key = filed.key;
      await h.settle();
      await h.fake.transitionAs('acc-requester', key, 'Approved');
      await h.settle();
      await h.fake.transitionAs('acc-alice', key, 'Approved');
      await h.settle();
    });
    after(() => h?.stop());

    it('prints the story of one request in order, for a person, by ticket key, request id or ticket id', async () => {
      const r = cli(h.service.store.url, 'audit', 'show', key);
      expect(r.status, r.stderr).to.equal(0);
      // The audit story first; the deliveries that brought it follow after a blank line.
      const [story, deliveries] = r.stdout.trimEnd().split('\n\n');
      expect(deliveries).to.match(/^deliveries \(newest first\):\n {2}\d{4}-/);
      const lines = story.split('\n');
      let requestId = '';
      for await (const e of h.service.audit.entries()) requestId = e.requestId;
      expect(lines[0]).to.match(new RegExp(`^${key} \\(jira ticket \\d+\\), request ${requestId}: 5 audit entries$`));
      const actions = lines.slice(1).map((l) => l.trim().split(/\s{2,}/)[2]);
      expect(actions).to.deep.equal([
        'request-received',
        'risk-assessed',
        'transition-refused',
        'approval-accepted',
        'access-granted',
      ]);
      expect(lines[3])
        .to.include('by acc-requester')
        .and.include('rules: separation-of-duties')
        .and.include('position=approved');
      expect(lines[4]).to.include('by acc-alice').and.include('→ it-approver');
      expect(lines[5]).to.match(/access-granted\s+by acc-alice\s+→ granted/);
      expect(lines[5]).to.match(/expiresAt=\d{4}-/);
      expect(lines[1]).to.match(/^ {2}\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z {2}#\d+/);

      const ticketId = /jira ticket (\d+)/.exec(lines[0])![1];
      expect(cli(h.service.store.url, 'audit', 'show', requestId).stdout).to.equal(r.stdout);
      expect(cli(h.service.store.url, 'audit', 'show', ticketId).stdout).to.equal(r.stdout);
      // The service's own records (config-loaded) belong to no ticket.
      expect(r.stdout).not.to.include('config-loaded');
    });

    it('gives machines the entries as JSON with --json', () => {
      const r = cli(h.service.store.url, 'audit', 'show', key.toLowerCase(), '--json');
      expect(r.status, r.stderr).to.equal(0);
      const entries = JSON.parse(r.stdout) as AuditEntry[];
      expect(entries.map((e) => e.action)).to.deep.equal([
        'request-received',
        'risk-assessed',
        'transition-refused',
        'approval-accepted',
        'access-granted',
      ]);
      expect(entries.every((e) => e.ticket.key === key)).to.equal(true);
      expect(entries.map((e) => e.seq)).to.deep.equal([...entries.map((e) => e.seq)].sort((a, b) => a - b));
    });

    it('says so, with exit code 1, for a ticket it has no entry for', () => {
      const r = cli(h.service.store.url, 'audit', 'show', 'CRED-999');
      expect(r.status).to.equal(1);
      expect(r.stderr.trim()).to.equal('credgate: no audit entries and no deliveries for "CRED-999"');
      expect(r.stdout).to.equal('');
    });
  });
});
