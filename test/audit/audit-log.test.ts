import { expect } from 'chai';
import { createAuditLog, type AuditEntry } from '../../src/audit/audit-log';
import { openLocalEngine } from '../../src/store/engines/local-engine';

const ticket = { connector: 'jira', id: '1', key: 'CRED-1' };
async function seeded() {
  const engine = await openLocalEngine('sqlite://:memory:');
  const kv = engine.keyv('audit');
  const log = createAuditLog(engine, 'k'.repeat(32));
  for (const [i, action] of ['request-received', 'approval-accepted', 'access-granted', 'access-revoked'].entries()) {
    await log.append({ action, actor: 'acc-alice', at: `2026-11-25T10:0${i}:00.000Z`, outcome: 'ok', rules: ['r'], requestId: 'cg-1', ticket, effectKey: `cg-1/${i}` });
  }
  return { kv, log };
}
const entryKey = (seq: number) => `entry:${String(seq).padStart(12, '0')}`;

describe('audit log', () => {
  it('chains entries and verifies an untouched log', async () => {
    const { log } = await seeded();
    expect(await log.verify()).to.deep.equal({ ok: true, count: 4 });
  });

  it('writes nothing twice for a retried effect', async () => {
    const { log } = await seeded();
    await log.append({ action: 'access-revoked', actor: null, at: 'x', outcome: 'ok', rules: [], requestId: 'cg-1', ticket, effectKey: 'cg-1/3' });
    expect(await log.verify()).to.deep.equal({ ok: true, count: 4 });
  });

  it('names the first edited entry', async () => {
    const { kv, log } = await seeded();
    const e = (await kv.get(entryKey(2))) as AuditEntry;
    await kv.set(entryKey(2), { ...e, actor: 'acc-mallory' });
    expect(await log.verify()).to.deep.equal({ ok: false, seq: 2, problem: 'content was altered' });
  });

  it('detects a deleted or reordered entry', async () => {
    const deleted = await seeded();
    await deleted.kv.delete(entryKey(3));
    expect(await deleted.log.verify()).to.deep.equal({ ok: false, seq: 3, problem: 'entry is missing' });
    const swapped = await seeded();
    const [a, b] = [await swapped.kv.get(entryKey(2)), await swapped.kv.get(entryKey(3))];
    await swapped.kv.set(entryKey(2), { ...(b as AuditEntry), seq: 2 });
    await swapped.kv.set(entryKey(3), { ...(a as AuditEntry), seq: 3 });
    const result = await swapped.log.verify();
    expect(result.ok).to.equal(false);
    expect((result as { seq: number }).seq).to.equal(2);
  });
});
