/** A capability in a Vault ACL policy (https://developer.hashicorp.com/vault/docs/concepts/policies). */
export type Capability = 'create' | 'read' | 'update' | 'patch' | 'delete' | 'list' | 'sudo' | 'deny';

/** One `path "..." { capabilities = [...] }` stanza. `*` at the end is a prefix glob, `+` one segment. */
export interface PolicyRule {
  path: string;
  capabilities: Capability[];
}

export interface FakeVaultOptions {
  /** A token allowed everything, like Vault's root token. */
  rootToken?: string;
  /** Enterprise namespace every call must name (X-Vault-Namespace), as the tokens live in it. */
  namespace?: string;
  /** Mounts of the KV version 2 engine (default: ["secret"]). */
  kvMounts?: string[];
  /** An AppRole role credgate can log in with at auth/<mount>/login. */
  approle?: { mount?: string; roleId: string; secretId: string; policies: PolicyRule[]; tokenTtl?: number };
  /** Vault's clock; `advance()` moves it on. */
  now?: () => Date;
}

/** A database secrets engine role (database/roles/<name>): each read of creds/<name> makes a user. */
export interface DatabaseRoleOptions {
  /** default_ttl of the role, in seconds. */
  ttl: number;
  mount?: string;
}

/** Every call credgate made, in order. Token values are never recorded. */
export interface RecordedVaultRequest {
  method: string;
  /** The API path without /v1/. */
  path: string;
  body: unknown;
  wrapTtl?: string;
  namespace?: string;
  status: number;
}

export interface VaultResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}
