import { createHash } from 'node:crypto';
import type {
  Actor,
  StatusChange,
  TicketRef,
  TicketReply,
  TicketSnapshot,
  WorkflowPosition,
} from '../../src/domain/ticket';
import type { ParsedDelivery } from '../types';
import { CredgateError } from '../../src/util/errors';
import { readAll, readOne } from './json-path';
import type { GenericConfig, GenericRequests } from './schema';
import type { HistoryItem, Json } from './types';

/** Pure translations from any system's JSON to credgate's types, through configured JSON paths. */

export const CONNECTOR_ID = 'generic';

/**
 * A JSON value read as text: strings, numbers and booleans only. A signed body is still untrusted
 * JSON, and String() of an object such as {"toString": 1} throws.
 */
export const scalarText = (v: unknown): string =>
  typeof v === 'string' ? v : (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean' ? String(v) : '';

/** Any value as text: scalars, lists of scalars (joined), objects with a name or value. */
export function valueText(v: unknown): string {
  if (Array.isArray(v)) return v.map(valueText).filter(Boolean).join(', ');
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    for (const k of ['value', 'name', 'label', 'title']) if (scalarText(o[k])) return scalarText(o[k]);
    return '';
  }
  return scalarText(v);
}

const firstText = (o: Record<string, unknown>, keys: string[]): string => {
  for (const k of keys) {
    const t = scalarText(o[k]);
    if (t) return t;
  }
  return '';
};

/**
 * A person: a bare id (string or number), or an object read with `personFields` or, by default,
 * the names systems commonly use (id/login/username, name/displayName, email).
 */
export function personOf(value: unknown, fields: GenericConfig['personFields']): Actor | null {
  if (typeof value === 'string' || typeof value === 'number') {
    const id = scalarText(value).trim();
    return id ? { id, displayName: id } : null;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const o = value as Record<string, unknown>;
  const id = fields.id
    ? scalarText(readOne(o, fields.id))
    : firstText(o, ['id', 'login', 'username', 'user_id', 'email']);
  if (!id) return null;
  const name = fields.name
    ? scalarText(readOne(o, fields.name))
    : firstText(o, ['displayName', 'display_name', 'name', 'login', 'username']);
  const email = fields.email
    ? scalarText(readOne(o, fields.email))
    : firstText(o, ['email', 'emailAddress', 'email_address']);
  return { id, displayName: name || id, ...(email ? { email } : {}) };
}

export function parseWebhook(
  rawBody: Buffer,
  deliveryHeader: string | undefined,
  selfId: string | null,
  config: GenericConfig,
): ParsedDelivery {
  let body: Json;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new CredgateError('bad-input', 'the body is not valid JSON');
  }
  const deliveryId =
    (config.deliveryIdPath ? scalarText(readOne(body, config.deliveryIdPath)).trim() : '') ||
    deliveryHeader?.trim() ||
    'sha256:' + createHash('sha256').update(rawBody).digest('hex');
  if (config.actorIdPath && selfId) {
    const actor = readOne(body, config.actorIdPath);
    if (scalarText(actor) === selfId || personOf(actor, config.personFields)?.id === selfId)
      return { deliveryId, tickets: [], ignored: 'caused by credgate itself' };
  }
  const id = scalarText(readOne(body, config.ticketIdPath)).trim();
  if (!id)
    throw new CredgateError(
      'bad-input',
      `the body names no ticket: nothing at ${config.ticketIdPath} (generic.ticketIdPath)`,
    );
  if (id.length > 200) throw new CredgateError('bad-input', 'the ticket id is implausibly long');
  const key = (config.ticketKeyPath ? scalarText(readOne(body, config.ticketKeyPath)).trim() : '') || id;
  return { deliveryId, tickets: [{ connector: CONNECTOR_ID, id, key }] };
}

export function positionOf(status: string, statuses: GenericConfig['statuses']): WorkflowPosition {
  const s = status.trim().toLowerCase();
  if (!s) return 'other';
  const hit = Object.entries(statuses).find(([value]) => value.trim().toLowerCase() === s);
  return hit ? hit[1] : 'other';
}

/** The system's status value for a position: the first one configured for it. */
export function valueFor(position: WorkflowPosition, statuses: GenericConfig['statuses']): string | null {
  if (position === 'other' || position === 'closed') return null;
  return Object.entries(statuses).find(([, p]) => p === position)?.[0] ?? null;
}

/** Comments, oldest as the system lists them, from a document (getTicket's or getComments' answer). */
export function toReplies(doc: Json, config: GenericConfig): TicketReply[] {
  const { commentFields } = config;
  return readAll(doc, config.commentPath).flatMap((c) => {
    const author = personOf(readOne(c, commentFields.author), config.personFields);
    return author
      ? [{ author, body: valueText(readOne(c, commentFields.body)), at: scalarText(readOne(c, commentFields.at)) }]
      : [];
  });
}

/**
 * The ticket object (getTicket's answer at `responseMapping.ticket`); comments come from
 * `commentsDoc`: the ticket object itself, or getComments' answer when configured.
 */
export function toSnapshot(doc: Json, commentsDoc: Json, ref: TicketRef, config: GenericConfig): TicketSnapshot {
  const text = (path: string | undefined) => (path ? valueText(readOne(doc, path)) : '');
  const mappedFacts: Record<string, string> = {};
  for (const [fact, path] of Object.entries(config.fieldsPaths)) {
    const value = valueText(readAll(doc, path as string));
    if (value) mappedFacts[fact] = value;
  }
  const status = text(config.statusPath);
  const url = text(config.urlPath);
  return {
    ref,
    ...(url ? { url } : {}),
    status,
    position: positionOf(status, config.statuses),
    summary: text(config.summaryPath),
    description: text(config.descriptionPath),
    project: text(config.projectPath),
    issueType: text(config.issueTypePath),
    labels: config.labelsPath
      ? readAll(doc, config.labelsPath)
          .flatMap((l) => (Array.isArray(l) ? l : [l]))
          .map(valueText)
          .filter(Boolean)
      : [],
    reporter: personOf(readOne(doc, config.requesterPath), config.personFields),
    mappedFacts,
    replies: toReplies(commentsDoc, config),
  };
}

/** History items, read with getHistory's responseMapping and filter. */
export function toHistory(
  doc: Json,
  mapping: GenericRequests['getHistory']['responseMapping'],
  personFields: GenericConfig['personFields'],
): HistoryItem[] {
  const out: HistoryItem[] = [];
  for (const item of readAll(doc, mapping.items)) {
    if (mapping.filterPath && scalarText(readOne(item, mapping.filterPath)) !== (mapping.filterEquals ?? '')) continue;
    const id = scalarText(readOne(item, mapping.id));
    const actor = personOf(readOne(item, mapping.actor), personFields);
    if (!id || !actor) continue;
    out.push({
      id,
      actor,
      to: valueText(readOne(item, mapping.to)),
      from: mapping.from ? valueText(readOne(item, mapping.from)) : '',
      at: scalarText(readOne(item, mapping.at)),
    });
  }
  return out;
}

/** Status changes from the history, oldest first (stable for equal times). */
export function toStatusChanges(
  items: HistoryItem[],
  selfId: string | null,
  statuses: GenericConfig['statuses'],
): StatusChange[] {
  return items
    .map((h, index) => ({
      index,
      change: { ...h, position: positionOf(h.to, statuses), bySelf: selfId !== null && h.actor.id === selfId },
    }))
    .sort((a, b) => (Date.parse(a.change.at) || 0) - (Date.parse(b.change.at) || 0) || a.index - b.index)
    .map((x) => x.change);
}

/** Group names from getGroups' answer. */
export function toGroups(doc: Json, path: string): string[] {
  return readAll(doc, path).map(valueText).filter(Boolean);
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** A stored comment as a reader sees it, whatever markup it was written in. */
export function readableComment(body: string, markup: GenericConfig['markup']): string {
  let out = body.replace(/\u2060/g, '');
  if (markup === 'html') {
    out = out.replace(/<[^>]*>/g, ' ').replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
      if (e[0] !== '#') return ENTITIES[e.toLowerCase()] ?? m;
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    });
  }
  if (markup === 'markdown' || markup === 'jira-wiki') out = out.replace(/\\(.)/g, '$1');
  return out;
}

/** The ticket a webhook body describes, without any API call: for `credgate simulate` only. */
export function snapshotFromPayload(body: unknown, config: GenericConfig): TicketSnapshot | null {
  if (!body || typeof body !== 'object') return null;
  const id = scalarText(readOne(body, config.ticketIdPath)).trim();
  if (!id) return null;
  const key = (config.ticketKeyPath ? scalarText(readOne(body, config.ticketKeyPath)).trim() : '') || id;
  const ticket = config.webhookTicketPath ? readOne(body, config.webhookTicketPath) : body;
  if (!ticket || typeof ticket !== 'object') return null;
  return toSnapshot(ticket, ticket, { connector: CONNECTOR_ID, id, key }, config);
}
