import Keyv from 'keyv';
import KeyvSqlite from '@keyv/sqlite';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { KeyMutex } from '../key-mutex';
import { type Fence, leaseLost, NAMESPACES, type Namespace, type StoreEngine } from '../store-engine';
import { systemClock } from '../../util/clock';

/**
 * The embedded default: one process on one SQLite file (or in memory, for `simulate`). One
 * process means an in-process mutex makes read-compare-write atomic and leases are a local map.
 */
export async function openLocalEngine(url: string): Promise<StoreEngine> {
  const file = url.replace(/^sqlite:\/\//, '');
  const memory = file === ':memory:';
  if (!memory) mkdirSync(dirname(resolve(file)), { recursive: true });
  const keyvs = new Map<Namespace, Keyv>();
  for (const table of NAMESPACES) {
    if (memory) {
      keyvs.set(table, new Keyv({ namespace: table, throwOnErrors: true }));
      continue;
    }
    // iterationLimit: @keyv/sqlite pages its iterator with LIMIT/OFFSET, 10 rows a page by default,
    // nesting one generator per page: 100,000 jobs overflowed the stack at start.
    const adapter = new KeyvSqlite({ uri: `sqlite://${file}`, table, busyTimeout: 10_000, iterationLimit: 1_000 });
    // One connection at a time: switching to WAL needs the file to itself, and creating the
    // tables concurrently from several connections can fail with SQLITE_BUSY.
    if (keyvs.size === 0) await adapter.query('PRAGMA journal_mode=WAL');
    // NORMAL sync in WAL mode survives a killed process (only an OS crash can lose the last commits).
    await adapter.query('PRAGMA synchronous=NORMAL');
    keyvs.set(table, new Keyv({ store: adapter, namespace: table, throwOnErrors: true }));
  }
  const mutex = new KeyMutex();
  const leases = new Map<string, { owner: string; until: number; fence: number }>();
  let fence = 0;
  const kv = (ns: Namespace) => keyvs.get(ns) as Keyv;
  const holds = (f: Fence) => {
    const held = leases.get(f.lease);
    return held !== undefined && held.fence === f.token && held.until > systemClock().getTime();
  };

  return {
    name: memory ? 'memory' : 'sqlite',
    shared: false,
    keyv: kv,
    compareAndSet: (ns, id, expected, doc, fence) =>
      mutex.run(`${ns}:${id}`, async () => {
        // One process: nothing runs between this check and the write below but this write.
        if (fence && !holds(fence)) throw leaseLost(fence);
        const current = (await kv(ns).get(id)) as { version?: number } | undefined;
        if ((current?.version ?? 0) !== expected) return false;
        await kv(ns).set(id, doc);
        return true;
      }),
    setIfAbsent: (ns, key, value, ttlMs) =>
      mutex.run(`${ns}:${key}`, async () => {
        // get, not has: keyv checks the expiry it stored in the value only on get.
        if ((await kv(ns).get(key)) !== undefined) return false;
        await kv(ns).set(key, value, ttlMs);
        return true;
      }),
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
      await Promise.all([...keyvs.values()].map((k) => k.disconnect().catch(() => undefined)));
    },
  };
}
