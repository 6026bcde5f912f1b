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
import type { ZendeskConfig } from './schema';
import type {
  ZendeskAudit,
  ZendeskComment,
  ZendeskEventWebhook,
  ZendeskTicket,
  ZendeskTriggerWebhook,
  ZendeskUser,
} from './types';
import { positionOfName, statusFor } from '../kit/positions';

/** Pure translations from Zendesk's JSON to credgate's types. */

export const CONNECTOR_ID = 'zendesk';

/**
 * Ticket events that can change a request; other ticket events (priority, assignee, followers...)
 * and every non-ticket event (users, organizations, articles) are acknowledged and ignored.
 * https://developer.zendesk.com/api-reference/webhooks/event-types/ticket-events/
 */
const HANDLED_EVENTS = new Set(
  [
    'created',
    'status_changed',
    'custom_status_changed',
    'custom_field_changed',
    'comment_added',
    'description_changed',
    'subject_changed',
    'form_changed',
    'tags_changed',
    'requester_changed',
    'group_assignment_changed',
    'soft_deleted',
    'permanently_deleted',
    'undeleted',
  ].map((e) => `zen:event-type:ticket.${e}`),
);

/**
 * A webhook value read as an id: only strings and numbers are read, because a signed body is still
 * untrusted JSON and String() of an object such as {"toString": 1} throws.
 */
export const idText = (v: unknown): string =>
  typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : typeof v === 'string' ? v.trim() : '';

const text = (v: unknown): string =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';

export const refOf = (id: string): TicketRef => ({ connector: CONNECTOR_ID, id, key: `#${id}` });

export function parseWebhook(
  rawBody: Buffer,
  invocationId: string | undefined,
  selfId: string | null,
  config: Pick<ZendeskConfig, 'ticketForms'>,
): ParsedDelivery {
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new CredgateError('bad-input', 'the body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new CredgateError('bad-input', 'the body is not a JSON object');
  const digest = () => 'sha256:' + createHash('sha256').update(rawBody).digest('hex');

  const event = body as ZendeskEventWebhook;
  if (typeof event.type === 'string' && event.type.startsWith('zen:event-type:')) {
    // The event id is the same on every retry and across webhooks subscribed to the same event.
    const deliveryId = idText(event.id) || invocationId?.trim() || digest();
    if (!HANDLED_EVENTS.has(event.type))
      return { deliveryId, tickets: [], ignored: `event ${event.type} is not handled` };
    const detail = typeof event.detail === 'object' && event.detail !== null ? event.detail : {};
    if (selfId && idText(detail.actor_id) === selfId)
      return { deliveryId, tickets: [], ignored: 'caused by credgate itself' };
    const form = idText(detail.form_id);
    if (form && config.ticketForms.length && !config.ticketForms.includes(form)) {
      return { deliveryId, tickets: [], ignored: `ticket form ${form} is not configured` };
    }
    const id = idText(detail.id) || (/^zen:ticket:(\d+)$/.exec(text(event.subject))?.[1] ?? '');
    if (!/^\d+$/.test(id)) throw new CredgateError('bad-input', `the ${event.type} delivery names no ticket`);
    return { deliveryId, tickets: [refOf(id)] };
  }

  // A trigger or automation webhook: the JSON body the admin wrote (readme.md documents one).
  const trigger = body as ZendeskTriggerWebhook;
  const deliveryId = invocationId?.trim() || digest();
  const id =
    idText(trigger.ticket_id) ||
    idText(typeof trigger.ticket === 'object' && trigger.ticket !== null ? trigger.ticket.id : undefined);
  if (!/^\d+$/.test(id)) {
    throw new CredgateError(
      'bad-input',
      'the body names no ticket: a trigger webhook must send {"ticket_id": "{{ticket.id}}", "actor_id": "{{current_user.id}}"}',
    );
  }
  const actor = idText(trigger.actor_id) || idText(trigger.current_user_id);
  if (selfId && actor === selfId) return { deliveryId, tickets: [], ignored: 'caused by credgate itself' };
  return { deliveryId, tickets: [refOf(id)] };
}

/** A Zendesk user as credgate's actor; users the API did not return keep their id as name. */
export function actorOf(id: unknown, users: ReadonlyMap<string, ZendeskUser>): Actor | null {
  const key = idText(id);
  if (!key) return null;
  const u = users.get(key);
  return { id: key, displayName: u?.name || `Zendesk user ${key}`, ...(u?.email ? { email: u.email } : {}) };
}

/** The value of one custom field on a ticket, as text ('' when unset). */
export function customFieldValue(ticket: ZendeskTicket, fieldId: string): string {
  const f = (ticket.custom_fields ?? []).find((c) => idText(c.id) === fieldId);
  const v = f?.value;
  return Array.isArray(v) ? v.map(text).filter(Boolean).join(', ') : text(v);
}

export function positionOfValue(value: string, statuses: ZendeskConfig['statuses']): WorkflowPosition {
  // No closed values here: the ticket's own status decides "closed" (positionOf).
  return positionOfName(value, statuses);
}

/** Where a ticket stands: a closing Zendesk status wins over the approval field. */
export function positionOf(
  ticket: ZendeskTicket,
  config: Pick<ZendeskConfig, 'statuses' | 'approvalField'>,
): WorkflowPosition {
  if ((config.statuses.closed as string[]).includes(text(ticket.status))) return 'closed';
  return config.approvalField
    ? positionOfValue(customFieldValue(ticket, config.approvalField), config.statuses)
    : 'other';
}

/** The approval field's value for a position credgate may set; null for positions it never sets. */
export function valueFor(position: WorkflowPosition, statuses: ZendeskConfig['statuses']): string | null {
  return statusFor(position, statuses);
}

/** True when the ticket is one credgate handles under this configuration. */
export function inScope(ticket: ZendeskTicket, config: Pick<ZendeskConfig, 'ticketForms'>): boolean {
  return !config.ticketForms.length || config.ticketForms.includes(idText(ticket.ticket_form_id));
}

/** Names Zendesk shows for what the snapshot only has ids of. */
export interface SnapshotNames {
  users: ReadonlyMap<string, ZendeskUser>;
  /** The ticket form's name: the ticket's issue type (falls back to Zendesk's ticket type). */
  formName?: string;
  /** The ticket's group: its queue, credgate's "project". */
  groupName?: string;
  baseUrl?: string;
}

export function toSnapshot(
  ticket: ZendeskTicket,
  comments: ZendeskComment[],
  names: SnapshotNames,
  config: ZendeskConfig,
): TicketSnapshot {
  const id = idText(ticket.id);
  const mappedFacts: Record<string, string> = {};
  for (const [fact, fieldId] of Object.entries(config.fields)) {
    const value = customFieldValue(ticket, fieldId as string);
    if (value) mappedFacts[fact] = value;
  }
  const replies: TicketReply[] = comments.flatMap((c) => {
    const author = actorOf(c.author_id, names.users);
    return author
      ? [
          {
            id: c.id === undefined || c.id === null ? undefined : String(c.id),
            author,
            body: commentText(c),
            at: c.created_at ?? '',
          },
        ]
      : [];
  });
  const approval = config.approvalField ? customFieldValue(ticket, config.approvalField) : '';
  return {
    ref: refOf(id),
    url: names.baseUrl ? `${names.baseUrl}/agent/tickets/${id}` : undefined,
    // The Zendesk status, and the approval decision when there is one: both are what people see.
    status: approval ? `${text(ticket.status)} / ${approval}` : text(ticket.status),
    position: positionOf(ticket, config),
    summary: text(ticket.subject),
    description: text(ticket.description),
    project: names.groupName ?? '',
    issueType: names.formName ?? text(ticket.type),
    labels: Array.isArray(ticket.tags) ? ticket.tags.filter((t): t is string => typeof t === 'string') : [],
    reporter: actorOf(ticket.requester_id, names.users),
    mappedFacts,
    replies,
  };
}

/**
 * The approval field's changes and the closing status changes, from the ticket's audits (the
 * ticket's own history, read back through the API, never trusted from a webhook), oldest first.
 * `optionNames` turns field values into the option names people see ("Approved").
 */
export function toStatusChanges(
  audits: ZendeskAudit[],
  users: ReadonlyMap<string, ZendeskUser>,
  selfId: string | null,
  config: Pick<ZendeskConfig, 'statuses' | 'approvalField'>,
  optionNames: ReadonlyMap<string, string> = new Map(),
): StatusChange[] {
  const changes: StatusChange[] = [];
  const closed = config.statuses.closed as string[];
  for (const audit of audits) {
    const actor = actorOf(audit.author_id, users);
    if (!actor || !Array.isArray(audit.events)) continue;
    for (const e of audit.events) {
      if (e.type !== 'Change' && e.type !== 'Create') continue;
      const field = text(e.field_name);
      let to: string;
      let from: string;
      let position: WorkflowPosition;
      if (config.approvalField && field === config.approvalField) {
        const value = text(e.value);
        position = positionOfValue(value, config.statuses);
        to = optionNames.get(value) ?? value;
        from = optionNames.get(text(e.previous_value)) ?? text(e.previous_value);
      } else if (field === 'status') {
        to = text(e.value);
        from = text(e.previous_value);
        position = closed.includes(to) ? 'closed' : 'other';
      } else continue;
      changes.push({
        id: `${idText(audit.id)}:${idText(e.id)}`,
        actor,
        from,
        to,
        position,
        at: audit.created_at,
        bySelf: selfId !== null && actor.id === selfId,
      });
    }
  }
  return changes.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || compareIds(a.id, b.id));
}

/** Audit ids are integers that can exceed 2^53 in string form: compare by length, then text. */
const compareIds = (a: string, b: string) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);

/** Plain text of a comment: Zendesk's plain body, else its HTML body flattened. */
export function commentText(c: ZendeskComment): string {
  return text(c.plain_body) || text(c.body) || htmlToText(text(c.html_body));
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** HTML flattened to text: blocks become lines, tags go, entities are decoded. */
export function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<li[^>]*>/gi, '- ')
    .replace(/<\/(p|div|li|h[1-6]|ul|ol|pre|blockquote|tr)>|<hr\s*\/?>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
      if (e[0] !== '#') return ENTITIES[e.toLowerCase()] ?? m;
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    })
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** True when a comment says `marker`, however Zendesk stored it (HTML-escaped, or plain). */
export function commentMentions(c: ZendeskComment, marker: string): boolean {
  const wanted = marker.replace(/\u2060/g, '');
  return [text(c.body), text(c.plain_body), htmlToText(text(c.html_body))].some((t) =>
    t.replace(/\u2060/g, '').includes(wanted),
  );
}

/**
 * The ticket an event webhook describes, without any API call: for `credgate simulate` only. Event
 * deliveries carry no custom fields or comments, and trigger deliveries only what the admin wrote.
 */
export function snapshotFromPayload(body: unknown, config: ZendeskConfig): TicketSnapshot | null {
  if (typeof body !== 'object' || body === null) return null;
  const b = body as ZendeskEventWebhook & ZendeskTriggerWebhook & { ticket?: Partial<ZendeskTicket> };
  if (typeof b.type === 'string' && !b.type.startsWith('zen:event-type:ticket.')) return null;
  const detail = (
    typeof b.detail === 'object' && b.detail !== null
      ? b.detail
      : typeof b.ticket === 'object' && b.ticket !== null
        ? b.ticket
        : null
  ) as Record<string, unknown> | null;
  const id = idText(detail?.id) || idText(b.ticket_id);
  if (!detail || !/^\d+$/.test(id)) return null;
  const ticket: ZendeskTicket = {
    id,
    subject: text(detail.subject),
    description: text(detail.description),
    status: text(detail.status).toLowerCase(),
    type: text(detail.type),
    requester_id: idText(detail.requester_id) || null,
    tags: Array.isArray(detail.tags)
      ? (detail.tags as unknown[]).filter((t): t is string => typeof t === 'string')
      : [],
    custom_fields: Array.isArray(detail.custom_fields) ? (detail.custom_fields as ZendeskTicket['custom_fields']) : [],
  };
  return toSnapshot(ticket, [], { users: new Map() }, config);
}
