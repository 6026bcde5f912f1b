import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@redis/client';

/**
 * Fresh, isolated stores on the real servers of this machine: a new PostgreSQL schema, an empty
 * Redis database, a new SQLite file. CI starts PostgreSQL (127.0.0.1:5432, trust auth, database
 * test) and Redis (127.0.0.1:6379) when they are not running (.ci/run).
 */
export async function freshRedisUrl(db: number): Promise<string> {
  // CREDGATE_TEST_REDIS (host:port) lets parallel checkouts each use a Redis of their own.
  const url = `redis://${process.env.CREDGATE_TEST_REDIS ?? '127.0.0.1:6379'}/${db}`;
  const client = createClient({ url });
  await client.connect();
  await client.flushDb();
  await client.quit();
  return url;
}

export function freshPostgresUrl(): string {
  return `postgres://postgres@127.0.0.1:5432/test?schema=cg_test_${randomBytes(4).toString('hex')}`;
}

export const freshSqliteUrl = (): string =>
  `sqlite://${join(mkdtempSync(join(tmpdir(), 'credgate-store-')), 'store.sqlite')}`;
