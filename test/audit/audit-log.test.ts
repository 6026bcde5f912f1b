import { expect } from 'chai';
import { createAuditLog, type AuditEntry, type AuditRecord } from '../../src/audit/audit-log';
import { openLocalEngine } from '../../src/store/engines/local-engine';
import { createSecretScrubber } from '../../src/util/logger';

const ticket = { connector: 'jira', id: '1', key: 'CRED-1' };
async function seeded(options: Parameters<typeof createAuditLog>[2] = {}) {
  const engine = await openLocalEngine('sqlite://:memory:');
  const kv = engine.keyv('audit');
  const log = createAuditLog(engine, 'k'.repeat(32), options);
  for (const [i, action] of ['request-received', 'approval-accepted', 'access-granted', 'access-revoked'].entries()) {
    await log.append({
      action,
      actor: 'acc-alice',
      at: `2026-11-25T10:0${i}:00.000Z`,
      outcome: 'ok',
      rules: ['r'],
      requestId: 'cg-1',
      ticket,
      effectKey: `cg-1/${i}`,
    });
  }
  return { engine, kv, log };
}
const entryKey = (seq: number) => `entry:${String(seq).padStart(12, '0')}`;
const all = async <T>(it: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};

describe('audit log', () => {
  it('chains entries and verifies an untouched log', async () => {
    const { log } = await seeded();
    expect(await log.verify()).to.deep.equal({ ok: true, count: 4 });
  });

  it('writes nothing twice for a retried effect', async () => {
    const { log } = await seeded();
    await log.append({
      action: 'access-revoked',
      actor: null,
      at: 'x',
      outcome: 'ok',
      rules: [],
      requestId: 'cg-1',
      ticket,
      effectKey: 'cg-1/3',
    });
    expect(await log.verify()).to.deep.equal({ ok: true, count: 4 });
  });

  it('names the first edited entry', async () => {
    const { kv, log } = await seeded();
    const e = (await kv.get(entryKey(2))) as AuditEntry;
    await kv.set(entryKey(2), { ...e, actor: 'acc-mallory' });
    expect(await log.verify()).to.deep.equal({
      ok: false,
      seq: 2,
      kind: 'edited',
      problem: 'entry 2 was edited: its content no longer matches its hash',
    });
  });

  it('tells a deleted entry, entries moved up over a gap and reordered entries apart', async () => {
    const deleted = await seeded();
    await deleted.kv.delete(entryKey(3));
    expect(await deleted.log.verify()).to.include({ ok: false, seq: 3, kind: 'missing' });

    const closed = await seeded();
    await closed.kv.set(entryKey(2), await closed.kv.get(entryKey(3)));
    await closed.kv.set(entryKey(3), await closed.kv.get(entryKey(4)));
    await closed.kv.delete(entryKey(4));
    const gap = await closed.log.verify();
    expect(gap).to.include({ ok: false, seq: 2, kind: 'missing' });
    expect((gap as { problem: string }).problem).to.equal(
      'entry 2 is missing: entry 3 was moved up to position 2 over the gap',
    );

    const swapped = await seeded();
    const [a, b] = [await swapped.kv.get(entryKey(2)), await swapped.kv.get(entryKey(3))];
    await swapped.kv.set(entryKey(2), b);
    await swapped.kv.set(entryKey(3), a);
    expect(await swapped.log.verify()).to.deep.equal({
      ok: false,
      seq: 2,
      kind: 'reordered',
      problem: 'entry 2 is out of order: position 2 holds entry 3, whose predecessor is stored at position 3',
    });

    // Moving a record and rewriting its sequence number to fit is an edit of that record.
    const renumbered = await seeded();
    await renumbered.kv.set(entryKey(2), { ...(b as AuditEntry), seq: 2 });
    await renumbered.kv.set(entryKey(3), { ...(a as AuditEntry), seq: 3 });
    expect(await renumbered.log.verify()).to.include({ ok: false, seq: 2, kind: 'edited' });
  });

  it('records system events in the same chain, apart from request entries', async () => {
    const { log } = await seeded();
    const started = await log.appendSystem({
      action: 'config-loaded',
      actor: null,
      outcome: 'loaded',
      rules: [],
      detail: { policyVersion: 1 },
    });
    expect(started).to.include({ seq: 5, system: true, action: 'config-loaded' });
    expect(started.at).to.match(/^\d{4}-\d{2}-\d{2}T/);
    // A keyed system event is written once, like an effect.
    await log.appendSystem({ action: 'service-started', actor: null, outcome: 'ok', rules: [] }, 'boot-1');
    await log.appendSystem({ action: 'service-started', actor: null, outcome: 'ok', rules: [] }, 'boot-1');
    const records = await all(log.records());
    expect(records.map((r) => r.action)).to.deep.equal([
      'request-received',
      'approval-accepted',
      'access-granted',
      'access-revoked',
      'config-loaded',
      'service-started',
    ]);
    expect((await all(log.entries())).map((e) => e.seq)).to.deep.equal([1, 2, 3, 4]);
    // Reading on from a sequence number: what a reader that keeps up (the desk) asks for.
    expect((await all(log.entries(3))).map((e) => e.seq)).to.deep.equal([3, 4]);
    expect((await all(log.records(5))).map((r) => r.action)).to.deep.equal(['config-loaded', 'service-started']);
    expect(await log.verify()).to.deep.equal({ ok: true, count: 6 });
  });

  it('tells observers of each new record once, and an observer that throws costs no record', async () => {
    const { log } = await seeded();
    const seen: AuditRecord[] = [];
    log.observe(() => {
      throw new Error('broken observer');
    });
    const stop = log.observe((r) => void seen.push(r));
    await log.append({
      action: 'x',
      actor: null,
      at: '2026-11-25T11:00:00.000Z',
      outcome: 'ok',
      rules: [],
      requestId: 'cg-1',
      ticket,
      effectKey: 'cg-1/9',
    });
    await log.append({
      action: 'x',
      actor: null,
      at: '2026-11-25T11:00:00.000Z',
      outcome: 'ok',
      rules: [],
      requestId: 'cg-1',
      ticket,
      effectKey: 'cg-1/9',
    });
    stop();
    await log.appendSystem({ action: 'y', actor: null, outcome: 'ok', rules: [] });
    expect(seen.map((r) => r.seq)).to.deep.equal([5]);
    expect(await log.verify()).to.deep.equal({ ok: true, count: 6 });
  });

  it('keeps secrets out of entries: secret-shaped text always, registered values through its scrubber', async () => {
    const scrubber = createSecretScrubber(['configured-secret-42']);
    const { log } = await seeded({ scrub: scrubber.scrub });
    scrubber.register('rotated-Pa55word!');
    const error =
      'Jira answered 400: echo Authorization: Basic Y3JlZGdhdGU6dG9rZW4= from postgres://cg:hunter2hunter2@db/x, token configured-secret-42, password rotated-Pa55word!';
    const e = await log.append({
      action: 'effect-failed',
      actor: null,
      at: '2026-11-25T11:00:00.000Z',
      outcome: 'comment',
      rules: [],
      requestId: 'cg-1',
      ticket,
      effectKey: 'cg-1/10',
      detail: { error },
    });
    const stored = JSON.stringify(await all(log.records()));
    for (const secret of ['Y3JlZGdhdGU6dG9rZW4=', 'hunter2hunter2', 'configured-secret-42', 'rotated-Pa55word!'])
      expect(stored).not.to.include(secret);
    expect(e.detail?.error).to.equal(
      'Jira answered 400: echo Authorization: Basic [REDACTED] from postgres://cg:[REDACTED]@db/x, token [REDACTED], password [REDACTED]',
    );
    expect(await log.verify()).to.deep.equal({ ok: true, count: 5 });
  });
});
