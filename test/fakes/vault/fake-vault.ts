/**
 * A stateful fake HashiCorp Vault for credgate's provider tests: token auth and ACL policies,
 * KV version 2 (versions, check-and-set, custom metadata), response wrapping on any call carrying
 * X-Vault-Wrap-TTL (single-use tokens that expire), sys/wrapping/{wrap,unwrap,lookup}, a database
 * secrets engine with leases, sys/leases/{lookup,revoke}, token revoke-accessor and AppRole login.
 * Answers carry Vault's status codes and `{"errors": [...]}` bodies. Calls real Vault would reject
 * as malformed, or that no endpoint serves, are recorded in `violations`.
 */
import { createServer, type Server } from 'node:http';
import express, { type Request, type Response } from 'express';
import { closeServer, listenOnLoopback } from '../loopback-server';
import { envelope, findRoute, vaultError } from './routes';
import { VaultState, type DatabaseUser, type Lease } from './vault-state';
import type { DatabaseRoleOptions, FakeVaultOptions, PolicyRule, RecordedVaultRequest, VaultResult } from './types';

export type * from './types';
export { DEFAULT_POLICY } from './acl';

interface PlannedFailure {
  status: number;
  headers: Record<string, string>;
  path?: RegExp;
}

export class FakeVault {
  readonly requests: RecordedVaultRequest[] = [];
  readonly violations: string[] = [];
  readonly state: VaultState;
  private readonly failures: PlannedFailure[] = [];
  private sealed = false;
  private offsetMs = 0;
  private server: Server | undefined;
  private base = '';

  constructor(private readonly options: FakeVaultOptions = {}) {
    this.state = new VaultState(
      () => (options.now?.() ?? new Date()).getTime() + this.offsetMs,
      options.kvMounts ?? ['secret'],
    );
    if (options.rootToken) this.state.createToken('root', null, options.rootToken);
  }

  async start(): Promise<string> {
    if (this.server) return this.base;
    const app = express();
    app.disable('x-powered-by');
    app.use(express.raw({ type: () => true, limit: '1mb' }));
    app.use((req: Request, res: Response) => this.handle(req, res));
    const server = createServer(app);
    this.base = await listenOnLoopback(server);
    this.server = server;
    return this.base;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await closeServer(server);
  }

  get url(): string {
    return this.base;
  }

  // ---- control API (what an operator sets up) ----------------------------------------------------

  /** A token with these policies (plus Vault's default policy); `ttl` in seconds. */
  createToken(policies: PolicyRule[], ttl: number | null = null): string {
    return this.state.createToken(policies, ttl).id;
  }

  /** Writes a KV version 2 secret as an operator would (`vault kv put`); returns its new version. */
  putSecret(path: string, data: Record<string, unknown>, mount = 'secret'): number {
    const w = this.state.kvWrite(mount, path, data);
    if (!('version' in w)) throw new Error('unreachable: a write without cas cannot conflict');
    return w.version;
  }

  /** A database role whose creds endpoint makes a user under a lease of `ttl` seconds. */
  addDatabaseRole(role: string, options: DatabaseRoleOptions): void {
    this.state.databaseRoles.set(`${options.mount ?? 'database'}/${role}`, { ttl: options.ttl });
  }

  seal(): void {
    this.sealed = true;
  }

  unseal(): void {
    this.sealed = false;
  }

  /** Moves Vault's clock on: tokens and leases past their TTL end. */
  advance(ms: number): void {
    this.offsetMs += ms;
    this.state.sweep();
  }

  /**
   * The next `count` calls (matching `only.path`, the API path without /v1/, when given) fail with
   * `status` before anything else: 503 as a sealed Vault answers, 429 as a rate limit quota does.
   */
  failNext(count: number, status: number, headers: Record<string, string> = {}, only: { path?: RegExp } = {}): void {
    for (let i = 0; i < count; i++) this.failures.push({ status, headers, ...only });
  }

  // ---- inspection ----------------------------------------------------------------------------------

  /** The current version of a KV secret and its data. */
  secret(
    path: string,
    mount = 'secret',
  ): { version: number; data: Record<string, unknown>; customMetadata: Record<string, string> | null } | undefined {
    const s = this.state.kvSecret(mount, path);
    if (!s || !s.currentVersion) return undefined;
    return {
      version: s.currentVersion,
      data: structuredClone(s.versions.get(s.currentVersion)!.data),
      customMetadata: s.customMetadata,
    };
  }

  leases(): Lease[] {
    this.state.sweep();
    return [...this.state.leases.values()].map((l) => ({ ...l }));
  }

  /** Users that exist in the database right now (a live lease keeps each one). */
  databaseUsers(): DatabaseUser[] {
    this.state.sweep();
    return [...this.state.databaseUsers.values()].map((u) => ({ ...u }));
  }

  /** Wrapping tokens not yet unwrapped, revoked or expired. */
  liveWrappingTokens(): { accessor: string; creationPath: string; ttl: number }[] {
    this.state.sweep();
    return [...this.state.tokens.values()]
      .filter((t) => t.wrapping)
      .map((t) => ({ accessor: t.accessor, creationPath: t.wrapping!.creationPath, ttl: t.wrapping!.ttl }));
  }

  // ---- HTTP ----------------------------------------------------------------------------------------

  private handle(req: Request, res: Response): void {
    const url = new URL(req.originalUrl, 'http://fake.invalid');
    const path = url.pathname.replace(/^\/v1\//, '');
    const raw = Buffer.isBuffer(req.body) && req.body.length ? req.body : undefined;
    const wrapHeader = header(req, 'x-vault-wrap-ttl');
    const namespace = header(req, 'x-vault-namespace');
    const entry: RecordedVaultRequest = {
      method: req.method,
      path,
      body: undefined,
      status: 0,
      ...(wrapHeader ? { wrapTtl: wrapHeader } : {}),
      ...(namespace ? { namespace } : {}),
    };
    this.requests.push(entry);
    const violation = (m: string) => this.violations.push(`${req.method} /v1/${path}: ${m}`);
    const reply = (r: VaultResult) => {
      entry.status = r.status;
      res.status(r.status).set(r.headers ?? {});
      if (r.body === undefined) res.end();
      else res.json(r.body);
    };

    let body: Record<string, unknown> = {};
    if (raw) {
      try {
        const parsed: unknown = JSON.parse(raw.toString('utf8'));
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
        body = parsed as Record<string, unknown>;
      } catch (error) {
        violation(`body is not a JSON object (${(error as Error).message})`);
        return reply(vaultError(400, 'failed to parse JSON input'));
      }
    }
    entry.body = raw ? body : undefined;

    const failureAt = this.failures.findIndex((f) => !f.path || f.path.test(path));
    if (failureAt >= 0) {
      const f = this.failures.splice(failureAt, 1)[0];
      const message =
        f.status === 503
          ? 'Vault is sealed'
          : f.status === 429
            ? `request path "${path}": rate limit quota exceeded`
            : 'internal error';
      return reply({ ...vaultError(f.status, message), headers: f.headers });
    }
    if (this.sealed) return reply(vaultError(503, 'Vault is sealed'));
    if (!url.pathname.startsWith('/v1/')) {
      violation('not under /v1/');
      return reply(vaultError(404));
    }

    // Tokens live in their namespace: called from another one, Vault does not know them.
    const inNamespace = (this.options.namespace ?? '') === (namespace ?? '');
    const tokenId = header(req, 'x-vault-token');
    const caller = inNamespace ? this.state.token(tokenId) : undefined;

    const found = findRoute(req.method, path);
    if (!found) {
      violation('no such endpoint (or method) in the fake');
      return reply(vaultError(405, 'unsupported operation'));
    }
    if (found.route.auth === 'token' && (!caller || caller.wrapping))
      return reply(vaultError(403, 'permission denied'));
    if (!inNamespace && found.route.auth === 'none') return reply(vaultError(403, 'permission denied'));

    let wrapTtl: number | undefined;
    if (wrapHeader !== undefined) {
      wrapTtl = parseWrapTtl(wrapHeader);
      if (wrapTtl === undefined) {
        violation(`X-Vault-Wrap-TTL "${wrapHeader}" is not seconds or a duration like 15s, 20m, 25h`);
        return reply(vaultError(400, 'error parsing wrap TTL'));
      }
    }

    const approle = this.options.approle;
    let result: VaultResult;
    try {
      result = found.route.handle({
        state: this.state,
        method: req.method,
        path,
        params: found.params,
        body,
        caller,
        wrapTtl,
        approle: approle && {
          mount: approle.mount ?? 'approle',
          roleId: approle.roleId,
          secretId: approle.secretId,
          login: () => this.state.createToken(approle.policies, approle.tokenTtl ?? 3600),
        },
        violation,
      });
    } catch (error) {
      violation(`FAKE BUG: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      result = vaultError(500, 'internal error (fake)');
    }

    // Response wrapping: a successful answer with a body goes into a single-use token's cubbyhole.
    if (wrapTtl !== undefined && result.status === 200 && result.body && typeof result.body === 'object') {
      const wrapInfo = this.state.wrap(result.body as Record<string, unknown>, wrapTtl, path);
      result = { status: 200, body: envelope(this.state, null, { wrap_info: wrapInfo }) };
    }
    reply(result);
  }
}

const header = (req: Request, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** X-Vault-Wrap-TTL: whole seconds, or a duration such as "15s", "20m", "25h". */
function parseWrapTtl(value: string): number | undefined {
  const m = /^(\d+)(s|m|h)?$/.exec(value.trim());
  if (!m) return undefined;
  const n = Number(m[1]) * ({ s: 1, m: 60, h: 3600 } as const)[(m[2] ?? 's') as 's' | 'm' | 'h'];
  return n >= 1 ? n : undefined;
}
