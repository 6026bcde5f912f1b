import { createHash, randomBytes } from 'node:crypto';
import type { Request, Response, Router } from 'express';
import type Keyv from 'keyv';
import type { OidcSignIn, PendingSignIn } from '../identity/oidc-sign-in';
import type { Logger } from '../util/logger';
import type { DeskSessions } from './desk-sessions';

/** `desk.sso`: who may use the desk after signing in with the OpenID provider (`oidc:`). */
export interface DeskSsoConfig {
  /** The claim listing the person's groups or roles (Entra ID: `groups` or `roles`). */
  groupsClaim: string;
  /** Anyone in one of these may open the desk. */
  groups: string[];
}

interface PendingDeskSignIn {
  pending: PendingSignIn;
  /** SHA-256 of the cookie that started it: the callback must come back to the same browser. */
  browser: string;
  used: boolean;
  expiresAt: string;
}

const PENDING_TTL_MS = 10 * 60_000;
const BROWSER_COOKIE = 'credgate_desk_sso';
const sha256 = (v: string) => createHash('sha256').update(v).digest('hex');
const pendingKey = (state: string) => `desk-sso:${sha256(state)}`;

function cookieOf(req: Request, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return null;
}

/**
 * Single sign-on for the desk: `GET <base>/sso` sends the browser to the provider, the callback
 * checks state (single use, same browser), nonce and PKCE through openid-client, requires one of
 * the configured groups in the claims, and starts an ordinary desk session (store-backed,
 * SameSite=Strict). The session cookie is set on a page that then moves on by itself: a Strict
 * cookie set at the end of the provider's cross-site redirect would not be sent on that redirect.
 */
export function mountDeskSso(
  router: Router,
  deps: {
    base: string;
    oidc: OidcSignIn;
    config: DeskSsoConfig;
    meta: Keyv;
    sessions: DeskSessions;
    clock: () => Date;
    log: Logger;
    secure: boolean;
    publicBase: (req: Request) => string;
    startSession: (res: Response, id: string) => void;
    refuse: (res: Response, status: number, message: string) => void;
  },
): void {
  const { base, log } = deps;
  const lax = (res: Response, value: string, maxAgeS: number) =>
    res.append(
      'Set-Cookie',
      `${BROWSER_COOKIE}=${value}; Path=${base}; Max-Age=${maxAgeS}; HttpOnly; SameSite=Lax${deps.secure ? '; Secure' : ''}`,
    );

  router.get(`${base}/sso`, async (req, res) => {
    try {
      const browser = randomBytes(32).toString('base64url');
      const { url, pending } = await deps.oidc.begin(`${deps.publicBase(req)}${base}/sso/callback`);
      const doc: PendingDeskSignIn = {
        pending,
        browser: sha256(browser),
        used: false,
        expiresAt: new Date(deps.clock().getTime() + PENDING_TTL_MS).toISOString(),
      };
      await deps.meta.set(pendingKey(pending.state), doc, PENDING_TTL_MS);
      lax(res, browser, PENDING_TTL_MS / 1000);
      res.redirect(303, url);
    } catch (err) {
      log.error({ err: (err as Error).message }, 'service desk: single sign-on could not start');
      deps.refuse(res, 503, 'Single sign-on is not available right now. Try again in a minute.');
    }
  });

  router.get(`${base}/sso/callback`, async (req, res) => {
    const state = typeof req.query.state === 'string' ? req.query.state.slice(0, 512) : '';
    const key = pendingKey(state);
    const doc = state ? ((await deps.meta.get(key)) as PendingDeskSignIn | undefined) : undefined;
    const browser = cookieOf(req, BROWSER_COOKIE);
    lax(res, '', 0);
    const fail = (reason: string) => {
      log.warn({ reason }, 'service desk: single sign-on refused');
      deps.refuse(res, 400, 'The sign-in could not be completed. Start again from the sign-in page.');
    };
    if (!doc || doc.used || doc.expiresAt <= deps.clock().toISOString()) return fail('unknown, used or expired state');
    // Single use before the code is exchanged: a replayed callback finds it used.
    await deps.meta.set(key, { ...doc, used: true }, PENDING_TTL_MS);
    if (!browser || sha256(browser) !== doc.browser) return fail('the sign-in finished in another browser');
    let claims: Record<string, unknown>;
    try {
      claims = await deps.oidc.complete(new URL(req.originalUrl, `${deps.publicBase(req)}/`), doc.pending);
    } catch (err) {
      return fail((err as Error).message);
    }
    const groups = claims[deps.config.groupsClaim];
    const memberOf = Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string') : [];
    const who = String(claims.email ?? claims.preferred_username ?? claims.sub);
    if (!memberOf.some((g) => deps.config.groups.includes(g))) {
      log.warn({ who, sub: claims.sub }, 'service desk: signed in, but in none of desk.sso.groups; refused');
      return deps.refuse(res, 403, 'Your account is not allowed to use the service desk.');
    }
    const { id } = await deps.sessions.create(`sso:${who}`);
    deps.startSession(res, id);
    log.info({ username: `sso:${who}` }, 'service desk: logged in with single sign-on');
    const target = `${base}`;
    res
      .status(200)
      .type('html')
      .send(
        `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${target}"><title>Signed in</title><p><a href="${target}">Continue to the service desk</a></p>`,
      );
  });
}
