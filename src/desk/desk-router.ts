import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { CredgateError } from '../util/errors';
import type { AuditLog } from '../audit/audit-log';
import type { Store } from '../store/open-store';
import type { Logger } from '../util/logger';
import { parseDuration } from '../policy/parse-duration';
import type { DeskConfig } from './desk-config';
import { DeskCredentials, parseAuthorization, sameSecret } from './desk-credentials';
import { DeskSessions, type DeskSession } from './desk-sessions';
import { LoginLimiter } from './login-limiter';
import { clientAddress } from '../server/client-address';
import { loadDeskTemplates } from './desk-templates';
import { AuditDigest, type AuditFilter } from './audit-digest';
import { collectOverview, DEFAULT_FAILED_STATES } from './collect-overview';
import { dashboardView, loginView, type DeskOverview } from './desk-views';
import type { OidcSignIn } from '../identity/oidc-sign-in';
import { mountDeskSso } from './desk-sso';
import { DeliveryLog, type DeliveryStatus } from '../pipeline/delivery-log';

/** Deliveries shown on the page at once, newest first; `credgate deliveries` lists them all. */
const DELIVERY_ROWS = 50;
const DELIVERY_STATUSES: DeliveryStatus[] = ['received', 'processed', 'ignored', 'waiting', 'failed'];

export interface DeskDeps {
  store: Pick<Store, 'requests' | 'kv' | 'engine'>;
  audit: AuditLog;
  clock: () => Date;
  config: DeskConfig;
  log: Logger;
  /** `server.publicUrl`: the session cookie is marked Secure when it is https. */
  publicUrl?: string;
  /** Request states listed as failed revocations (default: `revocation-failed`). */
  failedStates?: readonly string[];
  /** Where the page templates live (default: templates/html/desk). */
  templatesDir?: string;
  /** The OpenID provider, for `desk.sso`. */
  oidc?: OidcSignIn | null;
}

/** Who is asking, and how they proved it. `session` is set only for a browser session. */
interface DeskIdentity {
  username: string;
  via: 'session' | 'token' | 'basic';
  session: (DeskSession & { id: string }) | null;
}

const COOKIE = 'credgate_desk';
const GENERIC_LOGIN_FAILURE = 'Wrong username or password.';

/**
 * The service-desk page: a read-only dashboard of grants, approvals, revocations and the audit log,
 * behind a login. Returns an express Router to mount on the app (`AppDeps.routers`); an empty one
 * when the desk is disabled. No route changes a request: the only writes are sessions.
 */
export function deskRouter(deps: DeskDeps): Router {
  const router = Router();
  const { config, log, clock } = deps;
  if (!config.enabled) {
    log.info('service desk is off: add desk.users or set CREDGATE_DESK_TOKEN to enable it');
    return router;
  }
  const base = config.path;
  const ttlMs = parseDuration(config.sessionTtl) as number;
  const loaded = loadDeskTemplates(deps.templatesDir);
  const sso = config.sso && deps.oidc ? { config: config.sso, oidc: deps.oidc } : null;
  // The login page offers single sign-on when it is configured.
  const templates = {
    ...loaded,
    login: (view: Record<string, unknown>) => loaded.login({ ...view, sso: Boolean(sso) }),
  };
  const sessions = new DeskSessions(deps.store.kv.desk_sessions, ttlMs, clock);
  const credentials = new DeskCredentials(config);
  const limiter = new LoginLimiter(
    deps.store.engine,
    config.maxFailedLogins,
    parseDuration(config.loginWindow) as number,
    clock,
  );
  const digest = new AuditDigest(deps.audit);
  const failedStates = deps.failedStates ?? DEFAULT_FAILED_STATES;
  const secure = deps.publicUrl?.startsWith('https:') ?? false;
  const publicOrigin = deps.publicUrl ? new URL(deps.publicUrl).origin : null;
  const form = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 });

  const csp = `default-src 'none'; style-src ${templates.styleHash}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`;
  router.use(base, (_req, res, next) => {
    res.set({
      'Content-Security-Policy': csp,
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      // same-origin, not no-referrer: under no-referrer browsers send `Origin: null` on the login post.
      'Referrer-Policy': 'same-origin',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    });
    next();
  });

  const wantsJson = (req: Request) => req.path.startsWith(`${base}/api/`) || req.accepts(['html', 'json']) === 'json';
  const setCookie = (res: Response, value: string, maxAgeS: number) =>
    res.append(
      'Set-Cookie',
      `${COOKIE}=${value}; Path=${base}; Max-Age=${maxAgeS}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`,
    );
  const cookieOf = (req: Request): string | null => {
    for (const part of (req.headers.cookie ?? '').split(';')) {
      const [name, ...rest] = part.trim().split('=');
      if (name === COOKIE) return rest.join('=');
    }
    return null;
  };
  /** A cross-site form post carries a foreign Origin; browsers send it on every POST. */
  const sameOrigin = (req: Request) => {
    const origin = req.headers.origin;
    return origin === undefined || origin === `${req.protocol}://${req.headers.host}` || origin === publicOrigin;
  };
  const tooMany = (res: Response, waitMs: number, json: boolean) => {
    res.set('Retry-After', String(Math.ceil(waitMs / 1000)));
    if (json)
      res
        .status(429)
        .json({ error: 'rate-limited', message: 'too many failed logins from this address; try again later' });
    else
      res
        .status(429)
        .type('html')
        .send(templates.login(loginView(base, 'Too many failed attempts. Try again later.')));
  };

  async function identify(req: Request, res: Response): Promise<DeskIdentity | 'refused' | null> {
    const header = parseAuthorization(req.headers.authorization);
    if (header) {
      const address = clientAddress(req);
      // Reserved before the check, so concurrent guesses are counted before any of them is answered.
      const wait = await limiter.reserve(address);
      if (wait > 0) {
        tooMany(res, wait, true);
        return 'refused';
      }
      const username =
        header.kind === 'bearer'
          ? credentials.checkToken(header.token)
            ? 'token'
            : null
          : await credentials.checkPassword(header.username, header.password);
      if (username) {
        await limiter.release(address);
        return { username, via: header.kind === 'bearer' ? 'token' : 'basic', session: null };
      }
      log.warn({ address, scheme: header.kind }, 'service desk: rejected credentials');
      res.set('WWW-Authenticate', 'Bearer realm="credgate-desk"');
      res.status(401).json({ error: 'auth', message: 'the credentials are not valid' });
      return 'refused';
    }
    const id = cookieOf(req);
    const session = id ? await sessions.get(id) : null;
    return session && id ? { username: session.username, via: 'session', session: { ...session, id } } : null;
  }

  const authenticated =
    (handle: (req: Request, res: Response, who: DeskIdentity) => Promise<void>): RequestHandler =>
    async (req, res) => {
      const who = await identify(req, res);
      if (who === 'refused') return;
      if (who) return handle(req, res, who);
      if (wantsJson(req)) {
        res.set('WWW-Authenticate', 'Bearer realm="credgate-desk"');
        res.status(401).json({
          error: 'auth',
          message: `log in at ${base}/login, or send a bearer token or HTTP Basic credentials`,
        });
      } else res.redirect(302, `${base}/login`);
    };

  const deliveryLog = new DeliveryLog(deps.store.kv.delivery_log, 0, clock);

  async function overview(req: Request): Promise<DeskOverview> {
    const now = clock();
    const wantedStatus = queryText(req, 'dstatus') as DeliveryStatus;
    const deliveryFilter = {
      ticket: queryText(req, 'dticket'),
      status: DELIVERY_STATUSES.includes(wantedStatus) ? wantedStatus : undefined,
    };
    const deliveries = await deliveryLog.list({
      ticket: deliveryFilter.ticket || undefined,
      status: deliveryFilter.status,
    });
    const [requests] = await Promise.all([
      collectOverview(deps.store.requests.all(), now, failedStates),
      digest.refresh(),
    ]);
    // The request's own state is the better record; the audit adds failures the state does not show.
    const seen = new Set(requests.failedRevocations.map((f) => f.requestId));
    const failed = [
      ...requests.failedRevocations,
      ...digest.failedRevocations(requests.byId).filter((f) => !seen.has(f.requestId)),
    ];
    const filter: AuditFilter = {
      ticket: queryText(req, 'ticket'),
      requester: queryText(req, 'requester'),
      system: queryText(req, 'system'),
    };
    return {
      generatedAt: now.toISOString(),
      activeGrants: requests.activeGrants,
      pendingApprovals: requests.pendingApprovals,
      upcomingRevocations: requests.upcomingRevocations,
      failedRevocations: failed,
      audit: digest.search(filter, requests.byId, Number(queryText(req, 'page') || 1)),
      deliveries: {
        filter: { ticket: deliveryFilter.ticket, status: deliveryFilter.status ?? '' },
        total: deliveries.length,
        records: deliveries.slice(0, DELIVERY_ROWS),
      },
    };
  }

  if (sso)
    mountDeskSso(router, {
      base,
      oidc: sso.oidc,
      config: sso.config,
      signIns: deps.store.kv.desk_sessions,
      sessions,
      clock,
      log,
      secure,
      publicBase: (req) => publicOrigin ?? `${req.protocol}://${req.headers.host}`,
      startSession: (res, id) => setCookie(res, id, Math.floor(ttlMs / 1000)),
      refuse: (res, status, message) =>
        res
          .status(status)
          .type('html')
          .send(templates.login(loginView(base, message))),
    });
  else if (config.sso)
    throw new CredgateError(
      'config',
      'desk.sso needs an OpenID provider: set oidc.issuer, oidc.clientId and oidc.clientSecret',
    );

  router.get(`${base}/login`, async (req, res) => {
    const id = cookieOf(req);
    if (id && (await sessions.get(id))) return res.redirect(303, base);
    res.type('html').send(templates.login(loginView(base, null)));
  });

  router.post(`${base}/login`, form, async (req, res) => {
    if (!sameOrigin(req)) {
      res
        .status(403)
        .type('html')
        .send(templates.login(loginView(base, 'This sign-in came from another site and was refused.')));
      return;
    }
    const address = clientAddress(req);
    const wait = await limiter.reserve(address);
    if (wait > 0) return tooMany(res, wait, false);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const username = typeof body.username === 'string' ? body.username : '';
    const password = typeof body.password === 'string' ? body.password : '';
    const user = username && password ? await credentials.checkPassword(username, password) : null;
    if (!user) {
      // Neither the name tried nor the password: people type passwords into the name field.
      log.warn({ address }, 'service desk: failed login');
      res
        .status(401)
        .type('html')
        .send(templates.login(loginView(base, GENERIC_LOGIN_FAILURE)));
      return;
    }
    await limiter.release(address);
    const old = cookieOf(req);
    if (old) await sessions.end(old);
    const { id } = await sessions.create(user);
    setCookie(res, id, Math.floor(ttlMs / 1000));
    log.info({ username: user, address }, 'service desk: logged in');
    res.redirect(303, base);
  });

  router.post(`${base}/logout`, form, async (req, res) => {
    const id = cookieOf(req);
    const session = id ? await sessions.get(id) : null;
    if (id && session) {
      const csrf = typeof req.body?.csrf === 'string' ? req.body.csrf : '';
      if (!sameOrigin(req) || !sameSecret(csrf, session.csrf)) {
        res
          .status(403)
          .type('html')
          .send(
            '<!doctype html><title>Refused</title><p>This logout did not come from the desk page and was refused.</p>',
          );
        return;
      }
      await sessions.end(id);
      log.info({ username: session.username }, 'service desk: logged out');
    }
    setCookie(res, '', 0);
    res.redirect(303, `${base}/login`);
  });

  router.get(
    base,
    authenticated(async (req, res, who) => {
      const view = dashboardView(await overview(req), base, {
        name: who.via === 'token' ? 'automation token' : who.username,
        csrf: who.session?.csrf ?? null,
      });
      res.type('html').send(templates.dashboard(view));
    }),
  );

  router.get(
    `${base}/api/overview`,
    authenticated(async (req, res) => {
      res.json(await overview(req));
    }),
  );

  return router;
}

/** One short string from the query string, whatever shape the client sent. */
function queryText(req: Request, name: string): string {
  const v = req.query[name];
  const first = Array.isArray(v) ? v[0] : v;
  return typeof first === 'string' ? first.slice(0, 200) : '';
}
