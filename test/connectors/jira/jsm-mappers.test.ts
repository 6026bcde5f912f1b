import { expect } from 'chai';
import { toApprovalChanges, toStatusChanges, withApprovalChanges } from '../../../connectors/jira/mappers';
import { jiraConfigSchema } from '../../../connectors/jira/schema';
import type { JiraHistory, JsmApproval } from '../../../connectors/jira/types';

const config = jiraConfigSchema.parse({});
const { statuses } = config;

/**
 * An open approval in the documented example's shape for GET /rest/servicedeskapi/request/{id}/approval
 * (https://developer.atlassian.com/cloud/jira/service-desk/rest/api-group-request/), as copied from
 * https://prismatic.io/docs/example-payloads/jira-service-management/actions/listApprovals.json.
 */
const DOCUMENTED_PENDING: JsmApproval = {
  id: '1',
  name: 'Please approve this request',
  finalDecision: 'pending',
  approvers: [
    {
      approver: {
        accountId: 'qm:a713c8ea-1075-4e30-9d96-891a7d181739:5ad6d3581db05e2a66fa80b',
        displayName: 'Fred F. User',
        emailAddress: 'fred@example.com',
      },
      approverDecision: 'pending',
    },
  ],
  createdDate: { epochMillis: 1475046060000, iso8601: '2016-09-28T14:01:00+0700' },
};

const date = (iso: string) => ({ epochMillis: Date.parse(iso), iso8601: iso.replace('Z', '+0000') });
const user = (id: string) => ({ accountId: id, displayName: id.replace('acc-', '') });

function approval(
  id: string,
  finalDecision: string,
  decisions: Record<string, string>,
  created: string,
  completed?: string,
): JsmApproval {
  return {
    id,
    name: 'Please approve this request',
    finalDecision,
    approvers: Object.entries(decisions).map(([who, approverDecision]) => ({ approver: user(who), approverDecision })),
    createdDate: date(created),
    ...(completed ? { completedDate: date(completed) } : {}),
  };
}

function transition(id: string, who: string, to: string, created: string): JiraHistory {
  return {
    id,
    author: user(who),
    created: created.replace('Z', '+0000'),
    items: [{ field: 'status', fieldId: 'status', fromString: 'Pending approval', toString: to }],
  };
}

describe('jira mappers: Jira Service Management approvals', () => {
  it("an open approval with no decision yet is no status change (Atlassian's documented example)", () => {
    expect(toApprovalChanges([DOCUMENTED_PENDING], null, statuses)).to.deep.equal([]);
  });

  it('one change per decided approver, with a stable id, the approver as actor and completedDate as time', () => {
    const approvals = [
      approval(
        '7',
        'approved',
        { 'acc-alice': 'approved', 'acc-bob': 'pending', 'acc-carl': 'DECLINED' },
        '2026-11-25T10:00:00.000Z',
        '2026-11-25T10:05:00.000Z',
      ),
    ];
    const changes = toApprovalChanges(approvals, null, statuses);
    expect(changes).to.deep.equal([
      {
        id: 'jsm-approval:7:acc-alice',
        actor: { id: 'acc-alice', displayName: 'alice' },
        from: 'Please approve this request',
        to: 'Approved',
        position: 'approved',
        at: '2026-11-25T10:05:00.000Z',
        bySelf: false,
      },
      {
        id: 'jsm-approval:7:acc-carl',
        actor: { id: 'acc-carl', displayName: 'carl' },
        from: 'Please approve this request',
        to: 'Declined',
        position: 'declined',
        at: '2026-11-25T10:05:00.000Z',
        bySelf: false,
      },
    ]);
    // Read again later: the same ids, so the core judges each decision once.
    expect(toApprovalChanges(approvals, null, statuses).map((c) => c.id)).to.deep.equal(changes.map((c) => c.id));
  });

  it("a decision on an approval still open is dated by the approval's createdDate", () => {
    const [change] = toApprovalChanges(
      [approval('8', 'pending', { 'acc-alice': 'approved' }, '2026-11-25T10:00:00.000Z')],
      null,
      statuses,
    );
    expect(change).to.include({ at: '2026-11-25T10:00:00.000Z', position: 'approved' });
  });

  it("reads iso8601 when epochMillis is missing, Data Center usernames, and marks credgate's own decisions", () => {
    const dc: JsmApproval = {
      id: '3',
      finalDecision: 'approved',
      approvers: [
        {
          approver: { name: 'svc-credgate', key: 'svc-credgate', displayName: 'credgate' },
          approverDecision: 'approved',
        },
      ],
      completedDate: { iso8601: '2016-09-29T16:31:00+0700' },
    };
    const [change] = toApprovalChanges([dc], 'svc-credgate', statuses);
    expect(change).to.include({ id: 'jsm-approval:3:svc-credgate', at: '2016-09-29T09:31:00.000Z', bySelf: true });
  });

  it('skips approvals without id or time and approvers without identity', () => {
    const broken: JsmApproval[] = [
      {
        id: '',
        finalDecision: 'approved',
        approvers: [{ approver: user('acc-a'), approverDecision: 'approved' }],
        completedDate: date('2026-11-25T10:00:00.000Z'),
      },
      { id: '4', finalDecision: 'approved', approvers: [{ approver: user('acc-a'), approverDecision: 'approved' }] },
      {
        id: '5',
        finalDecision: 'approved',
        approvers: [{ approverDecision: 'approved' }, { approver: {}, approverDecision: 'approved' }],
        completedDate: date('2026-11-25T10:00:00.000Z'),
      },
    ];
    expect(toApprovalChanges(broken, null, statuses)).to.deep.equal([]);
  });

  describe('merged with the changelog', () => {
    const merged = (histories: JiraHistory[], approvals: JsmApproval[], selfId: string | null = 'acc-credgate') =>
      withApprovalChanges(toStatusChanges(histories, selfId, statuses), approvals, selfId, statuses).map(
        (c) => `${c.id} ${c.actor.id} ${c.position}`,
      );

    it("leaves out the approval step's own transition, which JSM makes when the approval completes", () => {
      const histories = [
        transition('10100', 'acc-alice', 'Approved', '2026-11-25T10:05:00.020Z'),
        transition('10101', 'acc-credgate', 'Pending approval', '2026-11-25T10:05:01.000Z'),
      ];
      const approvals = [
        approval('1', 'approved', { 'acc-alice': 'approved' }, '2026-11-25T10:00:00.000Z', '2026-11-25T10:05:00.000Z'),
      ];
      expect(merged(histories, approvals)).to.deep.equal([
        'jsm-approval:1:acc-alice acc-alice approved',
        '10101 acc-credgate pending-approval',
      ]);
    });

    it('keeps any other transition to Approved: it is an approval, judged as before', () => {
      const histories = [
        transition('10100', 'acc-bob', 'Approved', '2026-11-25T09:00:00.000Z'), // before the approval completed
        transition('10101', 'acc-system', 'Approved', '2026-11-25T10:05:00.500Z'), // the step's transition, by whoever JSM names
        transition('10102', 'acc-carl', 'Approved', '2026-11-25T10:05:02.000Z'), // a person, right after: one echo per approval
        transition('10103', 'acc-dora', 'Approved', '2026-11-25T10:07:00.000Z'), // long after
      ];
      const approvals = [
        approval('1', 'approved', { 'acc-alice': 'approved' }, '2026-11-25T10:00:00.000Z', '2026-11-25T10:05:00.000Z'),
      ];
      expect(merged(histories, approvals)).to.deep.equal([
        '10100 acc-bob approved',
        'jsm-approval:1:acc-alice acc-alice approved',
        '10102 acc-carl approved',
        '10103 acc-dora approved',
      ]);
    });

    it("pairs a decline with the transition to Declined, never with credgate's own transitions or another position", () => {
      const histories = [
        transition('10100', 'acc-credgate', 'Declined', '2026-11-25T10:05:00.000Z'),
        transition('10101', 'acc-bob', 'Approved', '2026-11-25T10:05:00.100Z'),
        transition('10102', 'acc-bob', 'Declined', '2026-11-25T10:05:00.200Z'),
      ];
      const approvals = [
        approval('2', 'declined', { 'acc-bob': 'declined' }, '2026-11-25T10:00:00.000Z', '2026-11-25T10:05:00.000Z'),
      ];
      expect(merged(histories, approvals)).to.deep.equal([
        '10100 acc-credgate declined',
        'jsm-approval:2:acc-bob acc-bob declined',
        '10101 acc-bob approved',
      ]);
    });

    it('an approval still open has no transition of its own to leave out', () => {
      const histories = [transition('10100', 'acc-bob', 'Approved', '2026-11-25T10:00:30.000Z')];
      const approvals = [
        approval('1', 'pending', { 'acc-alice': 'approved', 'acc-bob': 'pending' }, '2026-11-25T10:00:00.000Z'),
      ];
      expect(merged(histories, approvals)).to.deep.equal([
        'jsm-approval:1:acc-alice acc-alice approved',
        '10100 acc-bob approved',
      ]);
    });
  });

  it('serviceManagement is optional and off by default; unknown keys are refused', () => {
    expect(config.serviceManagement).to.deep.equal({ approvals: false, internalComments: false });
    expect(jiraConfigSchema.parse({ serviceManagement: { approvals: true } }).serviceManagement).to.deep.equal({
      approvals: true,
      internalComments: false,
    });
    expect(jiraConfigSchema.safeParse({ serviceManagement: { approval: true } }).success).to.equal(false);
  });
});
