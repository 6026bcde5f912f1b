/**
 * The parts of Vault's HTTP API answers credgate reads
 * (https://developer.hashicorp.com/vault/api-docs). Vendor types: they stay in this folder.
 */

/** `wrap_info` of a response-wrapped answer (https://developer.hashicorp.com/vault/docs/concepts/response-wrapping). */
export interface VaultWrapInfo {
  /** The single-use wrapping token: a secret. */
  token: string;
  /** Identifies the wrapping token without being able to use it (not a secret). */
  accessor: string;
  ttl: number;
  creation_time: string;
  creation_path: string;
}

/** The envelope every Vault answer shares. */
export interface VaultResponse<T> {
  request_id?: string;
  lease_id: string;
  lease_duration: number;
  renewable: boolean;
  data: T | null;
  wrap_info: VaultWrapInfo | null;
  warnings: string[] | null;
  auth: VaultAuth | null;
}

export interface VaultAuth {
  client_token: string;
  accessor: string;
  lease_duration: number;
  renewable: boolean;
  policies?: string[];
}

/** GET /v1/<mount>/data/<path> (KV version 2). */
export interface KvReadData {
  data: Record<string, unknown> | null;
  metadata: KvVersionMetadata;
}

export interface KvVersionMetadata {
  created_time: string;
  custom_metadata: Record<string, string> | null;
  deletion_time: string;
  destroyed: boolean;
  version: number;
}

/** The error body of every failed Vault call. */
export interface VaultErrorBody {
  errors?: string[];
}
