import { expect } from 'chai';
import Keyv from 'keyv';
import KeyvSqlite from '@keyv/sqlite';
import { openStore } from '../../src/store/open-store';
import { Inbox } from '../../src/pipeline/inbox';
import { freshSqliteUrl } from '../helpers/stores';

describe('store engine: sqlite on better-sqlite3', function () {
  this.timeout(20_000);

  it('opens a file the keyv/node-sqlite3 engine wrote, with every record readable and writable', async () => {
    const url = freshSqliteUrl();
    const file = url.replace('sqlite://', '');
    // What the previous engine did: one @keyv/sqlite adapter per namespace table on the file.
    const old = (table: string) =>
      new Keyv({ store: new KeyvSqlite({ uri: `sqlite://${file}`, table }), namespace: table, throwOnErrors: true });
    const requests = old('requests');
    const inbox = old('inbox');
    const deliveries = old('deliveries');
    await requests.set('cg-jira-1', { version: 3, state: 'pending-approval' });
    await inbox.set('jira:d1', { connector: 'jira', deliveryId: 'd1', tickets: [], receivedAt: 'x', attempts: 0 });
    await deliveries.set('delivery:jira:d0', 'then', 60_000);
    await Promise.all([requests, inbox, deliveries].map((k) => k.disconnect()));

    const store = await openStore(url);
    try {
      expect(await store.requests.get('cg-jira-1')).to.deep.equal({ version: 3, state: 'pending-approval' });
      expect(await store.requests.compareAndSet('cg-jira-1', 2, { version: 0 } as never)).to.equal(null);
      expect(await store.requests.compareAndSet('cg-jira-1', 3, { version: 0, state: 'x' } as never)).to.deep.equal({
        version: 4,
        state: 'x',
      });
      expect([...(await collect(new Inbox(store.engine).keys()))]).to.deep.equal(['jira:d1']);
      // The dedupe marker the old engine wrote still stops a redelivery.
      expect(await store.engine.setIfAbsent('deliveries', 'delivery:jira:d0', 'now')).to.equal(false);
    } finally {
      await store.close();
    }
  });

  it('lists a namespace by key ranges: entries deleted while listing skip none of the rest', async () => {
    const store = await openStore(freshSqliteUrl());
    try {
      const inbox = store.engine.keyv('inbox');
      const n = 2_500; // more than two pages
      for (let i = 0; i < n; i++) await inbox.set(`jira:${String(i).padStart(5, '0')}`, { i });
      await store.engine.keyv('deliveries').set('inbox:not-mine', 1); // another table, same prefix shape
      const seen: string[] = [];
      for await (const [key] of inbox.iterator?.(undefined) ?? []) {
        seen.push(String(key));
        await inbox.delete(String(key));
      }
      expect(seen).to.have.length(n);
      expect(new Set(seen).size).to.equal(n);
      expect(await collect(new Inbox(store.engine).keys())).to.have.length(0);
    } finally {
      await store.close();
    }
  });

  it('set-if-absent and compare-and-swap are one statement each; a delete runs no SELECT first', async () => {
    const store = await openStore(freshSqliteUrl());
    try {
      const count = () => store.engine.statements?.() ?? Number.NaN;
      let before = count();
      expect(await store.engine.setIfAbsent('deliveries', 'delivery:a', 1, 60_000)).to.equal(true);
      expect(await store.engine.setIfAbsent('deliveries', 'delivery:a', 2, 60_000)).to.equal(false);
      expect(count() - before).to.equal(2);
      before = count();
      expect(await store.requests.compareAndSet('r', 0, { version: 0 } as never)).to.not.equal(null);
      expect(count() - before).to.equal(1);
      before = count();
      expect(await store.engine.keyv('inbox').delete('absent')).to.equal(false);
      expect(count() - before).to.equal(1);
    } finally {
      await store.close();
    }
  });
});

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('the inbox sweep listing', function () {
  this.timeout(20_000);
  it('hands over the deliveries that are due and leaves those waiting for a retry time', async () => {
    const store = await openStore(freshSqliteUrl());
    try {
      const kv = store.engine.keyv('inbox');
      const now = new Date('2026-12-07T12:00:00.000Z');
      const entry = (id: string, notBefore?: string) => ({
        connector: 'jira',
        deliveryId: id,
        tickets: [],
        receivedAt: now.toISOString(),
        attempts: 1,
        ...(notBefore ? { notBefore } : {}),
      });
      await kv.set('jira:fresh', entry('fresh'));
      await kv.set('jira:due', entry('due', '2026-12-07T11:59:59.999Z'));
      await kv.set('jira:waiting', entry('waiting', '2026-12-07T12:00:00.001Z'));
      expect(await collect(new Inbox(store.engine).dueKeys(now))).to.deep.equal(['jira:due', 'jira:fresh']);
    } finally {
      await store.close();
    }
  });
});
