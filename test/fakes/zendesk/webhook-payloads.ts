/**
 * Webhook bodies as Zendesk sends them for one mutation.
 *
 * - `event` style: a webhook subscribed to ticket events gets one delivery per event, with the
 *   documented envelope (type, account_id, id, time, zendesk_event_version, subject, detail, event)
 *   https://developer.zendesk.com/api-reference/webhooks/event-types/ticket-events/
 * - `trigger` style: a webhook connected to a trigger gets the JSON body the admin wrote; the fake
 *   writes the one credgate's readme documents.
 */
import { randomUUID } from 'node:crypto';
import type { Mutation, StoredTicket, ZendeskState } from './zendesk-state';

export const ACCOUNT_ID = 12514403;

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const idOrNull = (v: number | null) => (v === null ? null : String(v));

function detail(t: StoredTicket, actor: number): Record<string, unknown> {
  return {
    actor_id: String(actor),
    assignee_id: null,
    brand_id: '360000000001',
    created_at: t.createdAt,
    custom_status: '1',
    description: t.description,
    external_id: null,
    form_id: idOrNull(t.formId),
    group_id: idOrNull(t.groupId),
    id: String(t.id),
    is_public: t.comments[0]?.public ?? true,
    organization_id: null,
    priority: null,
    requester_id: String(t.requesterId),
    status: cap(t.status),
    subject: t.subject,
    submitter_id: String(t.submitterId),
    tags: [...t.tags],
    type: null,
    updated_at: t.updatedAt,
    via: { channel: t.audits[t.audits.length - 1]?.channel ?? 'web' },
  };
}

function envelope(type: string, t: StoredTicket, actor: number, time: string, event: unknown): Record<string, unknown> {
  return {
    type: `zen:event-type:ticket.${type}`,
    account_id: ACCOUNT_ID,
    id: randomUUID(),
    time,
    zendesk_event_version: '2022-11-06',
    subject: `zen:ticket:${t.id}`,
    detail: detail(t, actor),
    event,
  };
}

/** The event deliveries one mutation causes, in the order Zendesk lists its audit's events. */
export function eventPayloads(state: ZendeskState, m: Mutation): Record<string, unknown>[] {
  const { ticket, audit } = m;
  const sequence = (position: number) => ({ meta: { sequence: { id: `seq-${audit.id}`, position } } });
  if (m.created) return [envelope('created', ticket, audit.authorId, audit.createdAt, { meta: sequence(1).meta })];
  const out: Record<string, unknown>[] = [];
  audit.events.forEach((e, i) => {
    const base = sequence(i + 1);
    if (e.type === 'Comment') {
      const author = state.users.get(audit.authorId);
      out.push(
        envelope('comment_added', ticket, audit.authorId, audit.createdAt, {
          ...base,
          comment: {
            id: String(e.id),
            body: e.body,
            is_public: e.public,
            author: { id: String(audit.authorId), is_staff: author?.role !== 'end-user', name: author?.name ?? '' },
          },
        }),
      );
    } else if (e.type === 'Change' && e.field_name === 'status') {
      out.push(
        envelope('status_changed', ticket, audit.authorId, audit.createdAt, {
          ...base,
          current: cap(String(e.value)),
          previous: cap(String(e.previous_value)),
        }),
      );
    } else if (e.type === 'Change' && e.field_name === 'tags') {
      const before = new Set(e.previous_value as string[]);
      const after = new Set(e.value as string[]);
      out.push(
        envelope('tags_changed', ticket, audit.authorId, audit.createdAt, {
          ...base,
          tags_added: [...after].filter((t) => !before.has(t)),
          tags_removed: [...before].filter((t) => !after.has(t)),
        }),
      );
    } else if (e.type === 'Change' && /^\d+$/.test(String(e.field_name))) {
      const id = Number(e.field_name);
      const field = state.taggers.get(id) ?? state.texts.get(id);
      out.push(
        envelope('custom_field_changed', ticket, audit.authorId, audit.createdAt, {
          ...base,
          current: e.value,
          previous: e.previous_value,
          custom_field: {
            id: String(id),
            title: field?.title ?? '',
            field_type: state.taggers.has(id) ? 'tagger' : 'text',
          },
        }),
      );
    }
  });
  return out;
}

/** The body credgate's readme tells admins to give a trigger's "Notify by webhook" action. */
export function triggerPayload(m: Mutation): Record<string, unknown> {
  return { ticket_id: String(m.ticket.id), actor_id: String(m.audit.authorId), updated_at: m.ticket.updatedAt };
}
