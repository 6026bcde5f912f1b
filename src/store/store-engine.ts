import type Keyv from 'keyv';

/** The namespaces credgate keeps; each is its own table (SQLite, PostgreSQL) or key prefix (Redis). */
export const NAMESPACES = [
  'requests',
  'inbox',
  'jobs',
  'audit',
  'grants',
  'meta',
  'owing',
  'handoff',
  'reviews',
  'deliveries',
] as const;
export type Namespace = (typeof NAMESPACES)[number];

/**
 * What keyv cannot do and several replicas need, per engine, through the client the keyv adapter
 * exposes: compare-and-swap on a versioned document, set-if-absent, and leases with fencing
 * tokens. This is the only engine-specific code; everything else goes through keyv.
 */
export interface StoreEngine {
  readonly name: 'sqlite' | 'redis' | 'postgres' | 'memory';
  /** True when several processes may share the store (replicas); false for embedded SQLite. */
  readonly shared: boolean;
  keyv(ns: Namespace): Keyv;
  /** Writes `doc` under `id` only if the stored doc's `version` is `expected` (0: absent). */
  compareAndSet(ns: Namespace, id: string, expected: number, doc: { version: number }): Promise<boolean>;
  /** Writes only if the key is absent; true when this call wrote it. */
  setIfAbsent(ns: Namespace, key: string, value: unknown, ttlMs?: number): Promise<boolean>;
  /** Claims or renews a lease; returns its fencing token (increasing per claim), or null if held by another owner. */
  acquireLease(name: string, owner: string, ttlMs: number): Promise<number | null>;
  releaseLease(name: string, owner: string): Promise<void>;
  close(): Promise<void>;
}
