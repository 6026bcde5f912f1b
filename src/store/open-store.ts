import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Keyv from 'keyv';
import KeyvSqlite from '@keyv/sqlite';
import { CredgateError } from '../util/errors';
import { DocumentCollection } from './document-collection';
import type { CredentialRequest } from '../domain/request';

/** The namespaces credgate keeps; each is its own table on SQLite. */
const NAMESPACES = ['requests', 'inbox', 'jobs', 'audit', 'grants', 'meta'] as const;
type Namespace = (typeof NAMESPACES)[number];

export interface Store {
  readonly url: string;
  requests: DocumentCollection<CredentialRequest>;
  kv: Record<Exclude<Namespace, 'requests'>, Keyv>;
  close(): Promise<void>;
}

/**
 * Opens the store named by a URL. `sqlite://./data/credgate.sqlite` (the embedded default) keeps
 * everything in one file; `sqlite://:memory:` keeps nothing (for `simulate`).
 */
export async function openStore(url: string): Promise<Store> {
  const scheme = url.split(':', 1)[0];
  if (scheme !== 'sqlite') {
    throw new CredgateError('config', `store URL scheme "${scheme}" is not supported; expected sqlite://<file>`);
  }
  return openSqlite(url);
}

async function openSqlite(url: string): Promise<Store> {
  const file = url.replace(/^sqlite:\/\//, '');
  const memory = file === ':memory:';
  if (!memory) mkdirSync(dirname(resolve(file)), { recursive: true });
  const keyvs: Keyv[] = [];
  for (const table of NAMESPACES) {
    if (memory) {
      // In memory (simulate, tests of pure flows) each namespace is a plain Map.
      keyvs.push(new Keyv({ namespace: table, throwOnErrors: true }));
      continue;
    }
    const adapter = new KeyvSqlite({ uri: `sqlite://${file}`, table, busyTimeout: 10_000 });
    // One connection at a time: switching to WAL needs the file to itself, and creating the
    // tables concurrently from several connections can fail with SQLITE_BUSY.
    if (keyvs.length === 0) await adapter.query('PRAGMA journal_mode=WAL');
    // NORMAL sync in WAL mode survives a killed process (only an OS crash can lose the last commits).
    await adapter.query('PRAGMA synchronous=NORMAL');
    keyvs.push(new Keyv({ store: adapter, namespace: table, throwOnErrors: true }));
  }
  const [requests, inbox, jobs, audit, grants, meta] = keyvs;
  return {
    url,
    requests: new DocumentCollection<CredentialRequest>(requests),
    kv: { inbox, jobs, audit, grants, meta },
    async close() {
      await Promise.all(keyvs.map((k) => k.disconnect().catch(() => undefined)));
    },
  };
}
