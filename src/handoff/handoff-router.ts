import express, { type Request, type Response, type Router } from 'express';
import { normalizeInline } from '../render/inline-text';
import {
  GONE_PAGE,
  PAGE_HEADERS,
  RATE_LIMITED_PAGE,
  REFUSED_PAGE,
  SIGN_IN_FAILED_PAGE,
  UNAVAILABLE_PAGE,
  linkPage,
  revealedPage,
  signInPage,
  viewedPage,
} from './handoff-pages';
import { isWellFormedToken, linkIdOf, shortId } from './link-token';
import type { LinkStore } from './link-store';
import { StoreRateLimiter } from '../store/rate-limiter';
import { clientAddress } from '../server/client-address';
import { openSecret } from './secret-box';
import type { HandoffDeps, LinkRecord, RevealedLink, Viewer } from './types';
import type { LinkSignIn } from './sign-in';

const USER_AGENT_MAX = 256;
const ON_REVEALED_TIMEOUT_MS = 5_000;

/** The additional authenticated data of a link's box: binds it to its link and its request. */
export const boxAad = (id: string, requestId: string): string => `${id}\n${requestId}`;

type RouterDeps = Pick<HandoffDeps, 'key' | 'clock' | 'log' | 'onRevealed' | 'onRefused' | 'rateLimit' | 'store'> & {
  path: string;
  links: LinkStore;
  signIn: LinkSignIn | null;
  /** The public base URL (no trailing slash): the provider redirects back to it. */
  publicBase: () => string;
};

/**
 * `GET <path>/:token` shows what the link holds and a Reveal button; it never decrypts or changes
 * anything, so link previews in chat and mail cannot burn it. `POST <path>/:token/reveal` claims
 * the link (one winner), decrypts and shows the secret once.
 */
export function handoffRouter(deps: RouterDeps): Router {
  const router = express.Router();
  const { capacity, perMinute } = deps.rateLimit ?? { capacity: 20, perMinute: 20 };
  const limiter = new StoreRateLimiter(deps.store.engine, 'link-pages', capacity, perMinute, () =>
    deps.clock().getTime(),
  );

  const send = (res: Response, status: number, body: string, extra: Record<string, string> = {}) => {
    // res.end, not res.send: express would add an ETag, a hash of the page, secret included.
    res.status(status).set({ ...PAGE_HEADERS, ...extra, 'Content-Length': String(Buffer.byteLength(body)) });
    res.end(body);
  };
  const gone = (res: Response) => send(res, 410, GONE_PAGE);

  /** Rate limit and token shape; null when the answer was already sent. */
  const admit = async (req: Request, res: Response): Promise<{ token: string; id: string } | null> => {
    const wait = await limiter.take(clientAddress(req));
    if (wait > 0) {
      send(res, 429, RATE_LIMITED_PAGE, { 'Retry-After': String(wait) });
      return null;
    }
    const token = String(req.params.token);
    if (!isWellFormedToken(token)) {
      gone(res);
      return null;
    }
    return { token, id: linkIdOf(token) };
  };

  const failed = (res: Response, err: unknown, id: string) => {
    deps.log.error({ link: shortId(id), err: (err as Error)?.message }, 'one-time link: the store failed');
    if (!res.headersSent) send(res, 503, UNAVAILABLE_PAGE);
  };

  const show = async (req: Request, res: Response) => {
    const admitted = await admit(req, res);
    if (!admitted) return;
    try {
      const link = await deps.links.getLink(admitted.id);
      const now = deps.clock().toISOString();
      if (!link || link.state === 'replaced' || link.expiresAt <= now) return gone(res);
      if (link.state === 'revealed') return send(res, 410, viewedPage({ revealedAt: link.revealedAt ?? now }));
      const view = { token: admitted.token, label: link.label, ticketKey: link.ticket.key, expiresAt: link.expiresAt };
      if (link.boundTo) {
        if (!deps.signIn) return unbindable(res, admitted.id);
        const who = await deps.signIn.revealerOf(req, admitted.id);
        if (!who || who.identity !== link.boundTo) return send(res, 200, signInPage(view));
        return send(res, 200, linkPage({ ...view, signedInAs: who.identity }));
      }
      send(res, 200, linkPage(view));
    } catch (err) {
      failed(res, err, admitted.id);
    }
  };

  const reveal = async (req: Request, res: Response) => {
    const admitted = await admit(req, res);
    if (!admitted) return;
    const { token, id } = admitted;
    try {
      const link = await deps.links.getLink(id);
      const now = deps.clock();
      if (!link || link.state === 'replaced' || link.expiresAt <= now.toISOString()) return gone(res);
      if (link.state === 'revealed' || !link.box)
        return send(res, 410, viewedPage({ revealedAt: link.revealedAt ?? now.toISOString() }));
      if (!deps.key) {
        deps.log.error(
          { link: shortId(id) },
          'one-time link cannot be opened: no handoff key is configured (handoff.key or handoff.keyFile)',
        );
        return send(res, 503, UNAVAILABLE_PAGE);
      }
      let identity: string | undefined;
      if (link.boundTo) {
        if (!deps.signIn) return unbindable(res, id);
        const who = await deps.signIn.revealerOf(req, id);
        if (!who || who.identity !== link.boundTo) {
          deps.log.warn(
            { link: shortId(id), requestId: link.requestId },
            "one-time link: reveal without the requester's sign-in refused",
          );
          return send(res, 403, REFUSED_PAGE);
        }
        identity = who.identity;
      }
      // Decrypt before claiming: a box that does not open (the key was changed) is not burnt.
      const secret = openSecret(link.box, { key: deps.key, token }, boxAad(id, link.requestId));
      if (secret === null) {
        deps.log.error(
          { link: shortId(id), requestId: link.requestId },
          'one-time link cannot be opened: the sealed secret does not match the configured key',
        );
        return send(res, 500, UNAVAILABLE_PAGE);
      }
      const viewer: Viewer = {
        ip: clientAddress(req),
        userAgent: normalizeInline(req.get('user-agent') ?? '').slice(0, USER_AGENT_MAX),
        at: now.toISOString(),
        ...(identity ? { identity } : {}),
      };
      if (!(await deps.links.claim(id, link, viewer))) {
        // Another reveal (or a retried issue) got there first: show what it left.
        const after = await deps.links.getLink(id);
        if (after?.state === 'revealed')
          return send(res, 410, viewedPage({ revealedAt: after.revealedAt ?? viewer.at }));
        return gone(res);
      }
      deps.log.info(
        { link: shortId(id), requestId: link.requestId, ticket: link.ticket.key, ip: viewer.ip },
        'one-time link revealed',
      );
      await notify(deps, revealedLink(id, link), viewer);
      send(res, 200, revealedPage({ label: link.label, ticketKey: link.ticket.key, secret }));
    } catch (err) {
      failed(res, err, id);
    }
  };

  /** A link bound to a sign-in whose OIDC provider is no longer configured cannot be opened. */
  const unbindable = (res: Response, id: string) => {
    deps.log.error(
      { link: shortId(id) },
      'one-time link is bound to a sign-in, but no OIDC provider is configured (oidc:)',
    );
    send(res, 503, UNAVAILABLE_PAGE);
  };

  const startSignIn = async (req: Request, res: Response) => {
    const admitted = await admit(req, res);
    if (!admitted) return;
    try {
      const link = await deps.links.getLink(admitted.id);
      if (!link || link.state !== 'live' || link.expiresAt <= deps.clock().toISOString()) return gone(res);
      if (!link.boundTo) return res.redirect(303, `${deps.path}/${admitted.token}`);
      if (!deps.signIn) return unbindable(res, admitted.id);
      const url = await deps.signIn.begin(
        res,
        admitted.token,
        admitted.id,
        `${deps.publicBase()}${deps.signIn.callbackPath}`,
      );
      res.set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' }).redirect(303, url);
    } catch (err) {
      failed(res, err, admitted.id);
    }
  };

  const callback = async (req: Request, res: Response) => {
    const wait = await limiter.take(clientAddress(req));
    if (wait > 0) return send(res, 429, RATE_LIMITED_PAGE, { 'Retry-After': String(wait) });
    if (!deps.signIn) return gone(res);
    try {
      const result = await deps.signIn.complete(req, res, new URL(req.originalUrl, `${deps.publicBase()}/`));
      if (!result.ok) {
        deps.log.warn({ reason: result.reason }, 'one-time link: sign-in callback refused');
        return send(res, 400, SIGN_IN_FAILED_PAGE);
      }
      const link = await deps.links.getLink(result.linkId);
      if (!link || link.state === 'replaced' || link.expiresAt <= deps.clock().toISOString()) return gone(res);
      if (link.state === 'revealed') return send(res, 410, viewedPage({ revealedAt: link.revealedAt ?? '' }));
      if (result.identity && link.boundTo && result.identity === link.boundTo) {
        await deps.signIn.admit(res, result.linkId, result.identity, String(result.claims.sub));
        deps.log.info(
          { link: shortId(result.linkId), requestId: link.requestId },
          'one-time link: requester signed in',
        );
        return res.redirect(303, `${deps.path}/${result.token}`);
      }
      const attempt = {
        ip: clientAddress(req),
        userAgent: normalizeInline(req.get('user-agent') ?? '').slice(0, USER_AGENT_MAX),
        at: deps.clock().toISOString(),
        identity: result.identity,
      };
      deps.log.warn(
        { link: shortId(result.linkId), requestId: link.requestId, ip: attempt.ip },
        'one-time link: someone other than the requester signed in; refused',
      );
      await deps
        .onRefused?.(revealedLink(result.linkId, link), attempt)
        .catch((err: unknown) =>
          deps.log.error({ err: (err as Error)?.message }, 'one-time link: recording a refused attempt failed'),
        );
      send(res, 403, REFUSED_PAGE);
    } catch (err) {
      failed(res, err, 'callback');
    }
  };

  // Before `:token`: "oidc" is never a token (tokens are 43 base64url characters).
  router.get(`${deps.path}/oidc/callback`, callback);
  router.get(`${deps.path}/:token`, show);
  router.get(`${deps.path}/:token/sign-in`, startSignIn);
  // Someone reloading or bookmarking the reveal address gets the link page, not an error.
  router.get(`${deps.path}/:token/reveal`, show);
  router.post(`${deps.path}/:token/reveal`, reveal);
  return router;
}

/** The socket address, or the proxy's client address only when the app trusts its proxy. */

function revealedLink(id: string, link: LinkRecord): RevealedLink {
  return {
    id,
    requestId: link.requestId,
    ticket: link.ticket,
    label: link.label,
    createdAt: link.createdAt,
    expiresAt: link.expiresAt,
  };
}

/** Audit and ticket comment are the caller's; the reveal stands whatever they do. */
async function notify(deps: RouterDeps, link: RevealedLink, viewer: Viewer): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>(
    (resolve) => (timer = setTimeout(() => resolve('timeout'), ON_REVEALED_TIMEOUT_MS)),
  );
  const call = Promise.resolve()
    .then(() => deps.onRevealed(link, viewer))
    .then(
      () => 'done' as const,
      (err: unknown) => {
        deps.log.error(
          { link: shortId(link.id), requestId: link.requestId, err: (err as Error)?.message },
          'one-time link revealed, but recording the reveal failed',
        );
        return 'failed' as const;
      },
    );
  const outcome = await Promise.race([call, timeout]);
  clearTimeout(timer);
  if (outcome === 'timeout')
    deps.log.warn(
      { link: shortId(link.id), requestId: link.requestId },
      `recording a reveal took over ${ON_REVEALED_TIMEOUT_MS / 1000} s; the page was sent without waiting`,
    );
}
