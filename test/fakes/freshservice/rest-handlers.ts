import type { FreshserviceState, Mutation } from './freshservice-state';
import type { FsConversationRow, FsTicketRow } from './types';

export interface ApiRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  hasBody: boolean;
  contentType: string;
  baseUrl: string;
  /** The agent the API key belongs to. */
  agentId: number;
}

export interface ApiResult {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface ApiContext {
  violation(message: string): void;
  emit(m: Mutation): void;
}

/** Freshservice's validation error body (https://api.freshservice.com/#error). */
export const validationError = (errors: { field: string; message: string; code: string }[]): ApiResult => ({
  status: 400,
  body: { description: 'Validation failed', errors },
});

const TICKET_INCLUDES = [
  'conversations',
  'requester',
  'requested_for',
  'stats',
  'problem',
  'assets',
  'change',
  'related_tickets',
  'department',
  'feedback',
  'tags',
];
const NOTE_FIELDS = ['body', 'private', 'incoming', 'notify_emails', 'user_id', 'attachments'];
const TICKET_UPDATE_FIELDS = [
  'status',
  'priority',
  'subject',
  'description',
  'group_id',
  'responder_id',
  'category',
  'sub_category',
  'item_category',
  'custom_fields',
  'tags',
  'urgency',
  'impact',
  'type',
  'due_by',
  'fr_due_by',
  'department_id',
  'source',
  'email',
  'requester_id',
];

type Handler = (req: ApiRequest, params: string[], state: FreshserviceState, ctx: ApiContext) => ApiResult;

const notFound: ApiResult = {
  status: 404,
  body: { code: 'not_found', message: 'The requested resource was not found' },
};

function ticketJson(state: FreshserviceState, t: FsTicketRow, include: string[]): Record<string, unknown> {
  const requester = state.user(t.requester_id);
  return {
    ...t,
    deleted: false,
    spam: false,
    requested_for_id: t.requester_id,
    ...(include.includes('requester') && requester
      ? { requester: { id: requester.id, name: requester.name, email: requester.email, mobile: null, phone: null } }
      : {}),
    ...(include.includes('conversations')
      ? { conversations: state.conversations.filter((c) => c.ticket_id === t.id).map(conversationJson) }
      : {}),
  };
}

const conversationJson = (c: FsConversationRow) => ({
  ...c,
  to_emails: [],
  from_email: null,
  cc_emails: [],
  bcc_emails: [],
  support_email: null,
  source: c.private ? 2 : 0,
  attachments: [],
});

/** Checks page/per_page as Freshservice does (per_page 1..100). */
function paging(req: ApiRequest, ctx: ApiContext, maxPerPage = 100): { page: number; perPage: number } | ApiResult {
  const page = req.query.page === undefined ? 1 : Number(req.query.page);
  const perPage = req.query.per_page === undefined ? 30 : Number(req.query.per_page);
  const errors = [];
  if (!Number.isInteger(page) || page < 1)
    errors.push({ field: 'page', message: 'It should be a Positive Number', code: 'invalid_value' });
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > maxPerPage)
    errors.push({
      field: 'per_page',
      message: `It should be a Positive Number less than or equal to ${maxPerPage}`,
      code: 'invalid_value',
    });
  if (errors.length) {
    ctx.violation(`${req.method} ${req.path}: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`);
    return validationError(errors);
  }
  return { page, perPage };
}

function page<T>(
  req: ApiRequest,
  items: T[],
  p: { page: number; perPage: number },
): { slice: T[]; headers: Record<string, string> } {
  const slice = items.slice((p.page - 1) * p.perPage, p.page * p.perPage);
  const more = p.page * p.perPage < items.length;
  return {
    slice,
    headers: more ? { Link: `<${req.baseUrl}${req.path}?page=${p.page + 1}&per_page=${p.perPage}>; rel="next"` } : {},
  };
}

function unexpectedParams(req: ApiRequest, ctx: ApiContext, allowed: string[]): ApiResult | null {
  const bad = Object.keys(req.query).filter((k) => !allowed.includes(k));
  if (!bad.length) return null;
  ctx.violation(`${req.method} ${req.path}: unexpected query parameter(s) ${bad.join(', ')}`);
  return validationError(
    bad.map((field) => ({ field, message: 'Unexpected/invalid field in request', code: 'invalid_field' })),
  );
}

const ticketOf = (state: FreshserviceState, id: string) => state.tickets.get(Number(id));

const getTicket: Handler = (req, [id], state, ctx) => {
  const bad = unexpectedParams(req, ctx, ['include']);
  if (bad) return bad;
  const include = (req.query.include ?? '').split(',').filter(Boolean);
  const unknown = include.filter((i) => !TICKET_INCLUDES.includes(i));
  if (unknown.length) {
    ctx.violation(`GET ${req.path}: include=${unknown.join(',')} is not one of ${TICKET_INCLUDES.join(', ')}`);
    return validationError([
      {
        field: 'include',
        message: `It should be one of these values: '${TICKET_INCLUDES.join(',')}'`,
        code: 'invalid_value',
      },
    ]);
  }
  const t = ticketOf(state, id);
  return t ? { status: 200, body: { ticket: ticketJson(state, t, include) } } : notFound;
};

const updateTicket: Handler = (req, [id], state, ctx) => {
  const t = ticketOf(state, id);
  if (!t) return notFound;
  const body = req.body as Record<string, unknown>;
  const errors: { field: string; message: string; code: string }[] = [];
  for (const field of Object.keys(body))
    if (!TICKET_UPDATE_FIELDS.includes(field))
      errors.push({ field, message: 'Unexpected/invalid field in request', code: 'invalid_field' });
  if ('status' in body && !(typeof body.status === 'number' && state.statuses[body.status] !== undefined)) {
    errors.push({
      field: 'status',
      message: `It should be one of these values: '${Object.keys(state.statuses).join(',')}'`,
      code: 'invalid_value',
    });
  }
  if (errors.length) {
    ctx.violation(`PUT ${req.path}: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`);
    return validationError(errors);
  }
  if (typeof body.status === 'number') {
    const m = state.setStatus(req.agentId, t, body.status);
    if (m) ctx.emit(m);
  }
  return { status: 200, body: { ticket: ticketJson(state, t, []) } };
};

const listConversations: Handler = (req, [id], state, ctx) => {
  const bad = unexpectedParams(req, ctx, ['page', 'per_page']);
  if (bad) return bad;
  const p = paging(req, ctx);
  if ('status' in p) return p;
  if (!ticketOf(state, id)) return notFound;
  const all = state.conversations.filter((c) => c.ticket_id === Number(id));
  const { slice, headers } = page(req, all, p);
  return { status: 200, headers, body: { conversations: slice.map(conversationJson), meta: { count: all.length } } };
};

const createNote: Handler = (req, [id], state, ctx) => {
  const t = ticketOf(state, id);
  if (!t) return notFound;
  const body = req.body as Record<string, unknown>;
  const errors: { field: string; message: string; code: string }[] = [];
  for (const field of Object.keys(body))
    if (!NOTE_FIELDS.includes(field))
      errors.push({ field, message: 'Unexpected/invalid field in request', code: 'invalid_field' });
  if (typeof body.body !== 'string' || !body.body.trim())
    errors.push({ field: 'body', message: 'It should be a/an String', code: 'missing_field' });
  if ('private' in body && typeof body.private !== 'boolean')
    errors.push({ field: 'private', message: 'It should be a/an Boolean', code: 'datatype_mismatch' });
  if (errors.length) {
    ctx.violation(`POST ${req.path}: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`);
    return validationError(errors);
  }
  // Notes are private unless told otherwise (https://api.freshservice.com/#create_a_note).
  const note = state.addNote(req.agentId, t, body.body as string, body.private !== false);
  ctx.emit({ ticketId: t.id, event: 'note_added' });
  return { status: 201, body: { conversation: conversationJson(note) } };
};

const listActivities: Handler = (req, [id], state, ctx) => {
  const bad = unexpectedParams(req, ctx, []);
  if (bad) return bad;
  if (!ticketOf(state, id)) return notFound;
  return { status: 200, body: { activities: state.activities.get(Number(id)) ?? [] } };
};

const agentJson = (state: FreshserviceState, id: number) => {
  const u = state.user(id);
  if (!u?.agent) return null;
  const [first, ...last] = u.name.split(' ');
  const groups = state.groups.filter((g) => g.members.includes(id)).map((g) => g.id);
  return {
    id: u.id,
    first_name: first,
    last_name: last.join(' ') || null,
    email: u.email,
    active: true,
    occasional: false,
    member_of: groups,
    observer_of: [],
  };
};

const getAgent: Handler = (req, [id], state, ctx) => {
  const bad = unexpectedParams(req, ctx, []);
  if (bad) return bad;
  const agent = agentJson(state, Number(id));
  return agent ? { status: 200, body: { agent } } : notFound;
};

const listAgents: Handler = (req, _p, state, ctx) => {
  const bad = unexpectedParams(req, ctx, ['email', 'page', 'per_page', 'active', 'state']);
  if (bad) return bad;
  const agents = state.options.users.filter(
    (u) => u.agent && (!req.query.email || u.email.toLowerCase() === req.query.email.toLowerCase()),
  );
  return { status: 200, body: { agents: agents.map((u) => agentJson(state, u.id)) } };
};

const listGroups: Handler = (req, _p, state, ctx) => {
  const bad = unexpectedParams(req, ctx, ['page', 'per_page']);
  if (bad) return bad;
  const p = paging(req, ctx);
  if ('status' in p) return p;
  const { slice, headers } = page(req, state.groups, p);
  return {
    status: 200,
    headers,
    body: { groups: slice.map((g) => ({ ...g, description: null, observers: [], leaders: [], restricted: false })) },
  };
};

/** The filter subset credgate sends: `status:N` terms joined by OR, the whole in double quotes. */
const filterTickets: Handler = (req, _p, state, ctx) => {
  const bad = unexpectedParams(req, ctx, ['query', 'page', 'workspace_id']);
  if (bad) return bad;
  const q = req.query.query ?? '';
  const m = /^"(.*)"$/.exec(q);
  const terms = m ? m[1].split(/\s+OR\s+/) : [];
  const statuses = terms.map((t) => /^status:(\d+)$/.exec(t.trim())?.[1]);
  const p = req.query.page === undefined ? 1 : Number(req.query.page);
  if (!m || !terms.length || statuses.some((s) => s === undefined) || !Number.isInteger(p) || p < 1 || p > 10) {
    ctx.violation(`GET ${req.path}: query ${q} is not "status:N OR status:M" in double quotes (or page is not 1..10)`);
    return validationError([{ field: 'query', message: 'Given query is invalid', code: 'invalid_value' }]);
  }
  const all = [...state.tickets.values()].filter((t) => statuses.includes(String(t.status)));
  return {
    status: 200,
    body: { tickets: all.slice((p - 1) * 30, p * 30).map((t) => ticketJson(state, t, [])), total: all.length },
  };
};

const ROUTES: { method: string; path: RegExp; handler: Handler; body?: boolean }[] = [
  { method: 'GET', path: /^\/api\/v2\/tickets\/filter$/, handler: filterTickets },
  { method: 'GET', path: /^\/api\/v2\/tickets\/(\d+)$/, handler: getTicket },
  { method: 'PUT', path: /^\/api\/v2\/tickets\/(\d+)$/, handler: updateTicket, body: true },
  { method: 'GET', path: /^\/api\/v2\/tickets\/(\d+)\/conversations$/, handler: listConversations },
  { method: 'POST', path: /^\/api\/v2\/tickets\/(\d+)\/notes$/, handler: createNote, body: true },
  { method: 'GET', path: /^\/api\/v2\/tickets\/(\d+)\/activities$/, handler: listActivities },
  { method: 'GET', path: /^\/api\/v2\/agents\/(\d+)$/, handler: getAgent },
  { method: 'GET', path: /^\/api\/v2\/agents$/, handler: listAgents },
  { method: 'GET', path: /^\/api\/v2\/groups$/, handler: listGroups },
];

/** Routes one call and checks what every write needs: a JSON body with the right Content-Type. */
export function handleRequest(req: ApiRequest, state: FreshserviceState, ctx: ApiContext): ApiResult {
  const matching = ROUTES.filter((r) => r.path.test(req.path));
  if (!matching.length) {
    ctx.violation(`${req.method} ${req.path}: no such Freshservice API v2 resource in the fake`);
    return notFound;
  }
  const route = matching.find((r) => r.method === req.method);
  if (!route) {
    ctx.violation(
      `${req.method} ${req.path}: method not allowed (allowed: ${matching.map((r) => r.method).join(', ')})`,
    );
    return {
      status: 405,
      headers: { Allow: matching.map((r) => r.method).join(', ') },
      body: { code: 'method_not_allowed', message: `${req.method} is not allowed` },
    };
  }
  if (route.body) {
    if (!/application\/json/i.test(req.contentType)) {
      ctx.violation(`${req.method} ${req.path}: Content-Type is "${req.contentType || 'none'}"`);
      return {
        status: 415,
        body: {
          code: 'invalid_content_type',
          message: `Content-Type header is set to ${req.contentType}. It should be set to application/json`,
        },
      };
    }
    if (!req.body || typeof req.body !== 'object' || Array.isArray(req.body)) {
      ctx.violation(`${req.method} ${req.path}: the body is not a JSON object`);
      return { status: 400, body: { code: 'invalid_json', message: 'Request body has invalid json format' } };
    }
  } else if (req.hasBody) {
    ctx.violation(`${req.method} ${req.path}: a body on a request that takes none`);
  }
  return route.handler(req, (route.path.exec(req.path) as RegExpExecArray).slice(1), state, ctx);
}
