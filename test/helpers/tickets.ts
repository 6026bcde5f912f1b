import type { Actor, StatusChange, TicketSnapshot, WorkflowPosition } from '../../src/domain/ticket';

export const requester: Actor = { id: 'acc-requester', displayName: 'Rita Requester' };
export const approverA: Actor = { id: 'acc-alice', displayName: 'Alice Approver' };
export const approverB: Actor = { id: 'acc-bob', displayName: 'Bob Approver' };
export const outsider: Actor = { id: 'acc-olga', displayName: 'Olga Outsider' };
export const owner: Actor = { id: 'acc-carl', displayName: 'Carl ClientOwner' };

export const GROUPS: Record<string, string[]> = {
  [approverA.id]: ['credential-approvers'],
  [approverB.id]: ['credential-approvers'],
  [owner.id]: ['client-owners'],
  [outsider.id]: ['jira-users'],
  [requester.id]: ['credential-approvers'],
};

export const LOW_RISK_DESCRIPTION = [
  'Target systems: reporting-db',
  'Account: svc_reports',
  'Access: read-only',
  'Justification: monthly report run',
  'Duration: 2h',
].join('\n');

export function snapshot(overrides: Partial<TicketSnapshot> = {}): TicketSnapshot {
  return {
    ref: { connector: 'jira', id: '10001', key: 'CRED-1' },
    status: 'Open',
    position: 'other',
    summary: 'Access to the reporting database',
    description: LOW_RISK_DESCRIPTION,
    project: 'CRED',
    issueType: 'Credential request',
    labels: [],
    reporter: requester,
    mappedFacts: {},
    replies: [],
    ...overrides,
  };
}

let seq = 100;
export function change(
  actor: Actor,
  to: string,
  position: WorkflowPosition,
  at = '2026-11-25T10:05:00.000Z',
  bySelf = false,
): StatusChange {
  return { id: String(++seq), actor, from: 'Pending approval', to, position, at, bySelf };
}
