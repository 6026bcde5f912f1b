/**
 * Desk's REST API, one handler per endpoint, with the checks Desk makes: exact paths and methods,
 * JSON bodies with exactly the documented keys and types, known workflow states. Problems are
 * answered 404/405/422 with Desk's {"message", "errors"} body and recorded as violations.
 */
import type { DeskMutation, DeskState, DeskTicket } from './desk-state';
import { activityJson, noteJson, personJson, ticketJson } from './desk-json';

export interface RestResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface DeskContext {
  state: DeskState;
  params: string[];
  body: unknown;
  as: string;
  violation(message: string): void;
  emit(m: DeskMutation): void;
}

type Handler = (ctx: DeskContext) => RestResult;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const notFound = (what: string): RestResult => ({ status: 404, body: { message: `${what} not found` } });

function unprocessable(ctx: DeskContext, message: string, errors: Record<string, string> = {}): RestResult {
  ctx.violation(`422 ${message}${Object.keys(errors).length ? ` ${JSON.stringify(errors)}` : ''}`);
  return { status: 422, body: { message, errors } };
}

/** Exactly these keys, with these types; anything else is a 422, as Desk's strict API answers. */
function checkBody(
  ctx: DeskContext,
  shape: Record<string, (v: unknown) => boolean>,
  required: string[],
): RestResult | null {
  if (!isObject(ctx.body)) return unprocessable(ctx, 'the body must be a JSON object');
  const errors: Record<string, string> = {};
  for (const k of Object.keys(ctx.body)) if (!(k in shape)) errors[k] = 'is not a known field';
  for (const [k, ok] of Object.entries(shape)) {
    if (!(k in ctx.body)) {
      if (required.includes(k)) errors[k] = 'is required';
    } else if (!ok(ctx.body[k])) errors[k] = 'has the wrong type';
  }
  return Object.keys(errors).length ? unprocessable(ctx, 'invalid body', errors) : null;
}

const ticketOf = (ctx: DeskContext): DeskTicket | undefined => ctx.state.tickets.get(Number(ctx.params[0]));

const ROUTES: { method: string; pattern: RegExp; handler: Handler }[] = [
  {
    method: 'GET',
    pattern: /^\/api\/v1\/me$/,
    handler: (ctx) => ({ status: 200, body: personJson(ctx.state, ctx.as) }),
  },
  {
    method: 'GET',
    pattern: /^\/api\/v1\/tickets\/(\d+)$/,
    handler: (ctx) => {
      const t = ticketOf(ctx);
      return t ? { status: 200, body: { data: ticketJson(ctx.state, t) } } : notFound('ticket');
    },
  },
  {
    method: 'PATCH',
    pattern: /^\/api\/v1\/tickets\/(\d+)$/,
    handler: (ctx) => {
      const t = ticketOf(ctx);
      if (!t) return notFound('ticket');
      const bad = checkBody(ctx, { state: (v) => typeof v === 'string' }, ['state']);
      if (bad) return bad;
      const state = (ctx.body as { state: string }).state;
      if (!ctx.state.options.states.includes(state))
        return unprocessable(ctx, 'invalid state', { state: `must be one of ${ctx.state.options.states.join(', ')}` });
      const m = ctx.state.setState(ctx.as, t, state);
      if (m) ctx.emit(m);
      return { status: 200, body: { data: ticketJson(ctx.state, t) } };
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/v1\/tickets\/(\d+)\/activity$/,
    handler: (ctx) => {
      const t = ticketOf(ctx);
      return t
        ? { status: 200, body: { items: t.activity.map((a) => activityJson(ctx.state, a)) } }
        : notFound('ticket');
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/v1\/tickets\/(\d+)\/notes$/,
    handler: (ctx) => {
      const t = ticketOf(ctx);
      if (!t) return notFound('ticket');
      const bad = checkBody(
        ctx,
        {
          text: (v) => typeof v === 'string' && v.trim().length > 0 && v.length <= 65_535,
          internal: (v) => typeof v === 'boolean',
        },
        ['text'],
      );
      if (bad) return bad;
      const body = ctx.body as { text: string; internal?: boolean };
      const { mutation, note } = ctx.state.addNote(ctx.as, t, body.text, body.internal ?? false);
      ctx.emit(mutation);
      return { status: 201, body: { data: noteJson(ctx.state, note) } };
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/v1\/people\/([\w.-]+)\/teams$/,
    handler: (ctx) => {
      const p = ctx.state.people.get(ctx.params[0]);
      return p
        ? { status: 200, body: { teams: p.teams.map((slug) => ({ slug, name: slug.replace(/-/g, ' ') })) } }
        : notFound('person');
    },
  },
];

export function route(
  method: string,
  path: string,
): { handler: Handler; params: string[] } | { allowed: string[] } | null {
  const matching = ROUTES.filter((r) => r.pattern.test(path));
  if (!matching.length) return null;
  const hit = matching.find((r) => r.method === method);
  if (!hit) return { allowed: matching.map((r) => r.method) };
  return { handler: hit.handler, params: (hit.pattern.exec(path) ?? []).slice(1) };
}
