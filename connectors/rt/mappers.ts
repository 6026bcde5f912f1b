import { htmlToText } from '../kit/html-text';
import { createHash } from 'node:crypto';
import type { Actor, StatusChange, TicketReply, TicketSnapshot, WorkflowPosition } from '../../src/domain/ticket';
import { CredgateError } from '../../src/util/errors';
import type { ParsedDelivery } from '../types';
import { positionOfName, statusFor as kitStatusFor } from '../kit';
import { rtBaseUrl, type RtConfig } from './schema';
import type { RtAttachment, RtLink, RtTicket, RtTransaction, RtWebhook } from './types';

/** Pure translations from Request Tracker's REST 2.0 JSON to credgate's types. */

export const CONNECTOR_ID = 'rt';

/**
 * What credgate writes into one comment at most. RT keeps far larger attachments
 * ($MaxAttachmentSize, 10 MiB by default), but a comment is read in a browser and mailed to
 * requestors: 64 KiB of HTML is plenty, and past it the text is cut with a note.
 */
export const MAX_COMMENT_HTML = 64 * 1024;

type Statuses = RtConfig['statuses'];

/** Shared with the other connectors that store comments as HTML. */
export { htmlToText };

/** An attachment's text whatever its type (text/plain as is, text/html flattened). */
export function attachmentText(a: Pick<RtAttachment, 'ContentType' | 'Content'>): string {
  const content = a.Content ?? '';
  return /html/i.test(a.ContentType ?? '') ? htmlToText(content) : content.replace(/\r\n/g, '\n').trim();
}

/**
 * Cuts HTML to RT's comment budget without leaving half a tag or half an entity (RT's scrubber
 * closes the elements left open), and says that it did.
 */
export function capHtml(html: string, max = MAX_COMMENT_HTML): string {
  if (html.length <= max) return html;
  const note = '<p>… (cut: the comment was longer than credgate posts to RT)</p>';
  return (
    html
      .slice(0, max - note.length)
      .replace(/<[^>]*$/, '')
      .replace(/&[#a-z0-9]*$/i, '') + note
  );
}

/**
 * Reads the Scrip's body (webhook-scrip.initialdata). A delivery is one transaction batch, so its id
 * is the ticket and the transactions it reports: RT redelivering it (or anyone replaying it) is
 * recognised, and two batches never share an id.
 */
export function parseWebhook(rawBody: Buffer): ParsedDelivery {
  let body: RtWebhook;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new CredgateError('bad-input', 'the body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new CredgateError('bad-input', 'the body is not a JSON object');
  const ticket = typeof body.ticket === 'number' || typeof body.ticket === 'string' ? String(body.ticket) : '';
  if (!/^\d+$/.test(ticket))
    throw new CredgateError('bad-input', 'the body has no numeric "ticket": is it the credgate Scrip\'s?');
  const txns = Array.isArray(body.transactions) ? body.transactions.map(String).filter((t) => /^\d+$/.test(t)) : [];
  if (!txns.length) throw new CredgateError('bad-input', 'the body names no "transactions"');
  const digest = createHash('sha256').update(txns.join(',')).digest('hex').slice(0, 16);
  return {
    deliveryId: `rt-${ticket}-${txns[0]}-${txns.length}-${digest}`,
    tickets: [{ connector: CONNECTOR_ID, id: ticket, key: `#${ticket}` }],
  };
}

export const positionOf = (status: string, statuses: Statuses): WorkflowPosition =>
  positionOfName(status, statuses, statuses.closed);

export const statusFor = (position: WorkflowPosition, statuses: Statuses): string | null =>
  kitStatusFor(position, statuses);

/** A user link as an actor (REST 2.0 names users by their RT user name). */
export function actorOf(link: RtLink | undefined, names: ReadonlyMap<string, Actor>): Actor | null {
  if (!link || link.type !== 'user' || !link.id) return null;
  return names.get(link.id) ?? { id: link.id, displayName: link.id };
}

/** The transaction an attachment belongs to (a plain id in collections, a link elsewhere). */
export const transactionOf = (a: RtAttachment): string =>
  typeof a.TransactionId === 'object' && a.TransactionId ? String(a.TransactionId.id) : String(a.TransactionId);

/** The first text part of each transaction, by transaction id (multipart containers carry none). */
export function textByTransaction(attachments: RtAttachment[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of attachments) {
    if (!/^text\/(plain|html)/i.test(a.ContentType ?? '')) continue;
    const txn = transactionOf(a);
    if (out.has(txn)) continue;
    const text = attachmentText(a);
    if (text) out.set(txn, text);
  }
  return out;
}

export function customFieldValue(t: RtTicket, name: string): string {
  const cf = (t.CustomFields ?? []).find((c) => c.name.toLowerCase() === name.toLowerCase());
  return (cf?.values ?? []).filter(Boolean).join(', ');
}

/** True when the ticket is in one of the queues credgate serves. */
export const inScope = (queueName: string, config: Pick<RtConfig, 'queues'>): boolean =>
  config.queues.some((q) => q.toLowerCase() === queueName.toLowerCase());

/** TicketSQL string literal: RT reads backslash escapes inside single quotes. */
export const sqlString = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The TicketSQL that finds credgate's open tickets: its queues, in any of the given statuses. */
export function openTicketsQuery(queues: string[], statuses: string[]): string {
  const q = queues.map((n) => `Queue = ${sqlString(n)}`).join(' OR ');
  const s = statuses.map((n) => `Status = ${sqlString(n)}`).join(' OR ');
  return `(${q}) AND (${s})`;
}

export interface SnapshotInput {
  ticket: RtTicket;
  queueName: string;
  history: RtTransaction[];
  attachments: RtAttachment[];
  /** People by RT user name, for display names and emails. */
  people: ReadonlyMap<string, Actor>;
  selfName: string | null;
}

export function toSnapshot(input: SnapshotInput, config: RtConfig): TicketSnapshot {
  const { ticket: t, history, people } = input;
  const text = textByTransaction(input.attachments);
  const mappedFacts: Record<string, string> = {};
  for (const [fact, field] of Object.entries(config.fields)) {
    const value = field ? customFieldValue(t, field) : '';
    if (value) mappedFacts[fact] = value;
  }
  const reporter = actorOf(t.Requestor?.[0] ?? t.Creator, people);
  const create = history.find((x) => x.Type === 'Create');
  const replies: TicketReply[] = history
    .filter((x) => (x.Type === 'Correspond' || x.Type === 'Comment') && x.Creator?.id !== input.selfName)
    .map((x) => ({ x, author: actorOf(x.Creator, people), body: text.get(String(x.id)) ?? '' }))
    .filter((r): r is { x: RtTransaction; author: Actor; body: string } => Boolean(r.author && r.body))
    .map(({ x, author, body }) => ({ id: String(x.id), author, body, at: x.Created }));
  const base = rtBaseUrl(config);
  return {
    ref: { connector: CONNECTOR_ID, id: String(t.id), key: `#${t.id}` },
    url: base ? `${base}/Ticket/Display.html?id=${t.id}` : undefined,
    status: t.Status,
    position: positionOf(t.Status, config.statuses),
    summary: t.Subject ?? '',
    description: create ? (text.get(String(create.id)) ?? '') : '',
    project: input.queueName,
    issueType: (config.typeField && customFieldValue(t, config.typeField)) || input.queueName,
    labels: [],
    reporter,
    mappedFacts,
    replies,
  };
}

/** Status changes from the ticket's history (transactions of type Status), oldest first. */
export function toStatusChanges(
  history: RtTransaction[],
  people: ReadonlyMap<string, Actor>,
  selfName: string | null,
  statuses: Statuses,
): StatusChange[] {
  return history
    .filter((x) => x.Type === 'Status' || (x.Type === 'Set' && x.Field === 'Status'))
    .sort((a, b) => Number(a.id) - Number(b.id))
    .flatMap((x) => {
      const actor = actorOf(x.Creator, people);
      if (!actor) return [];
      const to = x.NewValue ?? '';
      return [
        {
          id: `rt-txn-${x.id}`,
          actor,
          from: x.OldValue ?? '',
          to,
          position: positionOf(to, statuses),
          at: x.Created,
          bySelf: selfName !== null && actor.id === selfName,
        },
      ];
    });
}

/**
 * A ticket as GET /REST/2.0/ticket/{id} returns it, without any API call: for `credgate simulate`.
 * The Scrip's body names a ticket but holds none of it: null.
 */
export function snapshotFromTicket(body: unknown, config: RtConfig): TicketSnapshot | null {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
  const t = body as RtTicket;
  if (typeof t.id !== 'number' || typeof t.Status !== 'string') return null;
  return toSnapshot(
    { ticket: t, queueName: config.queues[0] ?? '', history: [], attachments: [], people: new Map(), selfName: null },
    config,
  );
}
