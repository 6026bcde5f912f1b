import { expect } from 'chai';
import { openStore, type Store } from '../../src/store/open-store';
import { Leases } from '../../src/store/leases';
import { AccessLedger } from '../../src/store/access-ledger';
import { freshRedisUrl } from '../helpers/stores';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('access ledger: one provider call per access at a time', () => {
  const stores: Store[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

  for (const [name, url] of [
    ['sqlite', async () => 'sqlite://:memory:'],
    ['redis', () => freshRedisUrl(11)],
  ] as const) {
    it(`serialises calls on one access within a process and across two replicas (${name})`, async () => {
      const target = await url();
      const a = await openStore(target);
      stores.push(a);
      const b = name === 'sqlite' ? a : await openStore(target);
      if (b !== a) stores.push(b);
      // Two replicas; the first runs four calls at once itself (a revoke and overlapping grants).
      const first = new AccessLedger(a.engine, new Leases(a.engine, 2_000));
      const second = new AccessLedger(b.engine, new Leases(b.engine, 2_000));
      let inside = 0;
      let most = 0;
      const call = async () => {
        inside++;
        most = Math.max(most, inside);
        await sleep(15);
        inside--;
      };
      await Promise.all([
        ...[1, 2, 3, 4].map(() => first.exclusive('k', call)),
        second.exclusive('k', call),
        second.exclusive('other', async () => undefined),
      ]);
      expect(most).to.equal(1);
    });
  }

  it('holders: the access ends with the last grant, and the latest expiry covers them all', async () => {
    const s = await openStore('sqlite://:memory:');
    stores.push(s);
    const ledger = new AccessLedger(s.engine, new Leases(s.engine));
    expect((await ledger.hold('k', 'r1', '2026-11-25T10:00:00.000Z')).others).to.deep.equal([]);
    const second = await ledger.hold('k', 'r2', '2026-11-25T12:00:00.000Z');
    expect(second).to.include({ until: '2026-11-25T12:00:00.000Z' });
    expect(second.others).to.deep.equal(['r1']);
    expect((await ledger.release('k', 'r2')).others).to.deep.equal(['r1']);
    expect((await ledger.release('k', 'r1')).others).to.deep.equal([]);
    // Releasing twice (a retried revoke) is harmless.
    expect((await ledger.release('k', 'r1')).others).to.deep.equal([]);
  });
});
