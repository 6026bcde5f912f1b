import type Keyv from 'keyv';
import { CredgateError } from '../util/errors';
import { parseDuration } from '../policy/parse-duration';
import { DocumentCollection } from './document-collection';
import type { CredentialRequest } from '../domain/request';
import { NAMESPACES, type Namespace, type StoreEngine } from './store-engine';
import { openLocalEngine } from './engines/local-engine';
import { splitLegacyMeta } from './split-meta';

type RedisModule = typeof import('./engines/redis-engine');
type PostgresModule = typeof import('./engines/postgres-engine');

export interface Store {
  readonly url: string;
  readonly engine: StoreEngine;
  requests: DocumentCollection<CredentialRequest>;
  kv: Record<Exclude<Namespace, 'requests' | 'meta'>, Keyv>;
  close(): Promise<void>;
}

/**
 * Opens the store named by a URL: `sqlite://./data/credgate.sqlite` (the embedded default, one
 * process), `sqlite://:memory:`, `redis://host:6379/0` or `postgres://user@host:5432/db` (several
 * replicas may share these).
 */
export interface OpenStoreOptions {
  /** How long a shared store may take to answer before opening fails (default 10 s). */
  connectTimeoutMs?: number;
}

export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  const scheme = url.split(':', 1)[0];
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  let engine: StoreEngine;
  try {
    if (scheme === 'sqlite') engine = await openLocalEngine(url);
    // Loaded only when used (require, not import(): the CommonJS loader resolves TypeScript
    // under tsx's hook), so the embedded default starts without the Redis and PostgreSQL clients.
    else if (scheme === 'redis' || scheme === 'rediss')
      engine = await (require('./engines/redis-engine') as RedisModule).openRedisEngine(url, { connectTimeoutMs });
    else if (scheme === 'postgres' || scheme === 'postgresql')
      engine = await (require('./engines/postgres-engine') as PostgresModule).openPostgresEngine(url, {
        connectTimeoutMs,
      });
    else
      throw new CredgateError(
        'config',
        `store URL scheme "${scheme}" is not supported; expected sqlite://, redis:// or postgres://`,
      );
  } catch (err) {
    if (err instanceof CredgateError) throw err;
    throw new CredgateError('config', `the store at ${redact(url)} cannot be opened: ${(err as Error).message}`);
  }
  // Records a store written before the split still holds in `meta` move to their own namespaces.
  await splitLegacyMeta(engine);
  const kv = {} as Store['kv'];
  for (const ns of NAMESPACES) if (ns !== 'requests' && ns !== 'meta') kv[ns] = engine.keyv(ns);
  return {
    url,
    engine,
    requests: new DocumentCollection<CredentialRequest>(engine, 'requests'),
    kv,
    close: () => engine.close(),
  };
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** Opens the store the configuration's `store` section names. */
export const openConfiguredStore = (store: { url: string; connectTimeout: string }): Promise<Store> =>
  openStore(store.url, { connectTimeoutMs: parseDuration(store.connectTimeout) ?? DEFAULT_CONNECT_TIMEOUT_MS });

/** A store URL without its password, for messages and logs. */
export const redact = (url: string): string => url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
