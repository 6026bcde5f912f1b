import Keyv from 'keyv';
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type Fence, leaseLost, NAMESPACES, type Namespace, type StoreEngine } from '../store-engine';
import { systemClock } from '../../util/clock';
import { SqliteKeyvAdapter, type StatementCount } from './sqlite-adapter';

/**
 * The embedded default: one process on one SQLite file (or in memory, for `simulate`), through
 * better-sqlite3 with prepared statements. Its calls are synchronous, so each primitive below is
 * one statement that nothing can interleave with: compare-and-swap is a conditional UPDATE (or
 * an INSERT when the document must be new), set-if-absent one INSERT ... ON CONFLICT. Leases are a
 * local map: one process holds the file. The tables and values are the ones keyv's SQLite adapter
 * wrote before (one table per namespace, keyv's serialization), so an existing file opens as is.
 */
export async function openLocalEngine(url: string): Promise<StoreEngine> {
  const file = url.replace(/^sqlite:\/\//, '');
  const memory = file === ':memory:';
  if (!memory) mkdirSync(dirname(resolve(file)), { recursive: true });
  const db = new Database(memory ? ':memory:' : file, { timeout: 10_000 });
  db.pragma('journal_mode = WAL');
  // NORMAL sync in WAL mode survives a killed process (only an OS crash can lose the last commits).
  db.pragma('synchronous = NORMAL');
  const count: StatementCount = { statements: 0 };
  const keyvs = new Map<Namespace, Keyv>();
  const adapters = new Map<Namespace, SqliteKeyvAdapter>();
  const cas = new Map<Namespace, ReturnType<typeof prepareWrites>>();
  for (const table of NAMESPACES) {
    const adapter = new SqliteKeyvAdapter(db, table, count);
    adapters.set(table, adapter);
    keyvs.set(table, new Keyv({ store: adapter, namespace: table, throwOnErrors: true }));
    cas.set(table, prepareWrites(db, table));
  }
  const leases = new Map<string, { owner: string; until: number; fence: number }>();
  let fence = 0;
  const kv = (ns: Namespace) => keyvs.get(ns) as Keyv;
  const holds = (f: Fence) => {
    const held = leases.get(f.lease);
    return held !== undefined && held.fence === f.token && held.until > systemClock().getTime();
  };
  const serialize = async (ns: Namespace, value: unknown, ttlMs?: number) =>
    String(await kv(ns).serializeData({ value, expires: ttlMs ? systemClock().getTime() + ttlMs : undefined }));
  let closed = false;
  const writes = (ns: Namespace) => cas.get(ns) as ReturnType<typeof prepareWrites>;
  const claimThenPut = db.transaction(
    (claim: { ns: Namespace; key: string; value: string }, put: { ns: Namespace; key: string; value: string }) => {
      count.statements++;
      if (writes(claim.ns).ifAbsent.run(`${claim.ns}:${claim.key}`, claim.value, systemClock().getTime()).changes !== 1)
        return false;
      count.statements++;
      writes(put.ns).put.run(`${put.ns}:${put.key}`, put.value);
      return true;
    },
  );

  return {
    name: memory ? 'memory' : 'sqlite',
    shared: false,
    keyv: kv,
    statements: () => count.statements,
    listDue: (ns, field, now) => (adapters.get(ns) as SqliteKeyvAdapter).dueKeys(field, now.toISOString()),
    async compareAndSet(ns, id, expected, doc, fence) {
      const value = await serialize(ns, doc);
      // Synchronous from here: nothing runs between this check and the write but the write.
      if (fence && !holds(fence)) throw leaseLost(fence);
      const w = cas.get(ns) as ReturnType<typeof prepareWrites>;
      count.statements++;
      const key = `${ns}:${id}`;
      const done =
        expected === 0 ? w.insertNew.run(key, value, systemClock().getTime()) : w.update.run(value, key, expected);
      return done.changes === 1;
    },
    async setIfAbsent(ns, key, value, ttlMs) {
      const serialized = await serialize(ns, value, ttlMs);
      count.statements++;
      // An expired entry (keyv keeps the expiry inside the value) counts as absent.
      return (
        (cas.get(ns) as ReturnType<typeof prepareWrites>).ifAbsent.run(
          `${ns}:${key}`,
          serialized,
          systemClock().getTime(),
        ).changes === 1
      );
    },
    async claimAndPut(claim, put) {
      const claimed = { ns: claim.ns, key: claim.key, value: await serialize(claim.ns, claim.value, claim.ttlMs) };
      return claimThenPut(claimed, { ns: put.ns, key: put.key, value: await serialize(put.ns, put.value) });
    },
    async acquireLease(name, owner, ttlMs) {
      const now = systemClock().getTime();
      const held = leases.get(name);
      if (held && held.owner !== owner && held.until > now) return null;
      const token = held && held.owner === owner && held.until > now ? held.fence : ++fence;
      leases.set(name, { owner, until: now + ttlMs, fence: token });
      return token;
    },
    async releaseLease(name, owner) {
      if (leases.get(name)?.owner === owner) leases.delete(name);
    },
    async close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}

/** The single-statement writes behind compare-and-swap and set-if-absent, prepared once per table. */
function prepareWrites(db: Database.Database, table: string) {
  const expired = `json_extract(${table}.value, '$.expires') < ?`;
  return {
    // Version 0 (or none) stored counts as absent, as does an expired entry.
    insertNew: db.prepare<[string, string, number]>(
      `INSERT INTO ${table} (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value
       WHERE coalesce(json_extract(${table}.value, '$.value.version'), 0) = 0 OR ${expired}`,
    ),
    update: db.prepare<[string, string, number]>(
      `UPDATE ${table} SET value = ? WHERE key = ? AND json_extract(value, '$.value.version') = ?`,
    ),
    put: db.prepare<[string, string]>(
      `INSERT INTO ${table} (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
    ),
    ifAbsent: db.prepare<[string, string, number]>(
      `INSERT INTO ${table} (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value
       WHERE ${expired}`,
    ),
  };
}
