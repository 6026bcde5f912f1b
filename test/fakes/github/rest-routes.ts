/**
 * The REST endpoints the fake GitHub serves, with the checks GitHub makes: the repository must be
 * visible to the credential (404 otherwise, as GitHub hides private repositories), bodies must
 * have the documented shape (422 "Invalid request" otherwise), lists page with `per_page` (max 100)
 * and `page`, and a `Link` header. Paths and shapes follow https://docs.github.com/en/rest and the
 * schemas in @octokit/openapi-types.
 */
import type { Credential } from './fake-auth';
import type { FakeAuth } from './fake-auth';
import { commentJson, eventJson, issueJson, labelJson, userJson } from './github-json';
import { githubTime, type Emitted, type GithubState, type StoredHook, type StoredRepo } from './github-state';
import type { FakeApp } from './types';

export interface RouteContext {
  state: GithubState;
  auth: FakeAuth;
  app: FakeApp | undefined;
  credential: Credential;
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
  /** The URL of this request, for Link headers. */
  url: URL;
  emit(e: Emitted[]): void;
  violation(message: string): void;
}

export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Route {
  method: string;
  name: string;
  pattern: RegExp;
  auth: 'token' | 'jwt';
  handle(ctx: RouteContext): RouteResult;
}

const DOCS = 'https://docs.github.com/rest';
export const notFound = (): RouteResult => ({
  status: 404,
  body: { message: 'Not Found', documentation_url: DOCS, status: '404' },
});
const invalid = (ctx: RouteContext, detail: string): RouteResult => {
  ctx.violation(`422 ${detail}`);
  return { status: 422, body: { message: `Invalid request.\n\n${detail}`, documentation_url: DOCS, status: '422' } };
};

/** The credential's login as GitHub records it on what it does (an app acts as its bot). */
export function actorLogin(ctx: Pick<RouteContext, 'credential' | 'app'>): string {
  const c = ctx.credential;
  return c.kind === 'user' ? c.login : `${ctx.app?.slug ?? 'app'}[bot]`;
}

/** The repository, if the credential may see it. */
function visibleRepo(ctx: RouteContext): StoredRepo | null {
  const repo = ctx.state.repo(ctx.params.owner, ctx.params.repo);
  if (!repo) return null;
  const c = ctx.credential;
  if (c.kind === 'installation') return c.account.toLowerCase() === repo.owner.toLowerCase() ? repo : null;
  if (c.kind === 'user')
    return ctx.state.roleOf(repo, c.login) || c.login.toLowerCase() === repo.owner.toLowerCase() ? repo : null;
  return null;
}

function withIssue(
  ctx: RouteContext,
  fn: (repo: StoredRepo, issue: NonNullable<ReturnType<GithubState['issue']>>) => RouteResult,
): RouteResult {
  const repo = visibleRepo(ctx);
  const number = Number(ctx.params.number);
  const issue = repo && Number.isInteger(number) ? ctx.state.issue(repo, number) : undefined;
  return repo && issue ? fn(repo, issue) : notFound();
}

/** A page of a list, with GitHub's Link header (https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api). */
function page<T>(ctx: RouteContext, items: T[]): RouteResult {
  const perPage = Math.min(100, Math.max(1, Number(ctx.query.per_page ?? 30) || 30));
  const pageNo = Math.max(1, Number(ctx.query.page ?? 1) || 1);
  const last = Math.max(1, Math.ceil(items.length / perPage));
  const link = (p: number, rel: string) => {
    const u = new URL(ctx.url.toString());
    u.searchParams.set('per_page', String(perPage));
    u.searchParams.set('page', String(p));
    return `<${ctx.state.baseUrl}${u.pathname}${u.search}>; rel="${rel}"`;
  };
  const links = [
    ...(pageNo > 1 ? [link(pageNo - 1, 'prev'), link(1, 'first')] : []),
    ...(pageNo < last ? [link(pageNo + 1, 'next'), link(last, 'last')] : []),
  ];
  return {
    status: 200,
    body: items.slice((pageNo - 1) * perPage, pageNo * perPage),
    headers: links.length ? { Link: links.join(', ') } : {},
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function installationJson(ctx: RouteContext, account: string): RouteResult {
  const id = ctx.auth.installationFor(account);
  if (!id) return notFound();
  return {
    status: 200,
    body: {
      id,
      account: { login: account },
      app_id: ctx.app?.id,
      app_slug: ctx.app?.slug,
      target_type: ctx.state.orgs.has(account.toLowerCase()) ? 'Organization' : 'User',
      permissions: { issues: 'write', members: 'read', metadata: 'read' },
    },
  };
}

const R = (method: string, name: string, path: string, auth: Route['auth'], handle: Route['handle']): Route => ({
  method,
  name,
  auth,
  // {param} matches one path segment; the route table below is matched in order.
  pattern: new RegExp(`^${path.replace(/\{(\w+)\}/g, '(?<$1>[^/]+)')}$`),
  handle,
});

export const ROUTES: Route[] = [
  R('GET', 'users/get-authenticated', '/user', 'token', (ctx) => {
    if (ctx.credential.kind !== 'user')
      return {
        status: 403,
        body: { message: 'Resource not accessible by integration', documentation_url: DOCS, status: '403' },
      };
    const u = ctx.state.user(ctx.credential.login);
    return { status: 200, body: { ...userJson(ctx.state, ctx.credential.login), name: u?.name ?? null } };
  }),
  R('GET', 'apps/get-authenticated', '/app', 'jwt', (ctx) => ({
    status: 200,
    body: {
      id: ctx.app?.id,
      client_id: ctx.app?.clientId ?? null,
      slug: ctx.app?.slug,
      name: ctx.app?.slug,
      permissions: { issues: 'write', members: 'read', metadata: 'read' },
      events: ['issues', 'issue_comment'],
    },
  })),
  R('GET', 'apps/get-repo-installation', '/repos/{owner}/{repo}/installation', 'jwt', (ctx) => {
    const repo = ctx.state.repo(ctx.params.owner, ctx.params.repo);
    return repo ? installationJson(ctx, repo.owner) : notFound();
  }),
  R('GET', 'apps/get-org-installation', '/orgs/{org}/installation', 'jwt', (ctx) =>
    ctx.state.orgs.has(ctx.params.org.toLowerCase()) ? installationJson(ctx, ctx.params.org) : notFound(),
  ),
  R('GET', 'apps/get-user-installation', '/users/{username}/installation', 'jwt', (ctx) =>
    installationJson(ctx, ctx.params.username),
  ),
  R('POST', 'apps/create-installation-access-token', '/app/installations/{id}/access_tokens', 'jwt', (ctx) => {
    if (
      ctx.body !== undefined &&
      (!isObject(ctx.body) ||
        Object.keys(ctx.body).some((k) => !['repositories', 'repository_ids', 'permissions'].includes(k)))
    ) {
      return invalid(ctx, 'the body may only name repositories, repository_ids and permissions');
    }
    const minted = ctx.auth.mintInstallationToken(Number(ctx.params.id));
    if (!minted) return notFound();
    return {
      status: 201,
      body: {
        token: minted.token,
        expires_at: githubTime(minted.expiresAt),
        permissions: { issues: 'write', members: 'read', metadata: 'read' },
        repository_selection: 'all',
      },
    };
  }),
  R('GET', 'issues/list-for-repo', '/repos/{owner}/{repo}/issues', 'token', (ctx) => {
    const repo = visibleRepo(ctx);
    if (!repo) return notFound();
    const state = ctx.query.state ?? 'open';
    if (!['open', 'closed', 'all'].includes(state))
      return invalid(ctx, `For 'state', "${state}" is not a member of ["open", "closed", "all"].`);
    const wanted = (ctx.query.labels ?? '')
      .split(',')
      .map((l) => l.trim().toLowerCase())
      .filter(Boolean);
    const issues = repo.issues
      .filter((i) => state === 'all' || i.state === state)
      .filter((i) => wanted.every((w) => i.labels.some((l) => l.toLowerCase() === w)))
      .sort((a, b) => b.number - a.number);
    return page(
      ctx,
      issues.map((i) => issueJson(ctx.state, repo, i)),
    );
  }),
  R('GET', 'issues/get', '/repos/{owner}/{repo}/issues/{number}', 'token', (ctx) =>
    withIssue(ctx, (repo, issue) => ({ status: 200, body: issueJson(ctx.state, repo, issue) })),
  ),
  R('PATCH', 'issues/update', '/repos/{owner}/{repo}/issues/{number}', 'token', (ctx) =>
    withIssue(ctx, (repo, issue) => {
      const b = ctx.body;
      if (!isObject(b)) return invalid(ctx, 'the body must be a JSON object');
      if (b.state !== undefined && b.state !== 'open' && b.state !== 'closed')
        return invalid(
          ctx,
          `For 'properties/state', ${JSON.stringify(b.state)} is not a member of ["open", "closed"].`,
        );
      const reasons = ['completed', 'not_planned', 'duplicate', 'reopened', null];
      if (b.state_reason !== undefined && !reasons.includes(b.state_reason as string | null)) {
        return invalid(
          ctx,
          `For 'properties/state_reason', ${JSON.stringify(b.state_reason)} is not a member of ["completed", "not_planned", "duplicate", "reopened", null].`,
        );
      }
      if (b.title !== undefined && typeof b.title !== 'string' && typeof b.title !== 'number')
        return invalid(ctx, `For 'properties/title', ${JSON.stringify(b.title)} is not a string.`);
      if (b.body !== undefined && b.body !== null && typeof b.body !== 'string')
        return invalid(ctx, `For 'properties/body', ${JSON.stringify(b.body)} is not a string or null.`);
      const as = actorLogin(ctx);
      const emitted: Emitted[] = [];
      emitted.push(
        ...ctx.state.edit(as, repo, issue, {
          title: b.title === undefined ? undefined : String(b.title),
          body: b.body as string | null | undefined,
        }),
      );
      if (Array.isArray(b.labels)) {
        const names = b.labels
          .map((l) => (typeof l === 'string' ? l : isObject(l) ? String(l.name ?? '') : ''))
          .filter(Boolean);
        for (const old of [...issue.labels])
          if (!names.some((n) => n.toLowerCase() === old.toLowerCase()))
            emitted.push(...(ctx.state.removeLabel(as, repo, issue, old) ?? []));
        for (const n of names) emitted.push(...ctx.state.addLabel(as, repo, issue, n));
      }
      if (b.state === 'open' || b.state === 'closed')
        emitted.push(
          ...ctx.state.setState(as, repo, issue, b.state, (b.state_reason as string | null | undefined) ?? null),
        );
      ctx.emit(emitted);
      return { status: 200, body: issueJson(ctx.state, repo, issue) };
    }),
  ),
  R('GET', 'issues/list-comments', '/repos/{owner}/{repo}/issues/{number}/comments', 'token', (ctx) =>
    withIssue(ctx, (repo, issue) => {
      const since = ctx.query.since ? Date.parse(ctx.query.since) : NaN;
      const comments = issue.comments.filter((c) => Number.isNaN(since) || Date.parse(c.updatedAt) >= since);
      return page(
        ctx,
        comments.map((c) => commentJson(ctx.state, repo, issue, c)),
      );
    }),
  ),
  R('POST', 'issues/create-comment', '/repos/{owner}/{repo}/issues/{number}/comments', 'token', (ctx) =>
    withIssue(ctx, (repo, issue) => {
      const b = ctx.body;
      if (!isObject(b) || b.body === undefined) return invalid(ctx, '"body" wasn\'t supplied.');
      if (typeof b.body !== 'string')
        return invalid(ctx, `For 'properties/body', ${JSON.stringify(b.body)} is not a string.`);
      if (!b.body.trim()) return invalid(ctx, 'Body cannot be blank');
      if (b.body.length > 65536) return invalid(ctx, 'Body is too long (maximum is 65536 characters)');
      const { comment, emitted } = ctx.state.comment(actorLogin(ctx), repo, issue, b.body);
      ctx.emit(emitted);
      return {
        status: 201,
        body: commentJson(ctx.state, repo, issue, comment),
        headers: { Location: `${ctx.state.baseUrl}/repos/${repo.fullName}/issues/comments/${comment.id}` },
      };
    }),
  ),
  R('GET', 'issues/list-events', '/repos/{owner}/{repo}/issues/{number}/events', 'token', (ctx) =>
    withIssue(ctx, (repo, issue) =>
      page(
        ctx,
        issue.events.map((e) => eventJson(ctx.state, repo, e)),
      ),
    ),
  ),
  R('GET', 'issues/list-events-for-timeline', '/repos/{owner}/{repo}/issues/{number}/timeline', 'token', (ctx) =>
    withIssue(ctx, (repo, issue) => {
      const items = [
        ...issue.events.map((e) => ({ id: e.id, json: eventJson(ctx.state, repo, e) })),
        ...issue.comments.map((c) => ({
          id: c.id,
          json: { ...commentJson(ctx.state, repo, issue, c), event: 'commented', actor: userJson(ctx.state, c.user) },
        })),
      ].sort((a, b) => a.id - b.id);
      return page(
        ctx,
        items.map((i) => i.json),
      );
    }),
  ),
  R('POST', 'issues/add-labels', '/repos/{owner}/{repo}/issues/{number}/labels', 'token', (ctx) =>
    withIssue(ctx, (repo, issue) => {
      // {labels: [...]} is recommended; a bare array and {labels: "name"} are accepted too.
      const b = ctx.body;
      const raw = Array.isArray(b)
        ? b
        : isObject(b)
          ? typeof b.labels === 'string'
            ? [b.labels]
            : b.labels
          : undefined;
      if (!Array.isArray(raw) || raw.length === 0) return invalid(ctx, '"labels" wasn\'t supplied.');
      const names = raw.map((l) =>
        typeof l === 'string' ? l : isObject(l) && typeof l.name === 'string' ? l.name : null,
      );
      if (names.some((n) => n === null || !n.trim()))
        return invalid(ctx, `For 'items', ${JSON.stringify(raw)} is not a list of label names.`);
      if (names.some((n) => (n as string).length > 50))
        return invalid(ctx, 'Label name is too long (maximum is 50 characters)');
      const as = actorLogin(ctx);
      ctx.emit(names.flatMap((n) => ctx.state.addLabel(as, repo, issue, n as string)));
      return { status: 200, body: issue.labels.map((n) => labelJson(ctx.state, repo, ctx.state.ensureLabel(repo, n))) };
    }),
  ),
  R('DELETE', 'issues/remove-label', '/repos/{owner}/{repo}/issues/{number}/labels/{name}', 'token', (ctx) =>
    withIssue(ctx, (repo, issue) => {
      const emitted = ctx.state.removeLabel(actorLogin(ctx), repo, issue, decodeURIComponent(ctx.params.name));
      if (!emitted)
        return { status: 404, body: { message: 'Label does not exist', documentation_url: DOCS, status: '404' } };
      ctx.emit(emitted);
      return { status: 200, body: issue.labels.map((n) => labelJson(ctx.state, repo, ctx.state.ensureLabel(repo, n))) };
    }),
  ),
  R(
    'GET',
    'teams/get-membership-for-user-in-org',
    '/orgs/{org}/teams/{slug}/memberships/{username}',
    'token',
    (ctx) => {
      const c = ctx.credential;
      if (c.kind === 'installation' && c.account.toLowerCase() !== ctx.params.org.toLowerCase())
        return {
          status: 403,
          body: { message: 'Resource not accessible by integration', documentation_url: DOCS, status: '403' },
        };
      const team = ctx.state.team(ctx.params.org, ctx.params.slug);
      if (!team) return notFound();
      const who = ctx.params.username.toLowerCase();
      const state = team.members.has(who) ? 'active' : team.pending.has(who) ? 'pending' : null;
      if (!state) return { status: 404, body: { message: 'Not Found', documentation_url: DOCS, status: '404' } };
      return {
        status: 200,
        body: {
          url: `${ctx.state.baseUrl}/organizations/${ctx.state.orgs.get(team.org.toLowerCase())}/team/${team.id}/memberships/${ctx.params.username}`,
          role: 'member',
          state,
        },
      };
    },
  ),
  R(
    'GET',
    'repos/get-collaborator-permission-level',
    '/repos/{owner}/{repo}/collaborators/{username}/permission',
    'token',
    (ctx) => {
      const repo = visibleRepo(ctx);
      if (!repo) return notFound();
      if (!ctx.state.user(ctx.params.username)) return notFound();
      const role = ctx.state.roleOf(repo, ctx.params.username);
      // The legacy `permission` maps maintain to write and triage to read.
      const legacy = role === 'maintain' ? 'write' : role === 'triage' ? 'read' : (role ?? 'none');
      return {
        status: 200,
        body: { permission: legacy, role_name: role ?? 'none', user: userJson(ctx.state, ctx.params.username) },
      };
    },
  ),
  ...hookRoutes(),
];

/** A hook as GitHub shows it: the secret never comes back, only "********" when one is set. */
function hookJson(ctx: RouteContext, repo: StoredRepo, h: StoredHook): Record<string, unknown> {
  const url = `${ctx.state.baseUrl}/repos/${repo.fullName}/hooks/${h.id}`;
  return {
    type: 'Repository',
    id: h.id,
    name: 'web',
    active: h.active,
    events: h.events,
    config: {
      url: h.config.url,
      content_type: h.config.content_type,
      insecure_ssl: h.config.insecure_ssl,
      ...(h.config.secret ? { secret: '********' } : {}),
    },
    updated_at: h.updatedAt,
    created_at: h.createdAt,
    url,
    test_url: `${url}/test`,
    ping_url: `${url}/pings`,
    deliveries_url: `${url}/deliveries`,
    last_response: { code: null, status: 'unused', message: null },
  };
}

/** Webhooks need admin on the repository (a user) or the "Webhooks" permission (an app): 404 otherwise. */
function hookRepo(ctx: RouteContext): StoredRepo | null {
  const repo = visibleRepo(ctx);
  if (!repo) return null;
  if (ctx.credential.kind === 'user' && ctx.state.roleOf(repo, ctx.credential.login) !== 'admin') return null;
  return repo;
}

const HOOK_EVENTS = ['*', 'issues', 'issue_comment', 'label', 'push', 'pull_request', 'ping', 'repository'];

/** The `config` and `events` of a create or update body, checked as GitHub checks them. */
function hookFields(
  ctx: RouteContext,
  b: Record<string, unknown>,
  creating: boolean,
): { config?: StoredHook['config']; events?: string[]; active?: boolean } | RouteResult {
  const allowed = creating
    ? ['name', 'config', 'events', 'active']
    : ['config', 'events', 'add_events', 'remove_events', 'active'];
  const extra = Object.keys(b).filter((k) => !allowed.includes(k));
  if (extra.length) return invalid(ctx, `${extra.join(', ')} is not a permitted key.`);
  if (creating && b.name !== undefined && b.name !== 'web')
    return invalid(ctx, `For 'properties/name', ${JSON.stringify(b.name)} is not "web".`);
  let config: StoredHook['config'] | undefined;
  if (b.config !== undefined || creating) {
    const c = b.config;
    if (!isObject(c)) return invalid(ctx, `"config" wasn't supplied.`);
    if (typeof c.url !== 'string' || !/^https?:\/\//.test(c.url))
      return invalid(ctx, `For 'properties/url', ${JSON.stringify(c.url)} is not a URL.`);
    const keys = Object.keys(c).filter((k) => !['url', 'content_type', 'secret', 'insecure_ssl'].includes(k));
    if (keys.length) return invalid(ctx, `${keys.join(', ')} is not a permitted key of config.`);
    if (c.content_type !== undefined && c.content_type !== 'json' && c.content_type !== 'form')
      return invalid(ctx, `For 'properties/content_type', ${JSON.stringify(c.content_type)} is not json or form.`);
    if (c.insecure_ssl !== undefined && c.insecure_ssl !== '0' && c.insecure_ssl !== '1')
      return invalid(ctx, `For 'properties/insecure_ssl', ${JSON.stringify(c.insecure_ssl)} is not "0" or "1".`);
    if (c.secret !== undefined && typeof c.secret !== 'string')
      return invalid(ctx, `For 'properties/secret', it is not a string.`);
    config = {
      url: c.url,
      content_type: (c.content_type as 'json' | 'form' | undefined) ?? 'form',
      insecure_ssl: (c.insecure_ssl as '0' | '1' | undefined) ?? '0',
      ...(typeof c.secret === 'string' && c.secret ? { secret: c.secret } : {}),
    };
  }
  let events: string[] | undefined;
  if (b.events !== undefined) {
    if (!Array.isArray(b.events) || b.events.some((e) => typeof e !== 'string'))
      return invalid(ctx, `For 'properties/events', ${JSON.stringify(b.events)} is not an array of strings.`);
    const unknown = (b.events as string[]).filter((e) => !HOOK_EVENTS.includes(e));
    if (unknown.length)
      return invalid(ctx, `Validation Failed: events ${unknown.join(', ')} are not supported in the fake.`);
    events = b.events as string[];
  }
  if (b.active !== undefined && typeof b.active !== 'boolean')
    return invalid(ctx, `For 'properties/active', it is not a boolean.`);
  return { config, events, active: b.active as boolean | undefined };
}

const isResult = (v: unknown): v is RouteResult => isObject(v) && typeof v.status === 'number';

function hookRoutes(): Route[] {
  return [
    R('GET', 'repos/list-webhooks', '/repos/{owner}/{repo}/hooks', 'token', (ctx) => {
      const repo = hookRepo(ctx);
      return repo
        ? page(
            ctx,
            repo.hooks.map((h) => hookJson(ctx, repo, h)),
          )
        : notFound();
    }),
    R('POST', 'repos/create-webhook', '/repos/{owner}/{repo}/hooks', 'token', (ctx) => {
      const repo = hookRepo(ctx);
      if (!repo) return notFound();
      if (!isObject(ctx.body)) return invalid(ctx, 'the body must be a JSON object');
      const fields = hookFields(ctx, ctx.body, true);
      if (isResult(fields)) return fields;
      const config = fields.config as StoredHook['config'];
      // GitHub refuses a second hook with the same URL on one repository.
      if (repo.hooks.some((h) => h.config.url === config.url)) {
        ctx.violation(`422 Hook already exists on this repository: ${config.url}`);
        return {
          status: 422,
          body: {
            message: 'Validation Failed',
            errors: [{ resource: 'Hook', code: 'custom', message: 'Hook already exists on this repository' }],
            documentation_url: DOCS,
            status: '422',
          },
        };
      }
      const at = githubTime(ctx.state.now());
      const hook: StoredHook = {
        id: ctx.state.nextId(),
        active: fields.active ?? true,
        events: fields.events ?? ['push'],
        config,
        createdAt: at,
        updatedAt: at,
      };
      repo.hooks.push(hook);
      return { status: 201, body: hookJson(ctx, repo, hook) };
    }),
    R('PATCH', 'repos/update-webhook', '/repos/{owner}/{repo}/hooks/{hook_id}', 'token', (ctx) => {
      const repo = hookRepo(ctx);
      const hook = repo?.hooks.find((h) => String(h.id) === ctx.params.hook_id);
      if (!repo || !hook) return notFound();
      if (!isObject(ctx.body)) return invalid(ctx, 'the body must be a JSON object');
      const fields = hookFields(ctx, ctx.body, false);
      if (isResult(fields)) return fields;
      if (fields.config) {
        if (repo.hooks.some((h) => h !== hook && h.config.url === fields.config?.url))
          return invalid(ctx, 'Hook already exists on this repository');
        // A config without a secret clears it, as on GitHub: the caller must send it again.
        hook.config = fields.config;
      }
      if (fields.events) hook.events = fields.events;
      if (fields.active !== undefined) hook.active = fields.active;
      hook.updatedAt = githubTime(ctx.state.now());
      return { status: 200, body: hookJson(ctx, repo, hook) };
    }),
  ];
}
