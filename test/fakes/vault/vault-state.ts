import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import type { PolicyRule } from './types';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const base62 = (n: number) => Array.from({ length: n }, () => BASE62[randomInt(BASE62.length)]).join('');

/** What Vault put in a wrapping token's cubbyhole: the whole original answer. */
export interface WrappedResponse {
  response: Record<string, unknown>;
  creationPath: string;
  creationTime: string;
  ttl: number;
}

export interface TokenEntry {
  id: string;
  accessor: string;
  /** 'root' = every capability. */
  policies: PolicyRule[] | 'root';
  expiresAt: number | null;
  wrapping?: WrappedResponse;
}

export interface KvVersion {
  data: Record<string, unknown>;
  createdTime: string;
}

export interface KvSecret {
  versions: Map<number, KvVersion>;
  currentVersion: number;
  customMetadata: Record<string, string> | null;
  createdTime: string;
  updatedTime: string;
}

export interface Lease {
  id: string;
  issueTime: number;
  expireTime: number;
  /** The database user the lease keeps alive, dropped when the lease ends. */
  username: string;
}

export interface DatabaseUser {
  username: string;
  password: string;
  role: string;
  leaseId: string;
}

/**
 * Vault's state as the fake keeps it: tokens (service and response-wrapping) with accessors and
 * TTLs, KV version 2 secrets with versions and custom metadata, database roles, leases, and the
 * users that exist in the "database" because a lease is alive. Expiry is applied lazily (`sweep`).
 */
export class VaultState {
  readonly tokens = new Map<string, TokenEntry>();
  readonly accessors = new Map<string, string>();
  readonly kv = new Map<string, KvSecret>();
  readonly kvMounts: Set<string>;
  readonly databaseRoles = new Map<string, { ttl: number }>();
  readonly leases = new Map<string, Lease>();
  readonly databaseUsers = new Map<string, DatabaseUser>();

  constructor(
    readonly clock: () => number,
    kvMounts: string[],
  ) {
    this.kvMounts = new Set(kvMounts);
  }

  iso(ms = this.clock()): string {
    return new Date(ms).toISOString();
  }

  /** Ends what has run out: tokens past their TTL (wrapped answers with them), leases and their users. */
  sweep(): void {
    const now = this.clock();
    for (const t of [...this.tokens.values()]) if (t.expiresAt !== null && t.expiresAt <= now) this.revokeToken(t.id);
    for (const l of [...this.leases.values()]) if (l.expireTime <= now) this.revokeLease(l.id);
  }

  // ---- tokens -------------------------------------------------------------------------------

  createToken(policies: PolicyRule[] | 'root', ttlSeconds: number | null, id?: string): TokenEntry {
    const entry: TokenEntry = {
      id: id ?? `hvs.${base62(24)}`,
      accessor: base62(24),
      policies,
      expiresAt: ttlSeconds === null ? null : this.clock() + ttlSeconds * 1000,
    };
    this.tokens.set(entry.id, entry);
    this.accessors.set(entry.accessor, entry.id);
    return entry;
  }

  token(id: string | undefined): TokenEntry | undefined {
    this.sweep();
    return id ? this.tokens.get(id) : undefined;
  }

  revokeToken(id: string): boolean {
    const t = this.tokens.get(id);
    if (!t) return false;
    this.tokens.delete(id);
    this.accessors.delete(t.accessor);
    return true;
  }

  /** Puts an answer in a new single-use token's cubbyhole, as response wrapping does. */
  wrap(response: Record<string, unknown>, ttl: number, creationPath: string) {
    const creationTime = this.iso();
    // Wrapping tokens are long (they carry a cubbyhole key); the length is Vault's current one.
    const entry = this.createToken([], ttl, `hvs.${base62(90)}`);
    entry.wrapping = { response, creationPath, creationTime, ttl };
    return { token: entry.id, accessor: entry.accessor, ttl, creation_time: creationTime, creation_path: creationPath };
  }

  /** Single use: the token is revoked as its answer is read. */
  unwrap(id: string): WrappedResponse | undefined {
    const t = this.token(id);
    if (!t?.wrapping) return undefined;
    this.revokeToken(id);
    return t.wrapping;
  }

  // ---- KV version 2 -------------------------------------------------------------------------

  kvSecret(mount: string, path: string): KvSecret | undefined {
    return this.kv.get(`${mount}/${path}`);
  }

  /** Writes a new version; `cas` (when given) must equal the current version (0 = must not exist). */
  kvWrite(
    mount: string,
    path: string,
    data: Record<string, unknown>,
    cas?: number,
  ): { version: number } | { casMismatch: true } {
    const key = `${mount}/${path}`;
    const now = this.iso();
    const secret = this.kv.get(key) ?? {
      versions: new Map(),
      currentVersion: 0,
      customMetadata: null,
      createdTime: now,
      updatedTime: now,
    };
    if (cas !== undefined && cas !== secret.currentVersion) return { casMismatch: true };
    secret.currentVersion += 1;
    secret.versions.set(secret.currentVersion, { data: structuredClone(data), createdTime: now });
    secret.updatedTime = now;
    this.kv.set(key, secret);
    return { version: secret.currentVersion };
  }

  // ---- database secrets engine and leases -----------------------------------------------------

  issueDatabaseCredentials(mount: string, role: string): { lease: Lease; user: DatabaseUser; ttl: number } | undefined {
    const r = this.databaseRoles.get(`${mount}/${role}`);
    if (!r) return undefined;
    const now = this.clock();
    // Vault's default username template: v-<auth>-<role>-<random>-<unix time>.
    const username = `v-token-${role.slice(0, 10)}-${base62(20)}-${Math.floor(now / 1000)}`;
    const password = randomBytes(15).toString('base64url');
    const lease: Lease = {
      id: `${mount}/creds/${role}/${base62(24)}`,
      issueTime: now,
      expireTime: now + r.ttl * 1000,
      username,
    };
    const user: DatabaseUser = { username, password, role, leaseId: lease.id };
    this.leases.set(lease.id, lease);
    this.databaseUsers.set(username, user);
    return { lease, user, ttl: r.ttl };
  }

  lease(id: string): Lease | undefined {
    this.sweep();
    return this.leases.get(id);
  }

  /** Revoking a lease runs the engine's revocation: the database user is dropped. */
  revokeLease(id: string): boolean {
    const l = this.leases.get(id);
    if (!l) return false;
    this.leases.delete(id);
    this.databaseUsers.delete(l.username);
    return true;
  }

  newRequestId(): string {
    return randomUUID();
  }
}
