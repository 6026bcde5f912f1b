import { htmlToText } from '../kit/html-text';
import { createHash } from 'node:crypto';
import type { Actor, StatusChange, TicketReply, TicketSnapshot, WorkflowPosition } from '../../src/domain/ticket';
import type { ParsedDelivery } from '../types';
import { CredgateError } from '../../src/util/errors';
import { freshserviceBaseUrl, type FreshserviceConfig } from './schema';
import type { FsActivity, FsConversation, FsTicket, FsWebhook } from './types';
import { configuredStatuses, positionOfStatus, sameName, statusFor as configuredStatus } from '../kit/positions';

/** Pure translations from Freshservice's JSON to credgate's types. */

export const CONNECTOR_ID = 'freshservice';

type Statuses = FreshserviceConfig['statuses'];
type Status = { id: number; name: string };

/** Freshservice's built-in statuses (https://api.freshservice.com/#ticket_attributes). */
const BUILT_IN: Record<number, string> = { 2: 'Open', 3: 'Pending', 4: 'Resolved', 5: 'Closed' };

const textOf = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

/** Shared with the other connectors that store comments as HTML. */
export { htmlToText };

/**
 * Reads the workflow's webhook body. `{{ticket.id_numeric}}` renders as a number, `{{ticket.id}}`
 * as "#SR-12": both are accepted. The automator sends no delivery id, and no placeholder tells two
 * updates of one second apart, so a delivery's id is unique to its arrival: a redelivery is
 * processed again, which is harmless (credgate re-reads the ticket; every effect is keyed), where
 * a key shared by two real updates would lose the second one.
 */
export function parseWebhook(rawBody: Buffer, nowMs: number): ParsedDelivery {
  let body: FsWebhook;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new CredgateError('bad-input', 'the body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new CredgateError('bad-input', 'the body is not a JSON object');
  const raw = textOf(body.ticket_id).trim();
  if (raw.includes('{{'))
    throw new CredgateError(
      'bad-input',
      `"ticket_id" is the unrendered placeholder ${raw.slice(0, 40)}: check the workflow's webhook content`,
    );
  const id = /^#?(?:[A-Za-z]+-)?(\d+)$/.exec(raw)?.[1];
  if (!id)
    throw new CredgateError('bad-input', 'the body has no "ticket_id": is it the webhook content from the readme?');
  const digest = createHash('sha256').update(rawBody).digest('hex').slice(0, 16);
  return { deliveryId: `${id}:${nowMs}:${digest}`, tickets: [{ connector: CONNECTOR_ID, id, key: `#${id}` }] };
}

/** Statuses are {id, name}: webhooks and tickets carry the id, activities the name. */
export function positionOfId(id: number, statuses: Statuses): WorkflowPosition {
  return positionOfStatus((s) => s.id === id, statuses, statuses.closed);
}

export function positionOfName(name: string, statuses: Statuses): WorkflowPosition {
  const same = sameName(name);
  return positionOfStatus((s) => same(s.name), statuses, statuses.closed);
}

export function statusFor(position: WorkflowPosition, statuses: Statuses): Status | null {
  return configuredStatus(position, statuses);
}

export function statusName(id: number, statuses: Statuses): string {
  const configured = configuredStatuses(statuses, statuses.closed).find((s) => s.id === id);
  return configured?.name ?? BUILT_IN[id] ?? `status ${id}`;
}

/** What agents read: SR-12 for service requests, INC-12 for incidents. */
export function ticketKey(t: Pick<FsTicket, 'id' | 'type'>): string {
  const prefix = t.type === 'Service Request' ? 'SR' : t.type === 'Incident' ? 'INC' : '';
  return prefix ? `${prefix}-${t.id}` : `#${t.id}`;
}

/** Any field value as text: strings, numbers, arrays (multi-select), booleans. */
export function valueText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(valueText).filter(Boolean).join(', ');
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}

/** True when the ticket is one credgate handles under this configuration. */
export function inScope(t: FsTicket, config: FreshserviceConfig): boolean {
  const is = (list: string[], v: string | null | undefined) =>
    !list.length || list.some((x) => x.toLowerCase() === (v ?? '').toLowerCase());
  return is(config.types, t.type) && is(config.categories, t.category);
}

export function toSnapshot(t: FsTicket, conversations: FsConversation[], config: FreshserviceConfig): TicketSnapshot {
  const mappedFacts: Record<string, string> = {};
  for (const [fact, field] of Object.entries(config.fields)) {
    const value = valueText(
      field?.startsWith('cf_') ? t.custom_fields?.[field] : (t as unknown as Record<string, unknown>)[field as string],
    );
    if (value) mappedFacts[fact] = value;
  }
  const requesterId = t.requester?.id ?? t.requester_id;
  const reporter: Actor | null = requesterId
    ? {
        id: String(requesterId),
        displayName: t.requester?.name || `requester ${requesterId}`,
        ...(t.requester?.email ? { email: t.requester.email } : {}),
      }
    : null;
  const replies: TicketReply[] = conversations
    .filter((c) => c.user_id)
    .map((c) => ({
      id: c.id === undefined || c.id === null ? undefined : String(c.id),
      author: {
        id: String(c.user_id),
        displayName: reporter && String(c.user_id) === reporter.id ? reporter.displayName : `user ${c.user_id}`,
      },
      body: htmlToText(c.body ?? c.body_text ?? ''),
      at: c.created_at,
    }));
  const base = freshserviceBaseUrl(config);
  return {
    ref: { connector: CONNECTOR_ID, id: String(t.id), key: ticketKey(t) },
    url: base ? `${base}/a/tickets/${t.id}` : undefined,
    status: statusName(t.status, config.statuses),
    position: positionOfId(t.status, config.statuses),
    summary: t.subject ?? '',
    description: htmlToText(t.description ?? t.description_text ?? ''),
    project: t.type ?? '',
    issueType: t.category ?? '',
    labels: Array.isArray(t.tags) ? t.tags.map(String) : [],
    reporter,
    mappedFacts,
    replies,
  };
}

/** The status an activity sets, from its sentence ("set Status as Approved"); configured names first. */
export function statusSetBy(activity: FsActivity, statuses: Statuses): string | null {
  const lines = [activity.content, ...(activity.sub_contents ?? [])].map(textOf).filter(Boolean);
  const names = [
    ...new Set([...configuredStatuses(statuses, statuses.closed).map((s) => s.name), ...Object.values(BUILT_IN)]),
  ].sort((a, b) => b.length - a.length);
  for (const line of lines) {
    const at = line.search(/set\s+status\s+as\s+/i);
    if (at < 0) continue;
    const rest = line.slice(at).replace(/^set\s+status\s+as\s+/i, '');
    const known = names.find(
      (n) => rest.toLowerCase().startsWith(n.toLowerCase()) && /^\s*(,|\.|$)/.test(rest.slice(n.length)),
    );
    return known ?? rest.split(',')[0].trim();
  }
  return null;
}

/**
 * Status changes from ticket activities, oldest first. Freshservice lists activities newest first
 * and gives them no id, so the id is a digest of when, who and what (plus an occurrence count for
 * identical entries), stable across reads.
 */
export function toStatusChanges(activities: FsActivity[], selfId: string | null, statuses: Statuses): StatusChange[] {
  const chronological = activities
    .map((a, i) => ({ a, i }))
    .sort((x, y) => Date.parse(x.a.created_at) - Date.parse(y.a.created_at) || y.i - x.i);
  const seen = new Map<string, number>();
  const changes: StatusChange[] = [];
  let previous = '';
  for (const { a } of chronological) {
    const to = statusSetBy(a, statuses);
    const actorId = a.actor?.id;
    if (!to || actorId === undefined || actorId === null) continue;
    const digest = createHash('sha256')
      .update(JSON.stringify([a.created_at, actorId, a.content ?? '', a.sub_contents ?? []]))
      .digest('hex')
      .slice(0, 24);
    const n = seen.get(digest) ?? 0;
    seen.set(digest, n + 1);
    changes.push({
      id: `fsa-${digest}${n ? `-${n}` : ''}`,
      actor: { id: String(actorId), displayName: a.actor?.name || `agent ${actorId}` },
      from: previous,
      to,
      position: positionOfName(to, statuses),
      at: a.created_at,
      bySelf: selfId !== null && String(actorId) === selfId,
    });
    previous = to;
  }
  return changes;
}

/**
 * A ticket as GET /api/v2/tickets/{id} returns it (`{ "ticket": {...} }` or bare), without any API
 * call: for `credgate simulate`. The workflow's webhook names a ticket but holds none of it: null.
 */
export function snapshotFromTicket(body: unknown, config: FreshserviceConfig): TicketSnapshot | null {
  const maybe = (body as { ticket?: unknown })?.ticket ?? body;
  if (!maybe || typeof maybe !== 'object' || Array.isArray(maybe)) return null;
  const t = maybe as FsTicket;
  if (typeof t.id !== 'number' || typeof t.status !== 'number') return null;
  return toSnapshot(t, [], config);
}
