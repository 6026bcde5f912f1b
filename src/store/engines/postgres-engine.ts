import Keyv from 'keyv';
import KeyvPostgres from '@keyv/postgres';
import { Client } from 'pg';
import { leaseLost, NAMESPACES, type Namespace, type StoreEngine } from '../store-engine';
import { CredgateError } from '../../util/errors';
import { systemClock } from '../../util/clock';

/** The stored document's version, out of keyv's serialization {"value": {...}}. */
const VERSION = "((value::jsonb) -> 'value' ->> 'version')::bigint";

type Query = (sql: string, values?: unknown[]) => Promise<Record<string, unknown>[]>;

/**
 * Several replicas on one PostgreSQL, through @keyv/postgres (one table per namespace, in the
 * schema named by `?schema=` in the URL, default public). Atomicity
 * comes from single statements: a conditional UPDATE for compare-and-swap, INSERT ... ON CONFLICT
 * DO NOTHING for set-if-absent, and a conditional upsert on a lease row.
 */
export async function openPostgresEngine(
  url: string,
  options: { connectTimeoutMs?: number } = {},
): Promise<StoreEngine> {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema') ?? 'public';
  if (!/^[a-z_][a-z0-9_]*$/.test(schema))
    throw new CredgateError('config', `schema "${schema}" is not a plain lowercase identifier`);
  parsed.searchParams.delete('schema');
  const uri = parsed.toString();
  const table = (ns: string) => `${schema}.credgate_${ns}`;
  await createTables(uri, schema, table, options.connectTimeoutMs);
  const keyvs = new Map<Namespace, Keyv>();
  let query!: Query;
  for (const ns of NAMESPACES) {
    // iterationLimit: the adapter pages its iterator 10 rows at a time by default, one nested generator per page.
    const adapter = new KeyvPostgres({ uri, schema, table: `credgate_${ns}`, iterationLimit: 1_000 });
    if (!query) query = adapter.query.bind(adapter) as unknown as Query;
    // The adapter's delete runs a SELECT first: one statement does, and says whether a row went.
    adapter.delete = async (key: string) =>
      (await query(`DELETE FROM ${table(ns)} WHERE key = $1 RETURNING key`, [key])).length > 0;
    const k = new Keyv({ store: adapter, namespace: ns, throwOnErrors: true });
    await k.has('__warmup__'); // creates the table now, not in the middle of a request
    keyvs.set(ns, k);
  }
  const kv = (ns: Namespace) => keyvs.get(ns) as Keyv;
  const serialize = async (ns: Namespace, value: unknown, ttlMs?: number) =>
    String(await kv(ns).serializeData({ value, expires: ttlMs ? systemClock().getTime() + ttlMs : undefined }));

  return {
    name: 'postgres',
    shared: true,
    keyv: kv,
    async compareAndSet(ns, id, expected, doc, fence) {
      const key = `${ns}:${id}`;
      const value = await serialize(ns, doc);
      if (!fence) {
        const rows =
          expected === 0
            ? await query(
                `INSERT INTO ${table(ns)} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING key`,
                [key, value],
              )
            : await query(`UPDATE ${table(ns)} SET value = $2 WHERE key = $1 AND ${VERSION} = $3 RETURNING key`, [
                key,
                value,
                expected,
              ]);
        return rows.length === 1;
      }
      // One statement: the lease row is read FOR SHARE, so a takeover (an UPDATE of that row)
      // waits for this write, or this write sees the new fence and writes nothing.
      const write =
        expected === 0
          ? `INSERT INTO ${table(ns)} (key, value) SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM f)
             ON CONFLICT (key) DO NOTHING RETURNING key`
          : `UPDATE ${table(ns)} SET value = $2 WHERE key = $1 AND ${VERSION} = $5 AND EXISTS (SELECT 1 FROM f)
             RETURNING key`;
      const [row] = await query(
        `WITH f AS (SELECT 1 FROM ${table('leases')} WHERE name = $3 AND fence = $4 AND expires_at > now() FOR SHARE),
              w AS (${write})
         SELECT (SELECT count(*) FROM f)::int AS held, (SELECT count(*) FROM w)::int AS written`,
        [key, value, fence.lease, fence.token, ...(expected === 0 ? [] : [expected])],
      );
      if (!row.held) throw leaseLost(fence);
      return row.written === 1;
    },
    async setIfAbsent(ns, key, value, ttlMs) {
      // An expired entry (keyv keeps the expiry inside the value) counts as absent.
      const rows = await query(
        `INSERT INTO ${table(ns)} AS t (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value
         WHERE ((t.value::jsonb) ->> 'expires')::bigint < $3
         RETURNING key`,
        [`${ns}:${key}`, await serialize(ns, value, ttlMs), systemClock().getTime()],
      );
      return rows.length === 1;
    },
    async claimAndPut(claim, put) {
      // One statement, so one round trip and atomic: the put runs only when the claim's row was written.
      const rows = await query(
        `WITH claimed AS (
           INSERT INTO ${table(claim.ns)} AS t (key, value) VALUES ($1, $2)
           ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value
           WHERE ((t.value::jsonb) ->> 'expires')::bigint < $3
           RETURNING key)
         INSERT INTO ${table(put.ns)} AS p (key, value) SELECT $4, $5 FROM claimed
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value
         RETURNING key`,
        [
          `${claim.ns}:${claim.key}`,
          await serialize(claim.ns, claim.value, claim.ttlMs),
          systemClock().getTime(),
          `${put.ns}:${put.key}`,
          await serialize(put.ns, put.value),
        ],
      );
      return rows.length === 1;
    },
    async acquireLease(name, owner, ttlMs) {
      const rows = await query(
        `INSERT INTO ${table('leases')} AS l (name, owner, fence, expires_at)
           VALUES ($1, $2, nextval('${table('lease_fence')}'), now() + $3 * interval '1 millisecond')
         ON CONFLICT (name) DO UPDATE SET
           owner = EXCLUDED.owner,
           fence = CASE WHEN l.owner = EXCLUDED.owner AND l.expires_at > now() THEN l.fence ELSE EXCLUDED.fence END,
           expires_at = EXCLUDED.expires_at
         WHERE l.owner = EXCLUDED.owner OR l.expires_at <= now()
         RETURNING fence`,
        [name, owner, ttlMs],
      );
      return rows.length ? Number(rows[0].fence) : null;
    },
    async releaseLease(name, owner) {
      await query(`DELETE FROM ${table('leases')} WHERE name = $1 AND owner = $2`, [name, owner]);
    },
    async close() {
      await Promise.all([...keyvs.values()].map((k) => k.disconnect().catch(() => undefined)));
    },
  };
}

/**
 * Creates the schema and every table before any adapter touches them. Replicas start together on
 * a fresh database, and PostgreSQL's `CREATE ... IF NOT EXISTS` is not safe under concurrency (two
 * sessions both see "absent" and one fails on a catalog unique index), so the DDL runs in one
 * transaction behind an advisory lock. The keyv adapter's own `CREATE TABLE IF NOT EXISTS` then
 * finds the tables there. The columns match what @keyv/postgres creates.
 */
async function createTables(
  uri: string,
  schema: string,
  table: (ns: string) => string,
  connectTimeoutMs?: number,
): Promise<void> {
  const client = new Client({ connectionString: uri, connectionTimeoutMillis: connectTimeoutMs });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('credgate schema ' || $1))`, [schema]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    for (const ns of NAMESPACES) {
      await client.query(`CREATE TABLE IF NOT EXISTS ${table(ns)} (key VARCHAR(255) PRIMARY KEY, value TEXT)`);
    }
    await client.query(`CREATE TABLE IF NOT EXISTS ${table('leases')} (
      name text PRIMARY KEY, owner text NOT NULL, fence bigint NOT NULL, expires_at timestamptz NOT NULL)`);
    await client.query(`CREATE SEQUENCE IF NOT EXISTS ${table('lease_fence')}`);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.end().catch(() => undefined);
  }
}
