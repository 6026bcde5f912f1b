/**
 * Desk's people and workflow, and the `generic:` configuration that teaches credgate Desk's API:
 * what an operator would write for a system credgate has no connector for.
 */
import type { DeskPerson, FakeDeskOptions } from './types';

export const DESK_TOKEN = 'desk-api-token-51c0e9a7d2f4';
export const DESK_SECRET = 'desk-webhook-secret-a83f20c6e1d9';
export const DESK_SERVICE = 'p-credgate';

export const DESK_PEOPLE: DeskPerson[] = [
  { id: DESK_SERVICE, name: 'credgate', email: 'credgate@desk.example', teams: ['it'] },
  { id: 'p-rita', name: 'Rita Requester', email: 'rita@desk.example', teams: ['it', 'credential-approvers'] },
  { id: 'p-alice', name: 'Alice Approver', email: 'alice@desk.example', teams: ['it', 'credential-approvers'] },
  { id: 'p-bob', name: 'Bob Approver', email: 'bob@desk.example', teams: ['credential-approvers'] },
  { id: 'p-olga', name: 'Olga Outsider', email: 'olga@desk.example', teams: ['it'] },
];

export const DESK_STATES = [
  'new',
  'needs-info',
  'awaiting-approval',
  'approved',
  'rejected',
  'access-active',
  'access-ended',
  'lapsed',
  'resolved',
];

export function defaultDeskOptions(overrides: Partial<FakeDeskOptions> = {}): FakeDeskOptions {
  return { token: DESK_TOKEN, servicePersonId: DESK_SERVICE, people: DESK_PEOPLE, states: DESK_STATES, ...overrides };
}

export const deskEnv = (url: string): Record<string, string> => ({
  GENERIC_BASE_URL: url,
  GENERIC_API_TOKEN: DESK_TOKEN,
  GENERIC_WEBHOOK_SECRET: DESK_SECRET,
});

/** credgate's `generic:` section for Desk (the readme walks through the same example). */
export function deskGenericConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Desk',
    markup: 'text',
    webhook: {
      signatureHeader: 'X-Desk-Signature',
      algorithm: 'sha256',
      encoding: 'hex',
      prefix: 'sha256=',
      deliveryIdHeader: 'X-Desk-Delivery',
    },
    deliveryIdPath: '$.delivery.id',
    ticketIdPath: '$.ticket.id',
    ticketKeyPath: '$.ticket.number',
    actorIdPath: '$.actor.id',
    webhookTicketPath: '$.ticket',
    statusPath: '$.state',
    requesterPath: '$.requester',
    summaryPath: '$.title',
    descriptionPath: '$.body',
    issueTypePath: '$.category',
    projectPath: '$.queue',
    labelsPath: '$.labels[*]',
    urlPath: '$.web_url',
    fieldsPaths: { systems: '$.custom.target_systems' },
    commentPath: '$.notes[*]',
    commentFields: { body: '$.text', author: '$.author', at: '$.created_at' },
    statuses: {
      new: 'other',
      'needs-info': 'awaiting-info',
      'awaiting-approval': 'pending-approval',
      approved: 'approved',
      rejected: 'declined',
      'access-active': 'granted',
      'access-ended': 'revoked',
      lapsed: 'expired',
      resolved: 'closed',
    },
    api: {
      auth: { header: 'Authorization', scheme: 'Bearer' },
      requests: {
        getSelf: { method: 'GET', path: '/api/v1/me', responseMapping: { id: '$.id' } },
        getTicket: { method: 'GET', path: '/api/v1/tickets/{{ticket.id}}', responseMapping: { ticket: '$.data' } },
        getHistory: {
          method: 'GET',
          path: '/api/v1/tickets/{{ticket.id}}/activity',
          responseMapping: {
            items: '$.items[*]',
            id: '$.id',
            actor: '$.actor',
            from: '$.from',
            to: '$.to',
            at: '$.at',
            filterPath: '$.kind',
            filterEquals: 'state',
          },
        },
        postComment: {
          method: 'POST',
          path: '/api/v1/tickets/{{ticket.id}}/notes',
          body: '{"text": {{body}}, "internal": {{forAgents}}}',
        },
        setStatus: { method: 'PATCH', path: '/api/v1/tickets/{{ticket.id}}', body: '{"state": {{status}}}' },
        getGroups: {
          method: 'GET',
          path: '/api/v1/people/{{actor.id}}/teams',
          responseMapping: { groups: '$.teams[*].slug' },
        },
      },
    },
    ...extra,
  };
}
