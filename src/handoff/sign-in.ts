import { createHash, randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { DocumentCollection } from '../store/document-collection';
import type { Store } from '../store/open-store';
import type { OidcConfig } from '../identity/oidc-config';
import { identityOf, type IdClaims, type OidcSignIn, type PendingSignIn } from '../identity/oidc-sign-in';

/** A sign-in started from a link page: the PKCE verifier, state and nonce stay here, not in the URL. */
interface PendingDoc {
  kind: 'sign-in';
  version: number;
  linkId: string;
  pending: PendingSignIn;
  expiresAt: string;
  used: boolean;
}

/** A person signed in as the link's requester, allowed to press Reveal on that one link. */
interface RevealerDoc {
  kind: 'revealer';
  version: number;
  linkId: string;
  identity: string;
  subject: string;
  expiresAt: string;
}

/** How long a started sign-in and a signed-in reveal stay usable. */
const SIGN_IN_TTL_MS = 10 * 60_000;
export const SIGN_IN_COOKIE = 'cg_link_sign_in';
export const REVEALER_COOKIE = 'cg_link_revealer';

const hashed = (prefix: string, value: string) => `${prefix}:${createHash('sha256').update(value).digest('hex')}`;

export function cookieOf(req: Request, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return null;
}

/**
 * Binding a link to the requester's sign-in. The link token never leaves the browser: while the
 * person is away at the identity provider it waits in an HttpOnly cookie scoped to the link path,
 * so the callback can only finish in the browser that started it, and the store still holds no
 * token. Pending sign-ins are single use (a replayed callback finds it used) and short lived.
 * Cookies are SameSite=Lax: the callback arrives as a cross-site navigation from the provider.
 */
export class LinkSignIn {
  private readonly docs: DocumentCollection<PendingDoc | RevealerDoc>;

  constructor(
    store: Store,
    private readonly oidc: OidcSignIn,
    readonly config: OidcConfig,
    private readonly clock: () => Date,
    private readonly secureCookies: () => boolean,
    private readonly path: string,
  ) {
    this.docs = new DocumentCollection(store.engine, 'handoff');
  }

  get callbackPath(): string {
    return `${this.path}/oidc/callback`;
  }

  private cookie(res: Response, name: string, value: string, maxAgeS: number) {
    res.append(
      'Set-Cookie',
      `${name}=${value}; Path=${this.path}; Max-Age=${maxAgeS}; HttpOnly; SameSite=Lax${this.secureCookies() ? '; Secure' : ''}`,
    );
  }

  /** Starts the authorization code flow for the link; returns the provider's URL to redirect to. */
  async begin(res: Response, token: string, linkId: string, redirectUri: string): Promise<string> {
    const { url, pending } = await this.oidc.begin(redirectUri);
    const expiresAt = new Date(this.clock().getTime() + SIGN_IN_TTL_MS).toISOString();
    await this.docs.compareAndSet(hashed('sign-in', pending.state), 0, {
      kind: 'sign-in',
      version: 0,
      linkId,
      pending,
      expiresAt,
      used: false,
    });
    this.cookie(res, SIGN_IN_COOKIE, token, SIGN_IN_TTL_MS / 1000);
    return url;
  }

  /**
   * Finishes a callback: the pending sign-in is claimed once, the browser must hold the token of
   * the same link, the provider must verify. Returns the link token and the verified identity, or
   * the reason it failed (never shown to the visitor in detail).
   */
  async complete(
    req: Request,
    res: Response,
    callbackUrl: URL,
  ): Promise<
    | { ok: true; token: string; linkId: string; identity: string | null; claims: IdClaims }
    | { ok: false; reason: string }
  > {
    const state = callbackUrl.searchParams.get('state');
    if (!state || state.length > 512) return { ok: false, reason: 'no state' };
    const key = hashed('sign-in', state);
    const doc = (await this.docs.get(key)) as PendingDoc | null;
    if (!doc || doc.kind !== 'sign-in') return { ok: false, reason: 'unknown state' };
    if (doc.used) return { ok: false, reason: 'the callback was already used' };
    if (doc.expiresAt <= this.clock().toISOString()) return { ok: false, reason: 'the sign-in took too long' };
    // Claimed before the code is exchanged: a replay racing the first callback loses here.
    if (!(await this.docs.compareAndSet(key, doc.version, { ...doc, used: true })))
      return { ok: false, reason: 'the callback was already used' };
    const token = cookieOf(req, SIGN_IN_COOKIE);
    this.cookie(res, SIGN_IN_COOKIE, '', 0);
    if (!token || createHash('sha256').update(token).digest('hex') !== doc.linkId)
      return { ok: false, reason: 'the sign-in finished in another browser than it started in' };
    try {
      const claims = await this.oidc.complete(callbackUrl, doc.pending);
      return { ok: true, token, linkId: doc.linkId, identity: identityOf(claims, this.config), claims };
    } catch (err) {
      return { ok: false, reason: (err as Error).message };
    }
  }

  /** Lets this browser reveal the one link, as the identity that signed in. */
  async admit(res: Response, linkId: string, identity: string, subject: string): Promise<void> {
    const value = randomBytes(32).toString('base64url');
    await this.docs.compareAndSet(hashed('revealer', value), 0, {
      kind: 'revealer',
      version: 0,
      linkId,
      identity,
      subject,
      expiresAt: new Date(this.clock().getTime() + SIGN_IN_TTL_MS).toISOString(),
    });
    this.cookie(res, REVEALER_COOKIE, value, SIGN_IN_TTL_MS / 1000);
  }

  /** The identity this browser signed in as for `linkId`, or null. */
  async revealerOf(req: Request, linkId: string): Promise<{ identity: string; subject: string } | null> {
    const value = cookieOf(req, REVEALER_COOKIE);
    if (!value || !/^[A-Za-z0-9_-]{43}$/.test(value)) return null;
    const doc = (await this.docs.get(hashed('revealer', value))) as RevealerDoc | null;
    if (!doc || doc.kind !== 'revealer' || doc.linkId !== linkId) return null;
    if (doc.expiresAt <= this.clock().toISOString()) return null;
    return { identity: doc.identity, subject: doc.subject };
  }
}
