import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openStore } from '../../src/store/open-store';
import { createAuditLog } from '../../src/audit/audit-log';
import { counted, progress } from '../../src/util/progress';
import { SECRETS } from '../helpers/harness';

const ROOT = resolve(__dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'credgate-progress-'));

/** A terminal as the progress line sees one: it is a TTY and keeps what was written. */
const terminal = () => {
  const written: string[] = [];
  return { isTTY: true, write: (s: string) => written.push(s), written };
};

describe('progress of long CLI work', function () {
  this.timeout(60_000);

  it('piped, audit export and audit verify write data to stdout and nothing to stderr', async () => {
    const url = `sqlite://${join(dir, 'log.sqlite')}`;
    const store = await openStore(url);
    const log = createAuditLog(store.engine, SECRETS.auditKey);
    for (let i = 1; i <= 300; i++)
      await log.append({
        action: 'request-received',
        actor: `acc-${i}`,
        at: new Date(Date.UTC(2026, 10, 20, 10, 0, i)).toISOString(),
        outcome: 'ok',
        rules: ['r'],
        requestId: `cg-${i}`,
        ticket: { connector: 'jira', id: String(i), key: `CRED-${i}` },
        effectKey: `cg-${i}/1`,
      });
    await store.close();
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [join(ROOT, 'bin/credgate.js'), ...args], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { PATH: process.env.PATH, CREDGATE_STORE: url, CREDGATE_AUDIT_KEY: SECRETS.auditKey },
      });
    const exported = run('audit', 'export');
    expect(exported.status, exported.stderr).to.equal(0);
    expect(exported.stderr).to.equal('');
    const lines = exported.stdout.trimEnd().split('\n');
    expect(lines).to.have.length(300);
    for (const line of lines) expect(() => JSON.parse(line)).not.to.throw();

    const verified = run('audit', 'verify');
    expect(verified.status, verified.stderr).to.equal(0);
    expect(verified.stderr).to.equal('');
    expect(verified.stdout).to.equal('audit chain intact: 300 entries\n');
  });

  it('on a terminal, one redrawn line at most every 200ms, cleared at the end', async () => {
    const tty = terminal();
    let t = 0;
    const p = progress('exporting audit entries', tty, () => t);
    async function* items() {
      for (let i = 0; i < 10; i++) {
        t += 50;
        yield i;
      }
    }
    const seen: number[] = [];
    for await (const i of counted(items(), p)) seen.push(i);
    expect(seen).to.have.length(10);
    expect(tty.written[0]).to.equal('\r\x1b[Kexporting audit entries: 1');
    expect(tty.written.slice(1, -1)).to.deep.equal([
      '\r\x1b[Kexporting audit entries: 5',
      '\r\x1b[Kexporting audit entries: 9',
    ]);
    expect(tty.written.at(-1)).to.equal('\r\x1b[K');
  });

  it('not on a terminal, nothing at all', () => {
    const piped = { isTTY: false, written: [] as string[], write: (s: string) => piped.written.push(s) };
    const p = progress('verifying', piped);
    p.update(1, 2);
    p.note('x');
    p.end();
    expect(piped.written).to.deep.equal([]);
  });
});
