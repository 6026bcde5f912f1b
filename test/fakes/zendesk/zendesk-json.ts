/**
 * The fake's data as Zendesk's REST API renders it (ids are integers, times second-precision UTC,
 * every documented property present). https://developer.zendesk.com/api-reference/ticketing/
 */
import type { StoredAudit, StoredComment, StoredTicket, ZendeskState } from './zendesk-state';
import type { FakeZendeskUser } from './types';

export function userJson(state: ZendeskState, u: FakeZendeskUser): Record<string, unknown> {
  return {
    id: u.id,
    url: `${state.baseUrl}/api/v2/users/${u.id}.json`,
    name: u.name,
    email: u.email,
    role: u.role,
    active: true,
    verified: true,
    suspended: false,
    time_zone: 'UTC',
    locale: 'en-US',
    organization_id: null,
    default_group_id: u.groups.length ? state.groupId(u.groups[0]) : null,
    created_at: '2026-01-05T09:00:00Z',
    updated_at: '2026-01-05T09:00:00Z',
  };
}

export function ticketJson(state: ZendeskState, t: StoredTicket): Record<string, unknown> {
  const custom = [...t.customFields].map(([id, value]) => ({ id, value }));
  return {
    url: `${state.baseUrl}/api/v2/tickets/${t.id}.json`,
    id: t.id,
    external_id: null,
    via: { channel: t.audits[0]?.channel ?? 'web', source: { from: {}, to: {}, rel: null } },
    created_at: t.createdAt,
    updated_at: t.updatedAt,
    generated_timestamp: Math.floor(Date.parse(t.updatedAt) / 1000),
    type: null,
    subject: t.subject,
    raw_subject: t.subject,
    description: t.description,
    priority: null,
    status: t.status,
    recipient: null,
    requester_id: t.requesterId,
    submitter_id: t.submitterId,
    assignee_id: null,
    organization_id: null,
    group_id: t.groupId,
    collaborator_ids: [],
    follower_ids: [],
    email_cc_ids: [],
    forum_topic_id: null,
    problem_id: null,
    has_incidents: false,
    is_public: t.comments[0]?.public ?? true,
    due_at: null,
    tags: [...t.tags],
    custom_fields: custom,
    satisfaction_rating: null,
    sharing_agreement_ids: [],
    custom_status_id: 1,
    encoded_id: `FAKE-${t.id}`,
    fields: custom,
    followup_ids: [],
    ticket_form_id: t.formId,
    brand_id: 360000000001,
    allow_channelback: false,
    allow_attachments: true,
    from_messaging_channel: false,
  };
}

export function commentJson(c: StoredComment): Record<string, unknown> {
  return {
    id: c.id,
    type: 'Comment',
    author_id: c.authorId,
    body: c.plain,
    html_body: c.html,
    plain_body: c.plain,
    public: c.public,
    attachments: [],
    audit_id: c.auditId,
    via: { channel: c.channel, source: { from: {}, to: {}, rel: null } },
    created_at: c.createdAt,
    metadata: { system: { client: 'fake', ip_address: '127.0.0.1' }, custom: {} },
  };
}

export function auditJson(a: StoredAudit): Record<string, unknown> {
  return {
    id: a.id,
    ticket_id: a.ticketId,
    created_at: a.createdAt,
    author_id: a.authorId,
    metadata: { system: { client: 'fake', ip_address: '127.0.0.1' }, custom: {} },
    via: { channel: a.channel, source: { from: {}, to: {}, rel: null } },
    events: a.events.map((e) => ({ ...e })),
  };
}

export function groupJson(state: ZendeskState, id: number, name: string): Record<string, unknown> {
  return {
    id,
    url: `${state.baseUrl}/api/v2/groups/${id}.json`,
    name,
    description: '',
    default: false,
    deleted: false,
    is_public: true,
    created_at: '2026-01-05T09:00:00Z',
    updated_at: '2026-01-05T09:00:00Z',
  };
}

export function membershipJson(
  state: ZendeskState,
  m: { id: number; userId: number; groupId: number },
): Record<string, unknown> {
  return {
    id: m.id,
    url: `${state.baseUrl}/api/v2/group_memberships/${m.id}.json`,
    user_id: m.userId,
    group_id: m.groupId,
    default: false,
    created_at: '2026-01-05T09:00:00Z',
    updated_at: '2026-01-05T09:00:00Z',
  };
}

export const errorJson = (error: string, description: string) => ({ error, description });
