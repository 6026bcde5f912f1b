import type Keyv from 'keyv';
import { CredgateError, isCredgateError } from '../util/errors';

/**
 * The namespaces credgate keeps; each is its own table (SQLite, PostgreSQL) or key prefix (Redis).
 * No key may start with its namespace's name and a colon: keyv then leaves the key unprefixed, so
 * keyv and the engine's own writes would disagree on where it lives (a namespace `holders` with
 * keys `holders:...` did exactly that on Redis).
 */
export const NAMESPACES = [
  'requests',
  'inbox',
  'jobs',
  'audit',
  'grants',
  'owing',
  'handoff',
  'reviews',
  /** Delivery ids already accepted, for a while: a redelivery changes nothing. */
  'deliveries',
  /** The overlapping-grants ledger: which grants hold each piece of access. */
  'access_holders',
  /** What each grant did on the target system (provider detail), for its revocation. */
  'grant_details',
  /** Service-desk sessions and sign-ins in progress (hashed ids, with a TTL). */
  'desk_sessions',
  /** How far each audit sink has been sent. */
  'sink_cursors',
  /** Before these had their own namespaces, all of them sat here; read once at open (split-meta.ts). */
  /** What became of each accepted delivery (the delivery log: `credgate deliveries`, the desk). */
  'delivery_log',
  'meta',
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
  /**
   * Writes `doc` under `id` only if the stored doc's `version` is `expected` (0: absent). With a
   * `fence`, also only while that lease is still held under that token (claimed, not expired, not
   * taken over); otherwise nothing is written and it throws the `lease-lost` conflict.
   */
  compareAndSet(ns: Namespace, id: string, expected: number, doc: { version: number }, fence?: Fence): Promise<boolean>;
  /** Writes only if the key is absent; true when this call wrote it. */
  setIfAbsent(ns: Namespace, key: string, value: unknown, ttlMs?: number): Promise<boolean>;
  /** Claims or renews a lease; returns its fencing token (increasing per claim), or null if held by another owner. */
  acquireLease(name: string, owner: string, ttlMs: number): Promise<number | null>;
  releaseLease(name: string, owner: string): Promise<void>;
  close(): Promise<void>;
}

/** A lease holder's proof: the lease's name and the fencing token its claim was given. */
export interface Fence {
  lease: string;
  token: number;
}

/** Thrown by a fenced write whose lease another holder has since taken (or that expired). */
export const leaseLost = (fence: Fence): CredgateError =>
  new CredgateError('conflict', `lease ${fence.lease} is no longer held under fence ${fence.token}`, {
    code: 'lease-lost',
  });

export const isLeaseLost = (err: unknown): boolean =>
  isCredgateError(err, 'conflict') && err.details.code === 'lease-lost';
