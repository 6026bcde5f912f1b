import axios, { type AxiosInstance, type AxiosRequestConfig } from 'axios';
import { parseDuration } from '../../policy/parse-duration';
import { CredgateError } from '../../util/errors';
import { vaultProviderSecrets, type VaultProviderConfig } from './schema';
import { errorText, statusOf, vaultFailure } from './vault-errors';
import type { KvReadData, VaultAuth, VaultResponse, VaultWrapInfo } from './types';

/**
 * One function per Vault endpoint credgate calls (https://developer.hashicorp.com/vault/api-docs).
 * Authenticates with X-Vault-Token (a configured token, or one from an AppRole login that is
 * renewed by logging in again) and X-Vault-Namespace when configured. Every failure becomes a
 * CredgateError here, once; no token, wrapping token or secret value reaches a message.
 */
export interface VaultClient {
  /** KV v2 read; with `wrapTtl` (seconds) Vault answers with `wrap_info` only. */
  readKv(mount: string, path: string, wrapTtl?: number): Promise<VaultResponse<KvReadData>>;
  /** KV v2 write of a new version; `cas` = the version it must replace. Returns the new version. */
  writeKv(mount: string, path: string, data: Record<string, unknown>, cas: number): Promise<number>;
  /** KV v2 metadata write: replaces the key's custom_metadata, leaves its other settings alone. */
  writeKvCustomMetadata(mount: string, path: string, custom: Record<string, string>): Promise<void>;
  /** GET of any API path (dynamic secrets: database/creds/<role>, aws/creds/<role>...). */
  read(path: string): Promise<VaultResponse<Record<string, unknown>>>;
  /** sys/wrapping/wrap: puts `data` in a new single-use wrapping token. */
  wrap(data: Record<string, unknown>, ttlSeconds: number): Promise<VaultWrapInfo>;
  /** auth/token/revoke-accessor; 'gone' when no token has that accessor any more (used or expired). */
  revokeAccessor(accessor: string): Promise<'revoked' | 'gone'>;
  /** sys/leases/lookup; null when Vault knows no such lease (revoked or expired). */
  lookupLease(leaseId: string): Promise<{ ttl: number; expireTime: string | null } | null>;
  /** sys/leases/revoke with sync, so the credential is gone when it returns. */
  revokeLease(leaseId: string): Promise<void>;
  /** Revokes the AppRole login token, if credgate logged in (shutdown). */
  logout(): Promise<void>;
  /** POST sys/capabilities-self: what the token may do on each path ("deny" where nothing). */
  capabilitiesSelf(paths: string[]): Promise<Record<string, string[]>>;
}

/** A login token is renewed by a new login this long before Vault would let it lapse. */
const LOGIN_MARGIN_MS = 30_000;

export function createVaultClient(config: VaultProviderConfig, clock: () => Date, http?: AxiosInstance): VaultClient {
  const api: AxiosInstance =
    http ??
    axios.create({
      baseURL: `${config.address.replace(/\/+$/, '')}/v1/`,
      timeout: parseDuration(config.requestTimeout) ?? 10_000,
      headers: { Accept: 'application/json', ...(config.namespace ? { 'X-Vault-Namespace': config.namespace } : {}) },
      // A standby redirects to the active node; following would resend the token wherever it points.
      maxRedirects: 0,
    });
  const scrub = vaultProviderSecrets(config);
  let login: { token: string; renewAt: number } | null = null;
  /** Calls arriving while a login is under way wait for it instead of logging in again. */
  let loggingIn: Promise<string> | null = null;

  async function loginAppRole(): Promise<string> {
    const approle = config.approle!;
    const path = `auth/${approle.mount}/login`;
    try {
      const res = await api.post<VaultResponse<unknown>>(path, {
        role_id: approle.roleId,
        secret_id: approle.secretId,
      });
      const auth = res.data.auth as VaultAuth;
      const ttlMs = auth.lease_duration > 0 ? auth.lease_duration * 1000 : Infinity;
      login = { token: auth.client_token, renewAt: clock().getTime() + Math.max(ttlMs - LOGIN_MARGIN_MS, ttlMs / 2) };
      return auth.client_token;
    } catch (err) {
      const status = statusOf(err);
      if (status === 400 || status === 403) {
        const said = errorText((err as { response?: { data?: unknown } }).response?.data);
        throw new CredgateError(
          'config',
          `Vault AppRole login at ${path} failed (${status}${said ? `: ${said}` : ''}): check approle.roleId and approle.secretId`,
          { httpStatus: status },
        );
      }
      throw vaultFailure(err, { what: 'log in', path }, scrub);
    }
  }

  async function token(): Promise<string> {
    if (config.token) return config.token;
    if (login && clock().getTime() < login.renewAt) return login.token;
    loggingIn ??= loginAppRole().finally(() => {
      loggingIn = null;
    });
    return loggingIn;
  }

  /** One authenticated call; with AppRole, a 403 gets one fresh login (the token may have been revoked). */
  async function call<T>(what: string, path: string, request: AxiosRequestConfig): Promise<T> {
    const send = async () =>
      (await api.request<T>({ url: path, ...request, headers: { ...request.headers, 'X-Vault-Token': await token() } }))
        .data;
    try {
      return await send();
    } catch (err) {
      if (config.approle && statusOf(err) === 403 && login) {
        login = null;
        try {
          return await send();
        } catch (again) {
          throw vaultFailure(again, { what, path }, scrub);
        }
      }
      throw vaultFailure(err, { what, path }, scrub);
    }
  }

  const wrapHeader = (ttl?: number) => (ttl === undefined ? {} : { 'X-Vault-Wrap-TTL': String(ttl) });

  return {
    readKv: (mount, path, wrapTtl) =>
      call('read', `${mount}/data/${path}`, { method: 'GET', headers: wrapHeader(wrapTtl) }),

    async writeKv(mount, path, data, cas) {
      const res = await call<VaultResponse<{ version: number }>>('write', `${mount}/data/${path}`, {
        method: 'POST',
        data: { options: { cas }, data },
      });
      return res.data?.version ?? cas + 1;
    },

    async writeKvCustomMetadata(mount, path, custom) {
      await call('write metadata', `${mount}/metadata/${path}`, { method: 'POST', data: { custom_metadata: custom } });
    },

    read: (path) => call('read', path, { method: 'GET' }),

    async wrap(data, ttlSeconds) {
      const res = await call<VaultResponse<null>>('wrap', 'sys/wrapping/wrap', {
        method: 'POST',
        data,
        headers: wrapHeader(ttlSeconds),
      });
      if (!res.wrap_info) throw new CredgateError('permanent', 'Vault answered sys/wrapping/wrap without wrap_info');
      return res.wrap_info;
    },

    async revokeAccessor(accessor) {
      try {
        await call('revoke wrapping token', 'auth/token/revoke-accessor', { method: 'POST', data: { accessor } });
        return 'revoked';
      } catch (err) {
        // Vault answers 400 "invalid accessor" once the token is gone: unwrapped, expired or revoked.
        if (
          err instanceof CredgateError &&
          err.details.httpStatus === 400 &&
          /invalid accessor|not found/i.test(err.message)
        )
          return 'gone';
        throw err;
      }
    },

    async lookupLease(leaseId) {
      try {
        const res = await call<VaultResponse<{ ttl: number; expire_time: string | null }>>(
          'look up lease',
          'sys/leases/lookup',
          { method: 'PUT', data: { lease_id: leaseId } },
        );
        return { ttl: res.data?.ttl ?? 0, expireTime: res.data?.expire_time ?? null };
      } catch (err) {
        // 400 "invalid lease": revoked or expired.
        if (err instanceof CredgateError && err.details.httpStatus === 400 && /invalid lease/i.test(err.message))
          return null;
        throw err;
      }
    },

    async revokeLease(leaseId) {
      await call('revoke lease', 'sys/leases/revoke', { method: 'PUT', data: { lease_id: leaseId, sync: true } });
    },

    async capabilitiesSelf(paths) {
      const res = await call<{ data?: Record<string, string[]> }>('capabilities', 'sys/capabilities-self', {
        method: 'POST',
        data: { paths },
      });
      return Object.fromEntries(paths.map((p) => [p, res.data?.[p] ?? ['deny']]));
    },

    async logout() {
      if (!login) return;
      const t = login.token;
      login = null;
      await api.post('auth/token/revoke-self', null, { headers: { 'X-Vault-Token': t } }).catch(() => undefined);
    },
  };
}
