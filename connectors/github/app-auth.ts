import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { CredgateError, isCredgateError } from '../../src/util/errors';
import type { GithubHttp } from './http';
import type { GithubConfig } from './schema';
import type { GithubInstallationToken } from './types';

/** How credgate authenticates a call about one account's (owner's) resources. */
export interface GithubAuth {
  readonly mode: 'token' | 'app';
  /** The Authorization header for a call about `owner`'s resources (`repo` helps find an app's installation). */
  header(owner: string, repo?: string): Promise<string>;
  /** GitHub refused the credential (an installation token expired or was revoked): forget it. */
  invalidate(owner: string): void;
  /** An installation id a delivery named for `owner`, so no lookup is needed. */
  remember(owner: string, installationId: number): void;
  /** The app's JWT header, for the /app endpoints; null with a token. */
  appHeader(): string | null;
}

/** Installation tokens live an hour; a fresh one is taken this long before GitHub expires it. */
const REFRESH_BEFORE_MS = 5 * 60_000;

/**
 * A GitHub App's JSON Web Token (https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app):
 * RS256, issued 60 s in the past against clock drift, expiring within GitHub's 10-minute maximum.
 */
export function appJwt(appId: string, key: KeyObject, nowMs: number): string {
  const now = Math.floor(nowMs / 1000);
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iat: now - 60, exp: now + 540, iss: /^\d+$/.test(appId) ? Number(appId) : appId })}`;
  return `${unsigned}.${sign('sha256', Buffer.from(unsigned), key).toString('base64url')}`;
}

/** A personal, fine-grained or Actions token: the same header for every call. */
function tokenAuth(token: string): GithubAuth {
  const header = `Bearer ${token}`;
  return {
    mode: 'token',
    header: async () => header,
    invalidate: () => undefined,
    remember: () => undefined,
    appHeader: () => null,
  };
}

/**
 * A GitHub App: the JWT is exchanged for an installation token at
 * `POST /app/installations/{id}/access_tokens`, cached until shortly before `expires_at`. The
 * installation is the configured one, else the one a delivery named for the owner, else the one
 * GitHub reports for the repository (or organization).
 */
function appAuth(config: GithubConfig, http: GithubHttp, now: () => number): GithubAuth {
  const key = createPrivateKey(config.privateKey as string);
  const appId = config.appId as string;
  const installations = new Map<string, number>();
  const tokens = new Map<number, { header: string; refreshAt: number }>();
  const inFlight = new Map<number, Promise<string>>();
  const jwtHeader = () => `Bearer ${appJwt(appId, key, now())}`;

  async function installationOf(owner: string, repo?: string): Promise<number> {
    if (config.installationId) return config.installationId;
    const known = installations.get(owner.toLowerCase());
    if (known) return known;
    const lookup = (url: string) =>
      http.send<{ id: number }>({ method: 'GET', url, auth: jwtHeader(), what: `GET installation of ${owner}` });
    let found: { data: { id: number } };
    if (repo) found = await lookup(`/repos/${enc(owner)}/${enc(repo)}/installation`);
    else {
      try {
        found = await lookup(`/orgs/${enc(owner)}/installation`);
      } catch (err) {
        if (!isCredgateError(err, 'not-found')) throw err;
        found = await lookup(`/users/${enc(owner)}/installation`);
      }
    }
    if (typeof found.data?.id !== 'number')
      throw new CredgateError('permanent', `GitHub named no installation of the app for ${owner}`);
    installations.set(owner.toLowerCase(), found.data.id);
    return found.data.id;
  }

  async function mint(id: number): Promise<string> {
    const { data } = await http.send<GithubInstallationToken>({
      method: 'POST',
      url: `/app/installations/${id}/access_tokens`,
      auth: jwtHeader(),
      what: `POST installation token ${id}`,
    });
    const expires = Date.parse(data?.expires_at ?? '');
    if (typeof data?.token !== 'string' || Number.isNaN(expires))
      throw new CredgateError(
        'permanent',
        `GitHub answered the installation token request for ${id} without a token or expiry`,
      );
    const header = `Bearer ${data.token}`;
    tokens.set(id, { header, refreshAt: expires - REFRESH_BEFORE_MS });
    return header;
  }

  return {
    mode: 'app',
    async header(owner, repo) {
      const id = await installationOf(owner, repo);
      const cached = tokens.get(id);
      if (cached && cached.refreshAt > now()) return cached.header;
      // Concurrent calls share one exchange.
      let pending = inFlight.get(id);
      if (!pending) {
        pending = mint(id).finally(() => inFlight.delete(id));
        inFlight.set(id, pending);
      }
      return pending;
    },
    invalidate(owner) {
      const id = config.installationId ?? installations.get(owner.toLowerCase());
      if (id) tokens.delete(id);
    },
    remember(owner, installationId) {
      if (Number.isInteger(installationId) && installationId > 0)
        installations.set(owner.toLowerCase(), installationId);
    },
    appHeader: jwtHeader,
  };
}

export function createGithubAuth(config: GithubConfig, http: GithubHttp, now: () => number): GithubAuth {
  if (config.appId && config.privateKey) return appAuth(config, http, now);
  if (config.token) return tokenAuth(config.token);
  throw new CredgateError('config', 'GitHub needs GITHUB_TOKEN, or GITHUB_APP_ID and GITHUB_PRIVATE_KEY');
}

const enc = encodeURIComponent;
