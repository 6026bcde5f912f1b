import { expect } from 'chai';
import { createAuditLog } from '../../src/audit/audit-log';
import { openStore, type Store } from '../../src/store/open-store';
import { freshRedisUrl, freshSqliteUrl } from '../helpers/stores';
import { call, DeskApp, DESK_PASSWORD, DESK_USER } from './desk-rig';

const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});
const form = (username: string, password: string) => new URLSearchParams({ username, password });

/**
 * Two replicas of the desk on one shared store, answering a burst of concurrent guesses from one
 * address: the limit holds across both, and no guess slips through while others are being checked.
 */
for (const engine of ['sqlite', 'redis'] as const) {
  describe(`service desk login limit across two replicas (${engine})`, function () {
    this.timeout(120_000);
    const now = new Date('2026-05-04T08:00:00.000Z');
    const stores: Store[] = [];
    let a: DeskApp;
    let b: DeskApp;

    beforeEach(async () => {
      // On Redis each replica opens its own connection, as two processes would; SQLite is one process's store.
      const url = engine === 'redis' ? await freshRedisUrl(3) : freshSqliteUrl();
      stores.push(await openStore(url));
      if (engine === 'redis') stores.push(await openStore(url));
      const storeB = stores[stores.length - 1];
      const options = { clock: () => now, config: { maxFailedLogins: 3, loginWindow: '10m' } };
      a = await DeskApp.start({ ...options, store: stores[0], audit: createAuditLog(stores[0].engine, undefined) });
      b = await DeskApp.start({ ...options, store: storeB, audit: createAuditLog(storeB.engine, undefined) });
    });

    afterEach(async () => {
      await a.stop();
      await b.stop();
      for (const s of stores.splice(0)) await s.close();
    });

    it('answers at most the limit of concurrent wrong Basic credentials with 401, the rest 429', async () => {
      const burst = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          call(`${(i % 2 ? a : b).url}/desk/api/overview`, { headers: basic(DESK_USER, `guess-${i}-wrong`) }),
        ),
      );
      const statuses = burst.map((r) => r.status);
      expect(
        statuses.filter((s) => s === 401),
        statuses.join(','),
      ).to.have.length(3);
      expect(statuses.filter((s) => s === 429)).to.have.length(13);
      // The right password is refused too, on both replicas, through Basic and through the form.
      expect((await call(`${a.url}/desk/api/overview`, { headers: basic(DESK_USER, DESK_PASSWORD) })).status).to.equal(
        429,
      );
      expect(
        (await call(`${b.url}/desk/login`, { method: 'POST', body: form(DESK_USER, DESK_PASSWORD) })).status,
      ).to.equal(429);
    });

    it('counts only failures: successful logins give their attempt back', async () => {
      const ok = await Promise.all(
        Array.from({ length: 3 }, (_, i) =>
          call(`${(i % 2 ? a : b).url}/desk/api/overview`, { headers: basic(DESK_USER, DESK_PASSWORD) }),
        ),
      );
      expect(ok.map((r) => r.status)).to.deep.equal([200, 200, 200]);
      for (let i = 0; i < 4; i++)
        expect(
          (await call(`${(i % 2 ? a : b).url}/desk/api/overview`, { headers: basic(DESK_USER, DESK_PASSWORD) })).status,
        ).to.equal(200);
      for (const app of [a, b, a])
        expect(
          (await call(`${app.url}/desk/api/overview`, { headers: basic(DESK_USER, 'nope-nope') })).status,
        ).to.equal(401);
      expect((await call(`${b.url}/desk/api/overview`, { headers: basic(DESK_USER, DESK_PASSWORD) })).status).to.equal(
        429,
      );
    });
  });
}
