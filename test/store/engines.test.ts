import { expect } from 'chai';
import { openStore, type Store } from '../../src/store/open-store';
import { createAuditLog } from '../../src/audit/audit-log';
import { Leases } from '../../src/store/leases';
import { type Fence, isLeaseLost } from '../../src/store/store-engine';
import { freshPostgresUrl, freshRedisUrl, freshSqliteUrl } from '../helpers/stores';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const ENGINES: { name: string; url: () => Promise<string>; shared: boolean }[] = [
  { name: 'sqlite', url: async () => freshSqliteUrl(), shared: false },
  { name: 'redis', url: () => freshRedisUrl(11), shared: true },
  { name: 'postgres', url: async () => freshPostgresUrl(), shared: true },
];

for (const engine of ENGINES) {
  describe(`store engine: ${engine.name} (real server)`, function () {
    this.timeout(20_000);
    let a: Store;
    let b: Store;
    beforeEach(async () => {
      const url = await engine.url();
      a = await openStore(url);
      // A second, independent connection stands for a second replica (SQLite: the same process).
      b = engine.shared ? await openStore(url) : a;
    });
    afterEach(async () => {
      await a.close();
      if (b !== a) await b.close();
    });

    it('compare-and-swap loses no update under contention from two replicas', async () => {
      const bump = async (s: Store) => {
        for (;;) {
          const doc = (await s.requests.get('r1')) as unknown as { version: number; n: number } | null;
          const next = { ...(doc ?? { n: 0 }), n: (doc?.n ?? 0) + 1 } as never;
          if (await s.requests.compareAndSet('r1', doc?.version ?? 0, next)) return;
        }
      };
      await Promise.all([...Array(15)].flatMap(() => [bump(a), bump(b)]));
      const final = (await a.requests.get('r1')) as unknown as { version: number; n: number };
      expect(final).to.include({ version: 30, n: 30 });
    });

    it('documents written by compare-and-swap read back through keyv, and the reverse', async () => {
      expect(await a.requests.compareAndSet('r2', 0, { version: 0, x: 'é∑' } as never)).to.deep.include({ version: 1 });
      expect(await b.requests.get('r2')).to.deep.equal({ version: 1, x: 'é∑' });
      await a.engine.keyv('requests').set('r3', { version: 7 });
      expect(await b.requests.compareAndSet('r3', 6, { version: 0 } as never)).to.equal(null);
      expect(await b.requests.compareAndSet('r3', 7, { version: 0 } as never)).to.deep.equal({ version: 8 });
    });

    it('set-if-absent lets exactly one of many racing writers win, and honours its TTL', async () => {
      const wins = await Promise.all(
        [...Array(10)].map((_, i) => (i % 2 ? a : b).engine.setIfAbsent('deliveries', 'delivery:x', i, 300)),
      );
      expect(wins.filter(Boolean)).to.have.length(1);
      await sleep(450);
      expect(await a.engine.setIfAbsent('deliveries', 'delivery:x', 'again', 300)).to.equal(true);
    });

    it('leases: one holder at a time, renewable, taken over with a higher fence after expiry', async () => {
      const first = await a.engine.acquireLease('outbox:r1', 'replica-a', 300);
      expect(first).to.be.a('number');
      expect(await b.engine.acquireLease('outbox:r1', 'replica-b', 300)).to.equal(null);
      expect(await a.engine.acquireLease('outbox:r1', 'replica-a', 300)).to.equal(first);
      await sleep(450);
      const taken = await b.engine.acquireLease('outbox:r1', 'replica-b', 300);
      expect(taken).to.be.greaterThan(first as number);
      await b.engine.releaseLease('outbox:r1', 'replica-b');
      expect(await a.engine.acquireLease('outbox:r1', 'replica-a', 300)).to.be.a('number');
    });

    it('fencing: a stale holder whose lease was taken over has its write refused', async () => {
      // Replica a claims the outbox lease and then stalls (no renewal) past its TTL.
      const stale = {
        lease: 'outbox:f1',
        token: (await a.engine.acquireLease('outbox:f1', 'replica-a', 300)) as number,
      };
      expect(await a.requests.compareAndSet('f1', 0, { version: 0, by: 'a' } as never, stale)).to.deep.include({
        version: 1,
      });
      await sleep(450);
      const fresh = {
        lease: 'outbox:f1',
        token: (await b.engine.acquireLease('outbox:f1', 'replica-b', 10_000)) as number,
      };
      expect(fresh.token).to.be.greaterThan(stale.token);
      expect(await b.requests.compareAndSet('f1', 1, { version: 0, by: 'b' } as never, fresh)).to.deep.include({
        version: 2,
      });
      // a wakes up and writes on the version it last saw, and on the current one: both refused.
      for (const expected of [1, 2]) {
        const err = await a.requests.compareAndSet('f1', expected, { version: 0, by: 'a' } as never, stale).then(
          () => null,
          (e: unknown) => e,
        );
        expect(isLeaseLost(err), `write on version ${expected}`).to.equal(true);
      }
      const insert = await a.requests.compareAndSet('f2', 0, { version: 0 } as never, stale).catch((e: unknown) => e);
      expect(isLeaseLost(insert)).to.equal(true);
      expect(await a.requests.get('f1')).to.deep.equal({ version: 2, by: 'b' });
      expect(await a.requests.get('f2')).to.equal(null);
      // The holder's own fenced writes go through, and a version conflict is still just "lost the race".
      expect(await b.requests.compareAndSet('f1', 1, { version: 0 } as never, fresh)).to.equal(null);
      expect(await b.requests.compareAndSet('f2', 0, { version: 0 } as never, fresh)).to.deep.include({ version: 1 });
    });

    it('fencing: Leases.run hands its fence to the work, valid until the lease is released', async () => {
      const leases = new Leases(a.engine, 5_000);
      let fence: Fence | undefined;
      expect(
        await leases.run('outbox:f3', async (f) => {
          fence = f;
          expect(await a.requests.compareAndSet('f3', 0, { version: 0 } as never, f)).to.deep.include({ version: 1 });
        }),
      ).to.equal(true);
      expect(fence?.lease).to.equal('outbox:f3');
      const late = await a.requests.compareAndSet('f3', 1, { version: 0 } as never, fence).catch((e: unknown) => e);
      expect(isLeaseLost(late)).to.equal(true);
      expect(await b.requests.get('f3')).to.deep.equal({ version: 1 });
    });

    it('the audit chain stays correct with two replicas appending at once', async () => {
      const key = 'k'.repeat(32);
      const logs = [createAuditLog(a.engine, key), createAuditLog(b.engine, key)];
      const ticket = { connector: 'jira', id: '1', key: 'CRED-1' };
      await Promise.all(
        [...Array(20)].map((_, i) =>
          logs[i % 2].append({
            action: 'x',
            actor: null,
            at: new Date().toISOString(),
            outcome: 'ok',
            rules: [],
            requestId: 'cg-1',
            ticket,
            effectKey: `cg-1/${i}`,
          }),
        ),
      );
      expect(await logs[0].verify()).to.deep.equal({ ok: true, count: 20 });
    });
  });
}

describe('store engine: postgres (real server), replicas starting together', function () {
  this.timeout(30_000);
  it('several replicas opening one fresh schema at the same moment all start and share one store', async () => {
    // CREATE ... IF NOT EXISTS races in PostgreSQL: without the serialized setup one of these fails
    // with "duplicate key value violates unique constraint".
    for (let round = 0; round < 8; round++) {
      const url = await freshPostgresUrl();
      const stores = await Promise.all([...Array(6)].map(() => openStore(url)));
      try {
        await stores[0].engine.keyv('sink_cursors').set('probe', round);
        for (const s of stores) expect(await s.engine.keyv('sink_cursors').get('probe')).to.equal(round);
        const fences = await Promise.all(stores.map((s, i) => s.engine.acquireLease('boot', `replica-${i}`, 10_000)));
        expect(fences.filter((f) => f !== null)).to.have.length(1);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    }
  });
});
