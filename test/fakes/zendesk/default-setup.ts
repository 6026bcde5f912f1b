/**
 * A Zendesk account set up the way connectors/zendesk/readme.md tells an admin to: a "Credential
 * request" ticket form, a "Credential approval" drop-down field whose option values are credgate's
 * defaults, an agent for credgate, and approvers in the group `credential-approvers`.
 */
import type { FakeTaggerField, FakeZendeskOptions, FakeZendeskUser } from './types';

export const ZENDESK_EMAIL = 'credgate@example.com';
export const ZENDESK_TOKEN = 'zd-api-token-3b7e91c04f22a8';
export const ZENDESK_SIGNING_SECRET = 'zd-signing-secret-9c2f41e7b0d35a6e';

export const SERVICE_USER = 900;
export const FORM_CREDENTIAL_REQUEST = 3001;
export const FORM_OTHER = 3002;
export const APPROVAL_FIELD = 4001;
export const SYSTEMS_FIELD = 4002;

export const ZENDESK_USERS: FakeZendeskUser[] = [
  { id: SERVICE_USER, name: 'credgate', email: ZENDESK_EMAIL, role: 'admin', groups: ['Support'] },
  {
    id: 1101,
    name: 'Rita Requester',
    email: 'rita@example.com',
    role: 'agent',
    groups: ['Support', 'credential-approvers'],
  },
  {
    id: 1102,
    name: 'Alice Approver',
    email: 'alice@example.com',
    role: 'agent',
    groups: ['Support', 'credential-approvers'],
  },
  { id: 1103, name: 'Bob Approver', email: 'bob@example.com', role: 'agent', groups: ['credential-approvers'] },
  { id: 1104, name: 'Carl ClientOwner', email: 'carl@example.com', role: 'agent', groups: ['client-owners'] },
  { id: 1105, name: 'Olga Outsider', email: 'olga@example.com', role: 'agent', groups: ['Support'] },
  { id: 1200, name: 'Erin End-user', email: 'erin@example.org', role: 'end-user', groups: [] },
];

export const APPROVAL: FakeTaggerField = {
  id: APPROVAL_FIELD,
  title: 'Credential approval',
  options: [
    { name: 'Awaiting information', value: 'cg_awaiting_info' },
    { name: 'Pending approval', value: 'cg_pending_approval' },
    { name: 'Approved', value: 'cg_approved' },
    { name: 'Declined', value: 'cg_declined' },
    { name: 'Access granted', value: 'cg_granted' },
    { name: 'Access revoked', value: 'cg_revoked' },
    { name: 'Expired', value: 'cg_expired' },
  ],
};

export function defaultZendeskOptions(overrides: Partial<FakeZendeskOptions> = {}): FakeZendeskOptions {
  return {
    email: ZENDESK_EMAIL,
    apiToken: ZENDESK_TOKEN,
    serviceUserId: SERVICE_USER,
    users: ZENDESK_USERS,
    forms: [
      { id: FORM_CREDENTIAL_REQUEST, name: 'Credential request' },
      { id: FORM_OTHER, name: 'Printer trouble' },
    ],
    taggerFields: [APPROVAL],
    textFields: [{ id: SYSTEMS_FIELD, title: 'Target systems' }],
    ...overrides,
  };
}

/** credgate's environment for the fake at `url`. */
export const zendeskEnv = (url: string): Record<string, string> => ({
  ZENDESK_BASE_URL: url,
  ZENDESK_EMAIL,
  ZENDESK_API_TOKEN: ZENDESK_TOKEN,
  ZENDESK_WEBHOOK_SECRET: ZENDESK_SIGNING_SECRET,
});

/** credgate's `zendesk:` config section for this account. */
export const zendeskConfigSection = (extra: Record<string, unknown> = {}) => ({
  approvalField: APPROVAL_FIELD,
  ticketForms: [FORM_CREDENTIAL_REQUEST],
  ...extra,
});
