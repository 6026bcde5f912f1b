import { htmlToText } from '../kit/html-text';
import { createHash } from 'node:crypto';
import type { Actor, StatusChange, TicketReply, TicketSnapshot, WorkflowPosition } from '../../src/domain/ticket';
import { CredgateError } from '../../src/util/errors';
import type { ParsedDelivery } from '../types';
import { positionOfName, type StatusNames } from '../kit';
import { ninjaoneBaseUrl, type NinjaoneConfig } from './schema';
import type { NjActivityNotification, NjLogEntry, NjStatus, NjTicket, NjUser } from './types';

/** Pure translations from NinjaOne's JSON to credgate's types. */

export const CONNECTOR_ID = 'ninjaone';

type Statuses = NinjaoneConfig['statuses'];

/** What a reader sees of a status: its display name, else its name. */
export const statusLabel = (s: NjStatus | null | undefined): string => s?.displayName || s?.name || '';

/** The position a status stands for, by display name or name (custom statuses are named by people). */
export function positionOf(s: NjStatus | null | undefined, statuses: Statuses): WorkflowPosition {
  const names: StatusNames = statuses;
  for (const label of [s?.displayName, s?.name]) {
    const position = positionOfName(label, names, statuses.closed);
    if (position !== 'other') return position;
  }
  return 'other';
}

/** The account's status with the configured name (display name or name, case-insensitive). */
export function findStatus(all: NjStatus[], name: string): NjStatus | undefined {
  const n = name.trim().toLowerCase();
  return (
    all.find((s) => (s.displayName ?? '').trim().toLowerCase() === n) ??
    all.find((s) => (s.name ?? '').trim().toLowerCase() === n)
  );
}

/** Shared with the other connectors that store comments as HTML. */
export { htmlToText };

const entryText = (e: NjLogEntry): string => (e.body ? e.body : htmlToText(e.htmlBody ?? ''));

/** A positive integer id in a notification, where NinjaOne may put it. */
function idIn(v: unknown): string | null {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return String(v);
  if (typeof v === 'string' && /^\d+$/.test(v.trim())) return v.trim();
  return null;
}

/**
 * Reads an activity notification. NinjaOne's description specifies no webhook payload, so credgate
 * takes only the ticket id from it (top level, or under `data`) and the activity id as the delivery
 * id; everything that counts is read back through the API. Activities about anything but tickets
 * are acknowledged and ignored.
 */
export function parseWebhook(rawBody: Buffer): ParsedDelivery {
  let body: NjActivityNotification;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new CredgateError('bad-input', 'the body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new CredgateError('bad-input', 'the body is not a JSON object');
  const data = (body.data ?? {}) as {
    ticketId?: unknown;
    ticket?: { id?: unknown };
    message?: { params?: { ticketId?: unknown } };
  };
  const ticketId =
    idIn(body.ticketId) ?? idIn(data.ticketId) ?? idIn(data.ticket?.id) ?? idIn(data.message?.params?.ticketId);
  const digest = createHash('sha256').update(rawBody).digest('hex').slice(0, 24);
  const activityId = idIn(body.id);
  const deliveryId = activityId ? `activity-${activityId}` : `body-${digest}`;
  if (!ticketId) {
    if (body.activityType === 'NINJA_TICKETING')
      throw new CredgateError('bad-input', 'the ticketing activity names no ticket id ("ticketId")');
    return {
      deliveryId,
      tickets: [],
      ignored: `activity ${String(body.activityType ?? 'without a type')} is about no ticket`,
    };
  }
  return { deliveryId, tickets: [{ connector: CONNECTOR_ID, id: ticketId, key: `#${ticketId}` }] };
}

/** A person by uid, as the users list names them. */
export function actorOf(uid: string, users: Map<string, NjUser>): Actor {
  const u = users.get(uid);
  const name = [u?.firstName, u?.lastName].filter(Boolean).join(' ');
  return { id: uid, displayName: name || u?.email || `user ${uid}`, ...(u?.email ? { email: u.email } : {}) };
}

/** Any attribute value as text (strings, numbers, lists, options with a name or value). */
export function valueText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (Array.isArray(v)) return v.map(valueText).filter(Boolean).join(', ');
  if (typeof v === 'object') {
    const o = v as { name?: unknown; value?: unknown };
    return valueText(o.name ?? o.value);
  }
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}

export interface SnapshotContext {
  users: Map<string, NjUser>;
  organization: string;
  form: string;
}

export function toSnapshot(
  t: NjTicket,
  entries: NjLogEntry[],
  config: NinjaoneConfig,
  ctx: SnapshotContext,
): TicketSnapshot {
  const mappedFacts: Record<string, string> = {};
  for (const [fact, attributeId] of Object.entries(config.fields)) {
    const value = valueText(t.attributeValues?.find((a) => a.attributeId === attributeId)?.value);
    if (value) mappedFacts[fact] = value;
  }
  const oldestFirst = [...entries].sort((a, b) => a.id - b.id);
  const description = oldestFirst.find((e) => e.type === 'DESCRIPTION');
  const replies: TicketReply[] = oldestFirst
    .filter((e) => e.type === 'COMMENT' && e.appUserContactUid)
    .map((e) => ({
      id: String(e.id),
      author: actorOf(e.appUserContactUid!, ctx.users),
      body: entryText(e),
      at: new Date((e.createTime ?? 0) * 1000).toISOString(),
    }));
  return {
    ref: { connector: CONNECTOR_ID, id: String(t.id), key: `#${t.id}` },
    url: `${ninjaoneBaseUrl(config)}/#/ticketing/ticket/${t.id}`,
    status: statusLabel(t.status),
    position: positionOf(t.status, config.statuses),
    summary: t.subject ?? '',
    description: description ? entryText(description) : '',
    project: ctx.organization,
    issueType: ctx.form,
    labels: Array.isArray(t.tags) ? t.tags.map(String) : [],
    reporter: t.requesterUid ? actorOf(t.requesterUid, ctx.users) : null,
    mappedFacts,
    replies,
  };
}

/** The status ids a SAVE entry's change diff records ({ status: { old, new } }), if it changed the status. */
export function statusDiff(e: NjLogEntry): { from: string; to: string } | null {
  const s = (e.changeDiff as { status?: { old?: unknown; new?: unknown } } | null | undefined)?.status;
  if (!s || s.new === undefined || s.new === null) return null;
  const text = (v: unknown) =>
    typeof v === 'object' && v ? String((v as { statusId?: unknown }).statusId ?? '') : String(v ?? '');
  return { from: text(s.old), to: text(s.new) };
}

/**
 * Status changes from the ticket's log entries, oldest first: each SAVE whose change diff moves the
 * status, with who made it. An entry with no person behind it (the API client, an automation) is
 * credgate's own or a rule's: never an approval.
 */
export function toStatusChanges(
  entries: NjLogEntry[],
  statuses: NjStatus[],
  users: Map<string, NjUser>,
  config: Pick<NinjaoneConfig, 'statuses' | 'selfUid'>,
): StatusChange[] {
  const byId = new Map(statuses.map((s) => [String(s.statusId), s]));
  const changes: StatusChange[] = [];
  for (const e of [...entries].sort((a, b) => a.id - b.id)) {
    if (e.type !== 'SAVE') continue;
    const diff = statusDiff(e);
    if (!diff) continue;
    const to = byId.get(diff.to);
    const uid = e.appUserContactUid;
    const bySelf = !uid || e.system === true || (config.selfUid !== undefined && uid === config.selfUid);
    changes.push({
      id: `njl-${e.id}`,
      actor: uid ? actorOf(uid, users) : { id: 'ninjaone-api', displayName: 'NinjaOne API' },
      from: statusLabel(byId.get(diff.from)) || diff.from,
      to: statusLabel(to) || diff.to,
      position: positionOf(to, config.statuses),
      at: new Date((e.createTime ?? 0) * 1000).toISOString(),
      bySelf,
    });
  }
  return changes;
}

/** A ticket as GET /v2/ticketing/ticket/{id} returns it, with no API call: for `credgate simulate`. */
export function snapshotFromTicket(body: unknown, config: NinjaoneConfig): TicketSnapshot | null {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
  const t = body as NjTicket;
  if (typeof t.id !== 'number' || typeof t.clientId !== 'number') return null;
  return toSnapshot(t, [], config, {
    users: new Map(),
    organization: `organization ${t.clientId}`,
    form: `form ${t.ticketFormId}`,
  });
}
