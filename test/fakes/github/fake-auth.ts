/**
 * Credentials the fake GitHub accepts, checked the way GitHub documents them:
 * - `Authorization: Bearer <token>` or `token <token>` for personal and installation tokens
 *   (installation tokens expire, https://docs.github.com/en/rest/apps/apps#create-an-installation-access-token-for-an-app);
 * - `Authorization: Bearer <JWT>` for the /app endpoints: RS256, signed by the app's key, `iss` the app
 *   or client id, `exp` in the future and at most 10 minutes ahead
 *   (https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app).
 */
import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import type { FakeApp } from './types';

export type Credential =
  | { kind: 'user'; login: string }
  | { kind: 'installation'; installationId: number; account: string }
  | { kind: 'app'; appId: number };

export type AuthResult = { ok: true; credential: Credential } | { ok: false; message: string };

export class FakeAuth {
  private readonly installationTokens = new Map<
    string,
    { installationId: number; account: string; expiresAt: number }
  >();
  private readonly publicKey: KeyObject | null;
  /** Installation tokens issued so far (tests check the cache). */
  issued = 0;

  constructor(
    private readonly tokens: Record<string, string>,
    private readonly app: FakeApp | undefined,
    private readonly now: () => Date,
  ) {
    this.publicKey = app ? (typeof app.publicKey === 'string' ? createPublicKey(app.publicKey) : app.publicKey) : null;
  }

  /** A token or an installation token (never a JWT: GitHub wants installation tokens on these routes). */
  checkToken(header: string | undefined): AuthResult {
    const m = /^(?:Bearer|token)\s+(\S+)$/i.exec(header ?? '');
    if (!m) return { ok: false, message: 'Requires authentication' };
    const login = this.tokens[m[1]];
    if (login) return { ok: true, credential: { kind: 'user', login } };
    const inst = this.installationTokens.get(m[1]);
    if (inst && inst.expiresAt > this.now().getTime())
      return {
        ok: true,
        credential: { kind: 'installation', installationId: inst.installationId, account: inst.account },
      };
    return { ok: false, message: 'Bad credentials' };
  }

  /** A JWT signed by the app's private key. */
  checkJwt(header: string | undefined): AuthResult {
    const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
    if (!m) return { ok: false, message: 'A JSON web token could not be decoded' };
    if (!this.app || !this.publicKey) return { ok: false, message: 'A JSON web token could not be decoded' };
    const parts = m[1].split('.');
    if (parts.length !== 3) return { ok: false, message: 'A JSON web token could not be decoded' };
    let head: { alg?: string };
    let claims: { iat?: unknown; exp?: unknown; iss?: unknown };
    try {
      head = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
      claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    } catch {
      return { ok: false, message: 'A JSON web token could not be decoded' };
    }
    if (head.alg !== 'RS256') return { ok: false, message: `'alg' must be RS256` };
    if (!verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), this.publicKey, Buffer.from(parts[2], 'base64url'))) {
      return { ok: false, message: 'A JSON web token could not be decoded' };
    }
    const now = Math.floor(this.now().getTime() / 1000);
    if (typeof claims.iat !== 'number' || claims.iat > now + 60)
      return { ok: false, message: "'Issued at' claim ('iat') must be an Integer representing a time in the past" };
    if (typeof claims.exp !== 'number' || claims.exp <= now)
      return {
        ok: false,
        message:
          "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
      };
    if (claims.exp > now + 600)
      return { ok: false, message: "'Expiration time' claim ('exp') is too far in the future" };
    if (String(claims.iss) !== String(this.app.id) && String(claims.iss) !== String(this.app.clientId ?? '')) {
      return { ok: false, message: `'Issuer' claim ('iss') must be an Integer` };
    }
    return { ok: true, credential: { kind: 'app', appId: this.app.id } };
  }

  /** POST /app/installations/{id}/access_tokens. */
  mintInstallationToken(installationId: number): { token: string; expiresAt: Date } | null {
    const inst = this.app?.installations.find((i) => i.id === installationId);
    if (!inst) return null;
    const token = `ghs_${randomBytes(18).toString('base64url')}`;
    const expiresAt = new Date(this.now().getTime() + (this.app?.tokenTtlMs ?? 3_600_000));
    this.installationTokens.set(token, { installationId, account: inst.account, expiresAt: expiresAt.getTime() });
    this.issued++;
    return { token, expiresAt };
  }

  /** Revokes every installation token (as if they expired or were revoked). */
  revokeInstallationTokens(): void {
    this.installationTokens.clear();
  }

  installationFor(account: string): number | null {
    return this.app?.installations.find((i) => i.account.toLowerCase() === account.toLowerCase())?.id ?? null;
  }
}
