/**
 * The Zendesk Support API endpoints the fake serves, one handler each, with the checks Zendesk
 * makes: paths (with or without `.json`), methods, query parameters (page sizes up to 100),
 * request bodies ({"ticket": {...}}), 404/422 answers in Zendesk's error format.
 */
import type { Mutation, StoredTicket, TicketChange, ZendeskState } from './zendesk-state';
import { ZendeskStateError } from './zendesk-state';
import { auditJson, commentJson, errorJson, groupJson, membershipJson, ticketJson, userJson } from './zendesk-json';

export interface RestResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface HandlerContext {
  state: ZendeskState;
  params: string[];
  query: Record<string, string>;
  body: unknown;
  /** The authenticated agent (credgate's service account). */
  as: number;
  path: string;
  violation(message: string): void;
  emit(m: Mutation): void;
}

type Handler = (ctx: HandlerContext) => RestResult;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

const MAX_PAGE = 100;

/** Ticket properties Zendesk's Update Ticket accepts; anything else is silently ignored by Zendesk, so a typo is a bug. */
const TICKET_KEYS = new Set([
  'comment',
  'custom_fields',
  'fields',
  'status',
  'custom_status_id',
  'subject',
  'priority',
  'type',
  'tags',
  'assignee_id',
  'assignee_email',
  'group_id',
  'organization_id',
  'requester_id',
  'external_id',
  'due_at',
  'problem_id',
  'collaborator_ids',
  'email_ccs',
  'followers',
  'safe_update',
  'updated_stamp',
  'additional_tags',
  'remove_tags',
  'ticket_form_id',
  'brand_id',
  'metadata',
]);
const COMMENT_KEYS = new Set(['body', 'html_body', 'public', 'author_id', 'uploads']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const notFound = (): RestResult => ({ status: 404, body: errorJson('RecordNotFound', 'Not found') });
const invalid = (ctx: HandlerContext, description: string): RestResult => {
  ctx.violation(description);
  return { status: 400, body: errorJson('InvalidValue', description) };
};

const isResult = (v: TicketChange | RestResult): v is RestResult => typeof (v as RestResult).status === 'number';

function ticketOf(ctx: HandlerContext): StoredTicket | null {
  return ctx.state.tickets.get(Number(ctx.params[0])) ?? null;
}

/** Cursor pagination when page[size]/page[after] is given, else offset pagination, as Zendesk lists do. */
function paginate(ctx: HandlerContext, key: string, items: unknown[]): RestResult {
  const q = ctx.query;
  const link = (params: Record<string, string | number>) =>
    `${ctx.state.baseUrl}${ctx.path}?${Object.entries(params)
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
      .join('&')}`;
  if ('page[size]' in q || 'page[after]' in q) {
    const size = q['page[size]'] === undefined ? MAX_PAGE : Number(q['page[size]']);
    if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE)
      return invalid(ctx, `page[size] must be an integer from 1 to ${MAX_PAGE}, got ${q['page[size]']}`);
    let start = 0;
    if (q['page[after]'] !== undefined) {
      start = Number(
        Buffer.from(q['page[after]'], 'base64url')
          .toString('utf8')
          .replace(/^after:/, ''),
      );
      if (!Number.isInteger(start) || start < 0)
        return invalid(ctx, `page[after] is not a cursor this endpoint gave: ${q['page[after]']}`);
    }
    const page = items.slice(start, start + size);
    const hasMore = start + size < items.length;
    const after = hasMore ? Buffer.from(`after:${start + size}`).toString('base64url') : null;
    return {
      status: 200,
      body: {
        [key]: page,
        meta: {
          has_more: hasMore,
          after_cursor: after,
          before_cursor: start > 0 ? Buffer.from(`before:${start}`).toString('base64url') : null,
        },
        links: { prev: null, next: after ? link({ 'page[size]': size, 'page[after]': after }) : null },
      },
    };
  }
  const perPage = q.per_page === undefined ? MAX_PAGE : Number(q.per_page);
  const pageNo = q.page === undefined ? 1 : Number(q.page);
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > MAX_PAGE)
    return invalid(ctx, `per_page must be an integer from 1 to ${MAX_PAGE}, got ${q.per_page}`);
  if (!Number.isInteger(pageNo) || pageNo < 1) return invalid(ctx, `page must be a positive integer, got ${q.page}`);
  const start = (pageNo - 1) * perPage;
  const more = start + perPage < items.length;
  return {
    status: 200,
    body: {
      [key]: items.slice(start, start + perPage),
      next_page: more ? link({ page: pageNo + 1, per_page: perPage }) : null,
      previous_page: pageNo > 1 ? link({ page: pageNo - 1, per_page: perPage }) : null,
      count: items.length,
    },
  };
}

/** The body of PUT /api/v2/tickets/{id}, checked the way Zendesk reads it. */
function ticketChange(ctx: HandlerContext): TicketChange | RestResult {
  if (!isObject(ctx.body) || !isObject(ctx.body.ticket)) return invalid(ctx, 'the body must be {"ticket": {...}}');
  const extra = Object.keys(ctx.body).filter((k) => k !== 'ticket');
  if (extra.length) ctx.violation(`unexpected top-level key(s) ${extra.join(', ')}: Zendesk ignores them`);
  const t = ctx.body.ticket;
  const unknown = Object.keys(t).filter((k) => !TICKET_KEYS.has(k));
  if (unknown.length) ctx.violation(`unknown ticket propert(ies) ${unknown.join(', ')}: Zendesk ignores them`);
  const change: TicketChange = {};
  if (t.status !== undefined) {
    if (typeof t.status !== 'string') return invalid(ctx, 'ticket.status must be a string');
    change.status = t.status;
  }
  if (t.custom_fields !== undefined) {
    if (!Array.isArray(t.custom_fields)) return invalid(ctx, 'ticket.custom_fields must be an array of {id, value}');
    change.customFields = [];
    for (const f of t.custom_fields) {
      if (
        !isObject(f) ||
        !(Number.isInteger(f.id) || (typeof f.id === 'string' && /^\d+$/.test(f.id))) ||
        !('value' in f)
      ) {
        return invalid(
          ctx,
          `ticket.custom_fields entries must be {"id": <integer>, "value": ...}, got ${JSON.stringify(f)}`,
        );
      }
      if (f.value !== null && typeof f.value !== 'string')
        return invalid(ctx, `custom field ${String(f.id)}: a drop-down or text value must be a string or null`);
      change.customFields.push({ id: Number(f.id), value: f.value as string | null });
    }
  }
  if (t.comment !== undefined) {
    const c = t.comment;
    if (!isObject(c)) return invalid(ctx, 'ticket.comment must be an object');
    const bad = Object.keys(c).filter((k) => !COMMENT_KEYS.has(k));
    if (bad.length) ctx.violation(`unknown comment propert(ies) ${bad.join(', ')}`);
    const html = typeof c.html_body === 'string' && c.html_body.trim() ? c.html_body : undefined;
    const plain = typeof c.body === 'string' && c.body.trim() ? c.body : undefined;
    if (!html && !plain)
      return {
        status: 422,
        body: {
          error: 'RecordInvalid',
          description: 'Record validation errors',
          details: { base: [{ description: 'Comment: cannot be blank' }] },
        },
      };
    if (c.public !== undefined && typeof c.public !== 'boolean')
      return invalid(ctx, 'ticket.comment.public must be a boolean');
    // Zendesk's default is a public reply, which emails the requester.
    change.comment = { html, plain: html ? undefined : plain, public: c.public === undefined ? true : c.public };
  }
  return change;
}

/** Zendesk limits updates of one ticket by one user: 30 per 10 minutes, then 429. */
const UPDATE_LIMIT = 30;
const UPDATE_WINDOW_MS = 600_000;

function rateLimited(ctx: HandlerContext, ticket: StoredTicket): RestResult | null {
  const byKey = ctx.state.updateLog;
  const key = `${ctx.as}:${ticket.id}`;
  const now = ctx.state.nowMs();
  const recent = (byKey.get(key) ?? []).filter((t) => now - t < UPDATE_WINDOW_MS);
  if (recent.length >= UPDATE_LIMIT) {
    const wait = Math.ceil((UPDATE_WINDOW_MS - (now - recent[0])) / 1000);
    byKey.set(key, recent);
    return {
      status: 429,
      headers: { 'Retry-After': String(wait), 'Content-Type': 'text/plain' },
      body: 'You have exceeded the rate limit for updating this ticket.',
    };
  }
  recent.push(now);
  byKey.set(key, recent);
  return null;
}

const ROUTES: Route[] = [
  {
    method: 'GET',
    pattern: /^\/api\/v2\/users\/me$/,
    handler: (ctx) => ({ status: 200, body: { user: userJson(ctx.state, ctx.state.requireUser(ctx.as)) } }),
  },
  {
    method: 'GET',
    pattern: /^\/api\/v2\/users\/show_many$/,
    handler: (ctx) => {
      const ids = (ctx.query.ids ?? '').split(',').filter(Boolean);
      if (!ids.length) return invalid(ctx, 'show_many needs ids=1,2,3');
      if (ids.length > 100) return invalid(ctx, 'show_many takes at most 100 ids');
      if (ids.some((i) => !/^\d+$/.test(i))) return invalid(ctx, `ids must be integers: ${ctx.query.ids}`);
      const users = ids.map((i) => ctx.state.users.get(Number(i))).filter((u) => u !== undefined);
      return {
        status: 200,
        body: {
          users: users.map((u) => userJson(ctx.state, u)),
          next_page: null,
          previous_page: null,
          count: users.length,
        },
      };
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/v2\/users\/(\d+)$/,
    handler: (ctx) => {
      const u = ctx.state.users.get(Number(ctx.params[0]));
      return u ? { status: 200, body: { user: userJson(ctx.state, u) } } : notFound();
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/v2\/users\/(\d+)\/group_memberships$/,
    handler: (ctx) => {
      if (!ctx.state.users.has(Number(ctx.params[0]))) return notFound();
      const mine = ctx.state.memberships
        .filter((m) => m.userId === Number(ctx.params[0]))
        .map((m) => membershipJson(ctx.state, m));
      return paginate(ctx, 'group_memberships', mine);
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/v2\/groups$/,
    handler: (ctx) =>
      paginate(
        ctx,
        'groups',
        [...ctx.state.groups].map(([id, name]) => groupJson(ctx.state, id, name)),
      ),
  },
  {
    method: 'GET',
    pattern: /^\/api\/v2\/ticket_forms\/(\d+)$/,
    handler: (ctx) => {
      const f = ctx.state.forms.get(Number(ctx.params[0]));
      if (!f) return notFound();
      return {
        status: 200,
        body: {
          ticket_form: {
            id: f.id,
            url: `${ctx.state.baseUrl}/api/v2/ticket_forms/${f.id}.json`,
            name: f.name,
            display_name: f.name,
            raw_name: f.name,
            end_user_visible: true,
            position: 1,
            active: true,
            default: false,
            in_all_brands: true,
            ticket_field_ids: [...ctx.state.taggers.keys(), ...ctx.state.texts.keys()],
          },
        },
      };
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/v2\/ticket_fields\/(\d+)$/,
    handler: (ctx) => {
      const id = Number(ctx.params[0]);
      const tagger = ctx.state.taggers.get(id);
      const textField = ctx.state.texts.get(id);
      if (!tagger && !textField) return notFound();
      const base = {
        id,
        url: `${ctx.state.baseUrl}/api/v2/ticket_fields/${id}.json`,
        title: (tagger ?? textField)!.title,
        raw_title: (tagger ?? textField)!.title,
        description: '',
        active: true,
        required: false,
        visible_in_portal: false,
        editable_in_portal: false,
      };
      return {
        status: 200,
        body: {
          ticket_field: tagger
            ? {
                ...base,
                type: 'tagger',
                custom_field_options: tagger.options.map((o, i) => ({
                  id: id * 100 + i,
                  name: o.name,
                  raw_name: o.name,
                  value: o.value,
                  default: false,
                })),
              }
            : { ...base, type: 'text' },
        },
      };
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/v2\/tickets\/(\d+)$/,
    handler: (ctx) => {
      const t = ticketOf(ctx);
      return t ? { status: 200, body: { ticket: ticketJson(ctx.state, t) } } : notFound();
    },
  },
  {
    method: 'PUT',
    pattern: /^\/api\/v2\/tickets\/(\d+)$/,
    handler: (ctx) => {
      const t = ticketOf(ctx);
      if (!t) return notFound();
      const change = ticketChange(ctx);
      if (isResult(change)) return change;
      const limited = rateLimited(ctx, t);
      if (limited) return limited;
      try {
        const m = ctx.state.update(ctx.as, t, change as TicketChange, 'api');
        if (m.audit.events.length) ctx.emit(m);
        return { status: 200, body: { ticket: ticketJson(ctx.state, t), audit: auditJson(m.audit) } };
      } catch (err) {
        if (err instanceof ZendeskStateError) {
          ctx.violation(`422: ${err.message}`);
          return { status: err.status, body: err.body };
        }
        throw err;
      }
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/v2\/tickets\/(\d+)\/comments$/,
    handler: (ctx) => {
      const t = ticketOf(ctx);
      if (!t) return notFound();
      const list = t.comments.map(commentJson);
      if (ctx.query.sort_order === 'desc') list.reverse();
      return paginate(ctx, 'comments', list);
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/v2\/tickets\/(\d+)\/audits$/,
    handler: (ctx) => {
      const t = ticketOf(ctx);
      if (!t) return notFound();
      const list = t.audits.map(auditJson);
      if (ctx.query.sort_order === 'desc') list.reverse();
      return paginate(ctx, 'audits', list);
    },
  },
];

/** Finds the route for a request; `.json` is optional on every Zendesk path. */
export function route(
  method: string,
  path: string,
): { handler: Handler; params: string[] } | { allowed: string[] } | null {
  const clean = path.replace(/\.json$/, '');
  const matching = ROUTES.filter((r) => r.pattern.test(clean));
  if (!matching.length) return null;
  const hit = matching.find((r) => r.method === method);
  if (!hit) return { allowed: matching.map((r) => r.method) };
  return { handler: hit.handler, params: (hit.pattern.exec(clean) ?? []).slice(1) };
}
