import { allowed } from './acl';
import type { TokenEntry, VaultState } from './vault-state';
import type { Capability, VaultResult } from './types';

/** What a handler gets: the caller's token is already checked unless the route says `auth: 'none'`. */
export interface RouteContext {
  state: VaultState;
  method: string;
  path: string;
  params: string[];
  body: Record<string, unknown>;
  /** The X-Vault-Token's entry, when it names a live token. */
  caller: TokenEntry | undefined;
  wrapTtl: number | undefined;
  approle: { mount: string; roleId: string; secretId: string; login: () => TokenEntry } | undefined;
  violation(message: string): void;
}

interface Route {
  methods: string[];
  pattern: RegExp;
  /** 'token': a live, non-wrapping X-Vault-Token is required first; 'none': the handler decides. */
  auth: 'token' | 'none';
  handle(ctx: RouteContext): VaultResult;
}

// ---- Vault's answer shapes ------------------------------------------------------------------------

export const vaultError = (status: number, ...errors: string[]): VaultResult => ({ status, body: { errors } });
/** A live token whose policies do not allow the call (Vault wraps the message in a multierror). */
export const aclDenied = (): VaultResult => vaultError(403, '1 error occurred:\n\t* permission denied\n\n');
export const noContent = (): VaultResult => ({ status: 204 });

export function envelope(
  state: VaultState,
  data: unknown,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    request_id: state.newRequestId(),
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data,
    wrap_info: null,
    warnings: null,
    auth: null,
    ...extra,
  };
}
const ok = (state: VaultState, data: unknown, extra?: Record<string, unknown>): VaultResult => ({
  status: 200,
  body: envelope(state, data, extra),
});

const can = (ctx: RouteContext, capability: Capability, path = ctx.path) =>
  Boolean(ctx.caller && !ctx.caller.wrapping && allowed(ctx.caller.policies, path, capability));

const INVALID_WRAPPING_TOKEN = 'wrapping token is not valid or does not exist';

// ---- routes ---------------------------------------------------------------------------------------

const routes: Route[] = [
  {
    // https://developer.hashicorp.com/vault/api-docs/auth/approle#login-with-approle
    methods: ['POST', 'PUT'],
    pattern: /^auth\/(.+)\/login$/,
    auth: 'none',
    handle(ctx) {
      const a = ctx.approle;
      // An auth method that is not mounted there: Vault checks the (absent) token and says no.
      if (!a || ctx.params[0] !== a.mount) return vaultError(403, 'permission denied');
      if (ctx.body.role_id !== a.roleId || ctx.body.secret_id !== a.secretId)
        return vaultError(400, 'invalid role or secret ID');
      const t = a.login();
      const ttl = t.expiresAt === null ? 0 : Math.round((t.expiresAt - ctx.state.clock()) / 1000);
      return ok(ctx.state, null, {
        auth: {
          client_token: t.id,
          accessor: t.accessor,
          policies: ['default', 'credgate'],
          token_policies: ['default', 'credgate'],
          metadata: { role_name: 'credgate' },
          lease_duration: ttl,
          renewable: true,
          token_type: 'service',
          orphan: true,
        },
      });
    },
  },
  {
    // https://developer.hashicorp.com/vault/api-docs/system/capabilities-self: the token's
    // capabilities on each path, ["deny"] where it has none; the same map at the top level and in data.
    methods: ['POST', 'PUT'],
    pattern: /^sys\/capabilities-self$/,
    auth: 'token',
    handle(ctx) {
      if (!can(ctx, 'update')) return aclDenied();
      const paths = ctx.body.paths;
      if (!Array.isArray(paths) || !paths.length || paths.some((p) => typeof p !== 'string' || !p))
        return vaultError(400, "'paths' must be a non-empty list of paths");
      const all: Capability[] = ['create', 'read', 'update', 'patch', 'delete', 'list', 'sudo'];
      const result: Record<string, string[]> = {};
      for (const path of paths as string[]) {
        const held = all.filter((c) => ctx.caller && allowed(ctx.caller.policies, path, c));
        result[path] = held.length ? held : ['deny'];
      }
      const single = paths.length === 1 ? { capabilities: result[paths[0] as string] } : {};
      return { status: 200, body: { ...envelope(ctx.state, { ...result, ...single }), ...result, ...single } };
    },
  },
  {
    methods: ['POST', 'PUT'],
    pattern: /^auth\/token\/revoke-accessor$/,
    auth: 'token',
    handle(ctx) {
      if (!can(ctx, 'update')) return aclDenied();
      const accessor = ctx.body.accessor;
      if (typeof accessor !== 'string' || !accessor) return vaultError(400, 'missing accessor');
      ctx.state.sweep();
      const id = ctx.state.accessors.get(accessor);
      if (!id) return vaultError(400, 'invalid accessor');
      ctx.state.revokeToken(id);
      return noContent();
    },
  },
  {
    methods: ['POST', 'PUT'],
    pattern: /^auth\/token\/revoke-self$/,
    auth: 'token',
    handle(ctx) {
      ctx.state.revokeToken(ctx.caller!.id);
      return noContent();
    },
  },
  {
    // https://developer.hashicorp.com/vault/api-docs/system/wrapping-wrap
    methods: ['POST', 'PUT'],
    pattern: /^sys\/wrapping\/wrap$/,
    auth: 'token',
    handle(ctx) {
      if (!can(ctx, 'update')) return aclDenied();
      if (ctx.wrapTtl === undefined) return vaultError(400, 'endpoint requires response wrapping to be used');
      return ok(ctx.state, ctx.body);
    },
  },
  {
    // https://developer.hashicorp.com/vault/api-docs/system/wrapping-unwrap
    methods: ['POST', 'PUT'],
    pattern: /^sys\/wrapping\/unwrap$/,
    auth: 'none',
    handle(ctx) {
      const fromBody = typeof ctx.body.token === 'string' ? ctx.body.token : undefined;
      if (fromBody && ctx.caller?.wrapping) {
        ctx.violation(
          'the wrapping token was given both as X-Vault-Token and in the body (Vault then revokes it and loses the answer)',
        );
      }
      const target = fromBody ?? ctx.caller?.id;
      const entry = target ? ctx.state.token(target) : undefined;
      if (!entry?.wrapping) return vaultError(400, INVALID_WRAPPING_TOKEN);
      if (fromBody && !can(ctx, 'update')) return aclDenied();
      const wrapped = ctx.state.unwrap(entry.id)!;
      return { status: 200, body: { ...wrapped.response, request_id: ctx.state.newRequestId() } };
    },
  },
  {
    // https://developer.hashicorp.com/vault/api-docs/system/wrapping-lookup
    methods: ['POST', 'PUT'],
    pattern: /^sys\/wrapping\/lookup$/,
    auth: 'none',
    handle(ctx) {
      const target = typeof ctx.body.token === 'string' ? ctx.body.token : ctx.caller?.id;
      const entry = target ? ctx.state.token(target) : undefined;
      if (!entry?.wrapping) return vaultError(400, INVALID_WRAPPING_TOKEN);
      const w = entry.wrapping;
      return ok(ctx.state, { creation_path: w.creationPath, creation_time: w.creationTime, creation_ttl: w.ttl });
    },
  },
  {
    // https://developer.hashicorp.com/vault/api-docs/system/leases#read-lease
    methods: ['POST', 'PUT'],
    pattern: /^sys\/leases\/lookup$/,
    auth: 'token',
    handle(ctx) {
      if (!can(ctx, 'update')) return aclDenied();
      const id = ctx.body.lease_id;
      if (typeof id !== 'string' || !id) return vaultError(400, 'missing lease id');
      const lease = ctx.state.lease(id);
      if (!lease) return vaultError(400, 'invalid lease');
      const now = ctx.state.clock();
      return ok(ctx.state, {
        id: lease.id,
        issue_time: ctx.state.iso(lease.issueTime),
        expire_time: ctx.state.iso(lease.expireTime),
        last_renewal_time: null,
        renewable: true,
        ttl: Math.max(0, Math.round((lease.expireTime - now) / 1000)),
      });
    },
  },
  {
    // https://developer.hashicorp.com/vault/api-docs/system/leases#revoke-lease
    methods: ['POST', 'PUT'],
    pattern: /^sys\/leases\/revoke(?:\/(.+))?$/,
    auth: 'token',
    handle(ctx) {
      if (!can(ctx, 'update')) return aclDenied();
      const id = typeof ctx.body.lease_id === 'string' && ctx.body.lease_id ? ctx.body.lease_id : ctx.params[0];
      if (!id) return vaultError(400, 'lease_id must be specified');
      // A lease Vault does not know is nothing to revoke: no error.
      ctx.state.sweep();
      ctx.state.revokeLease(id);
      // Without sync, Vault queues the revocation and answers 202.
      return ctx.body.sync === true ? noContent() : { status: 202 };
    },
  },
  {
    // https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2#read-secret-version
    methods: ['GET'],
    pattern: /^([^/]+)\/data\/(.+)$/,
    auth: 'token',
    handle(ctx) {
      const [mount, path] = ctx.params;
      if (!ctx.state.kvMounts.has(mount)) return noRoute(ctx);
      if (!can(ctx, 'read')) return aclDenied();
      const secret = ctx.state.kvSecret(mount, path);
      if (!secret || secret.currentVersion === 0) return vaultError(404);
      const version = secret.versions.get(secret.currentVersion)!;
      return ok(ctx.state, {
        data: structuredClone(version.data),
        metadata: {
          created_time: version.createdTime,
          custom_metadata: secret.customMetadata ? { ...secret.customMetadata } : null,
          deletion_time: '',
          destroyed: false,
          version: secret.currentVersion,
        },
      });
    },
  },
  {
    // https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2#create-update-secret
    methods: ['POST', 'PUT'],
    pattern: /^([^/]+)\/data\/(.+)$/,
    auth: 'token',
    handle(ctx) {
      const [mount, path] = ctx.params;
      if (!ctx.state.kvMounts.has(mount)) return noRoute(ctx);
      const existing = ctx.state.kvSecret(mount, path);
      if (!can(ctx, existing?.currentVersion ? 'update' : 'create')) return aclDenied();
      const data = ctx.body.data;
      if (!data || typeof data !== 'object' || Array.isArray(data)) return vaultError(400, 'no data provided');
      const options = (ctx.body.options ?? {}) as { cas?: unknown };
      if (options.cas !== undefined && (typeof options.cas !== 'number' || !Number.isInteger(options.cas)))
        return vaultError(400, 'cas must be an integer');
      const written = ctx.state.kvWrite(
        mount,
        path,
        data as Record<string, unknown>,
        options.cas as number | undefined,
      );
      if ('casMismatch' in written) return vaultError(400, 'check-and-set parameter did not match the current version');
      const secret = ctx.state.kvSecret(mount, path)!;
      return ok(ctx.state, {
        created_time: ctx.state.iso(),
        custom_metadata: secret.customMetadata,
        deletion_time: '',
        destroyed: false,
        version: written.version,
      });
    },
  },
  {
    // https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2#read-secret-metadata
    methods: ['GET'],
    pattern: /^([^/]+)\/metadata\/(.+)$/,
    auth: 'token',
    handle(ctx) {
      const [mount, path] = ctx.params;
      if (!ctx.state.kvMounts.has(mount)) return noRoute(ctx);
      if (!can(ctx, 'read')) return aclDenied();
      const s = ctx.state.kvSecret(mount, path);
      if (!s) return vaultError(404);
      const versions = Object.fromEntries(
        [...s.versions].map(([n, v]) => [
          String(n),
          { created_time: v.createdTime, deletion_time: '', destroyed: false },
        ]),
      );
      return ok(ctx.state, {
        cas_required: false,
        created_time: s.createdTime,
        current_version: s.currentVersion,
        custom_metadata: s.customMetadata,
        delete_version_after: '0s',
        max_versions: 0,
        oldest_version: 0,
        updated_time: s.updatedTime,
        versions,
      });
    },
  },
  {
    // https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2#create-update-metadata
    methods: ['POST', 'PUT'],
    pattern: /^([^/]+)\/metadata\/(.+)$/,
    auth: 'token',
    handle(ctx) {
      const [mount, path] = ctx.params;
      if (!ctx.state.kvMounts.has(mount)) return noRoute(ctx);
      const existing = ctx.state.kvSecret(mount, path);
      if (!can(ctx, existing ? 'update' : 'create')) return aclDenied();
      const custom = ctx.body.custom_metadata;
      if (custom !== undefined) {
        if (!custom || typeof custom !== 'object' || Array.isArray(custom))
          return vaultError(400, 'custom_metadata must be a map of strings');
        const entries = Object.entries(custom);
        // Vault's limits on custom_metadata.
        if (entries.length > 64) return vaultError(400, 'custom_metadata can only contain up to 64 keys');
        for (const [k, v] of entries) {
          if (typeof v !== 'string') return vaultError(400, `custom_metadata values must be strings (${k})`);
          if (k.length > 128 || v.length > 512) return vaultError(400, `custom_metadata key or value too long (${k})`);
        }
      }
      const now = ctx.state.iso();
      const s = existing ?? {
        versions: new Map(),
        currentVersion: 0,
        customMetadata: null,
        createdTime: now,
        updatedTime: now,
      };
      if (custom !== undefined) s.customMetadata = { ...(custom as Record<string, string>) };
      s.updatedTime = now;
      ctx.state.kv.set(`${mount}/${path}`, s);
      return noContent();
    },
  },
  {
    // https://developer.hashicorp.com/vault/api-docs/secret/databases#generate-credentials
    methods: ['GET'],
    pattern: /^([^/]+)\/creds\/([^/]+)$/,
    auth: 'token',
    handle(ctx) {
      const [mount, role] = ctx.params;
      if (![...ctx.state.databaseRoles.keys()].some((k) => k.startsWith(`${mount}/`))) return noRoute(ctx);
      if (!can(ctx, 'read')) return aclDenied();
      const issued = ctx.state.issueDatabaseCredentials(mount, role);
      if (!issued) return vaultError(400, `unknown role: ${role}`);
      return ok(
        ctx.state,
        { username: issued.user.username, password: issued.user.password },
        { lease_id: issued.lease.id, lease_duration: issued.ttl, renewable: true },
      );
    },
  },
];

function noRoute(ctx: RouteContext): VaultResult {
  ctx.violation('no such endpoint in this Vault');
  return vaultError(404, `no handler for route "${ctx.path}". route entry not found.`);
}

/** The route for a method and API path (without /v1/), with the regex groups as params. */
export function findRoute(method: string, path: string): { route: Route; params: string[] } | undefined {
  for (const route of routes) {
    if (!route.methods.includes(method)) continue;
    const m = route.pattern.exec(path);
    if (m) return { route, params: m.slice(1).filter((p) => p !== undefined) };
  }
  return undefined;
}
