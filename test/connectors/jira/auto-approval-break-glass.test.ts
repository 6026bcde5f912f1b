import { expect } from 'chai';
import { Harness, USERS } from '../../helpers/harness';
import { quickPolicy } from '../../helpers/policy';
import { compilePolicy } from '../../../src/policy/policy';
import type { AuditEntry } from '../../../src/audit/audit-log';

/**
 * Auto-approval rules, break-glass access and linked-ticket checks, end to end: a fake Jira over
 * HTTP, the service's clock injected so windows and deadlines are exact. Deadlines pass while
 * credgate is down: on restart the scheduler finds the job due, as after any outage. The dates lie
 * in the real future, so no job fires by the wall clock before the test moves the service's clock.
 */
const ONCALL = { accountId: 'acc-olive', displayName: 'Olive Oncall', groups: ['jira-users', 'on-call'] };

const policy = (extra: Record<string, unknown>) => {
  const base = quickPolicy().document;
  return compilePolicy({
    ...base,
    // The emergency category comes first: its label wins over the ordinary shared-account match.
    categories: [
      {
        id: 'emergency',
        name: 'Emergency access',
        when: { any: [{ fact: 'labels', operator: 'includes', value: 'break-glass' }] },
        required: ['systems', 'account', 'access', 'justification'],
        path: 'standard',
      },
      {
        id: 'change-access',
        name: 'Access for a planned change',
        when: { any: [{ fact: 'labels', operator: 'includes', value: 'change' }] },
        required: ['systems', 'account', 'access', 'justification', 'duration'],
        path: 'standard',
        linkedTicket: { open: true, assignedToRequester: true },
      },
      ...base.categories,
    ],
    ...extra,
  });
};

const FACTS = (systems = 'vpn-gateway', duration = '2h') =>
  [
    `Target systems: ${systems}`,
    'Account: vpn_admin',
    'Access: admin',
    'Justification: firewall change',
    `Duration: ${duration}`,
  ].join('\n');

describe('auto-approval, break-glass and linked tickets (Jira, over HTTP, clock injected)', function () {
  this.timeout(40_000);
  let h: Harness;
  let now: number;
  const start = async (extra: Record<string, unknown>, at: string) => {
    now = Date.parse(at);
    h = await Harness.start({
      policy: policy(extra),
      clock: () => new Date(now),
      fake: { users: [...USERS, ONCALL], projects: ['CRED', 'CHG'] },
    });
  };
  afterEach(async () => {
    await h?.stopChecked();
  });

  const file = async (as: string, description: string, labels: string[] = []) => {
    const { key } = await h.fake.createIssue(as, {
      project: 'CRED',
      issueType: 'Credential request',
      summary: 'VPN admin access',
      description,
      labels,
    });
    await h.settle();
    return key;
  };
  const audit = async (key: string) => {
    const r = await h.requestOf(key);
    const out: AuditEntry[] = [];
    for await (const e of h.service.audit.entries()) if (e.requestId === r.id) out.push(e);
    return out;
  };
  /** Moves the clock and restarts, so the scheduler finds what fell due meanwhile. */
  const passTime = async (ms: number) => {
    await h.restart(async () => {
      now += ms;
    });
    await h.settle();
  };

  describe('auto-approval', () => {
    const ONCALL_NIGHTS = {
      autoApprove: {
        rules: [
          {
            id: 'on-call-nights',
            description: 'an on-call engineer asks for low-risk access out of hours',
            when: {
              all: [
                { fact: 'requesterGroups', operator: 'includes', value: 'on-call' },
                {
                  any: [
                    { fact: 'hourUtc', operator: 'greaterThanInclusive', value: 18 },
                    { fact: 'hourUtc', operator: 'lessThan', value: 7 },
                  ],
                },
              ],
            },
          },
        ],
      },
    };

    it('grants an on-call engineer low-risk access at night, naming the rule in the comment and the audit', async () => {
      await start(ONCALL_NIGHTS, '2027-12-07T22:00:00.000Z');
      const key = await file('acc-olive', FACTS());
      expect(h.fake.statusOf(key)).to.equal('Access granted');
      const granted = h.comments(key).find((c) => c.includes('Access granted'))!;
      expect(granted).to.include('Approved automatically by policy rule *on-call-nights*');
      expect(granted).to.include('an on-call engineer asks for low-risk access out of hours');
      const r = await h.requestOf(key);
      expect(r.autoApprovedBy).to.equal('on-call-nights');
      expect(r.expiresAt).to.equal('2027-12-08T00:00:00.000Z');
      expect(r.context?.requesterGroups).to.include('on-call');
      const entries = await audit(key);
      const auto = entries.find((e) => e.action === 'auto-approved')!;
      expect(auto.rules).to.deep.equal(['on-call-nights', 'auto-approval']);
      expect(entries.find((e) => e.action === 'access-granted')!.rules).to.include('on-call-nights');
      expect(await h.grantOf(key)).to.not.equal(undefined);
    });

    it('leaves to people: the same engineer in working hours, high risk, and someone not on call', async () => {
      await start(ONCALL_NIGHTS, '2027-12-07T12:00:00.000Z');
      const daytime = await file('acc-olive', FACTS());
      expect(h.fake.statusOf(daytime)).to.equal('Pending approval');

      await passTime(10 * 3_600_000); // 22:00
      const prod = await file('acc-olive', FACTS('prod-vpn'));
      expect(h.fake.statusOf(prod), 'a rule never approves high risk unless it says so').to.equal('Pending approval');
      const notOnCall = await file('acc-requester', FACTS());
      expect(h.fake.statusOf(notOnCall)).to.equal('Pending approval');
      for (const key of [daytime, prod, notOnCall]) {
        expect((await audit(key)).map((e) => e.action)).to.not.include('auto-approved');
        expect(await h.grantOf(key)).to.equal(undefined);
      }
    });

    it('renews the same access people approved within the window, and nothing else', async () => {
      await start(
        {
          autoApprove: {
            rules: [{ id: 'renewal-7d', description: 'renewal of access approved by people', renewalWithin: '7d' }],
          },
        },
        '2027-12-01T09:00:00.000Z',
      );
      const first = await file('acc-requester', FACTS());
      await h.fake.transitionAs('acc-alice', first, 'Approved');
      await h.settle();
      expect(h.fake.statusOf(first)).to.equal('Access granted');

      await passTime(3 * 86_400_000);
      const renewal = await file('acc-requester', FACTS('vpn-gateway', '1h'));
      expect(h.fake.statusOf(renewal)).to.equal('Access granted');
      expect((await h.requestOf(renewal)).context?.renewalOf).to.equal((await h.requestOf(first)).id);
      expect(h.comments(renewal).join('\n')).to.include('policy rule *renewal-7d*');

      // A different account is no renewal, nor is renewing the renewal (one approval cannot last for ever).
      const other = await file('acc-requester', FACTS().replace('vpn_admin', 'db_admin'));
      expect(h.fake.statusOf(other)).to.equal('Pending approval');
      // The first grant's revocation ran when its expiry job did (the restart, day 3): 8 days ago.
      await passTime(8 * 86_400_000);
      const again = await file('acc-requester', FACTS());
      expect(h.fake.statusOf(again)).to.equal('Pending approval');
    });
  });

  describe('break-glass', () => {
    const BREAK_GLASS = {
      breakGlass: { labels: ['break-glass'], maxDuration: '2h', approvals: 2, confirmWithin: '30m' },
    };

    it('grants at once, capped, pages the approvers, and revokes at the deadline without approvals', async () => {
      await start(BREAK_GLASS, '2027-12-07T03:00:00.000Z');
      const key = await file('acc-requester', FACTS('vpn-gateway', '8h'), ['break-glass']);
      expect(h.fake.statusOf(key)).to.equal('Access granted');
      const r = await h.requestOf(key);
      expect(r.expiresAt, 'capped at the break-glass maximum').to.equal('2027-12-07T05:00:00.000Z');
      expect(r.breakGlass).to.include({ needed: 2, deadline: '2027-12-07T03:30:00.000Z', confirmedAt: null });
      const paged = h.comments(key).find((c) => c.includes('Break-glass access granted'))!;
      expect(paged).to.include('2 approval(s) from group credential-approvers are needed by 2027-12-07 03:30 UTC');
      expect(paged).to.include('capped by break-glass-max-duration');
      expect((await audit(key)).map((e) => e.action)).to.include('break-glass-granted');

      // One approval is not enough.
      await h.fake.transitionAs('acc-alice', key, 'Approved');
      await h.settle();
      expect(h.fake.statusOf(key)).to.equal('Access granted');
      expect(h.comments(key).at(-1)).to.include('Another approver must confirm by 2027-12-07 03:30 UTC');

      await passTime(29 * 60_000);
      expect(await h.grantOf(key), 'still granted a minute before the deadline').to.not.equal(undefined);
      expect((await h.requestOf(key)).state).to.equal('granted');
      await passTime(60_000);
      expect(h.fake.statusOf(key)).to.equal('Access revoked');
      const ended = await h.requestOf(key);
      expect(ended.state).to.equal('revoked');
      expect(ended.endedAt).to.equal('2027-12-07T03:30:00.000Z');
      expect(h.comments(key).at(-1)).to.include(
        'break-glass access was not confirmed by 2 approver(s) by 2027-12-07 03:30 UTC (1 confirmed)',
      );
      expect((await audit(key)).find((e) => e.action === 'access-revoked')!.rules).to.deep.equal([
        'break-glass-unconfirmed',
      ]);
    });

    it('keeps the access until its expiry once enough distinct approvers confirm; the requester cannot', async () => {
      await start(BREAK_GLASS, '2027-12-07T03:00:00.000Z');
      const key = await file('acc-requester', FACTS('vpn-gateway', '1h'), ['break-glass']);
      expect(h.fake.statusOf(key)).to.equal('Access granted');
      await h.fake.transitionAs('acc-requester', key, 'Approved');
      await h.settle();
      expect(h.comments(key).at(-1)).to.include('nobody confirms their own break-glass access');
      await h.fake.transitionAs('acc-alice', key, 'Approved');
      await h.settle();
      await h.fake.transitionAs('acc-alice', key, 'Approved');
      await h.settle();
      expect(h.comments(key).at(-1)).to.include('has already confirmed');
      await h.fake.transitionAs('acc-bob', key, 'Approved');
      await h.settle();
      expect(h.fake.statusOf(key)).to.equal('Access granted');
      expect(h.comments(key).at(-1)).to.include('Break-glass access confirmed');
      expect((await h.requestOf(key)).breakGlass?.confirmedAt).to.equal('2027-12-07T03:00:00.000Z');

      await passTime(45 * 60_000); // past the confirmation deadline: nothing happens
      expect((await h.requestOf(key)).state).to.equal('granted');
      expect(await h.grantOf(key)).to.not.equal(undefined);
      await passTime(15 * 60_000); // the granted hour ends
      expect(h.fake.statusOf(key)).to.equal('Access revoked');
      expect((await h.requestOf(key)).endReason).to.equal('expired');
      expect((await audit(key)).map((e) => e.action)).to.include('break-glass-confirmed');
    });
  });

  describe('linked ticket checks', () => {
    const change = async (assignee: string | null, status?: string) => {
      const { key } = await h.fake.createIssue('acc-alice', {
        project: 'CHG',
        issueType: 'Change',
        summary: 'Firewall change',
        description: 'planned',
      });
      if (assignee) await h.fake.editAs('acc-alice', key, { assignee: { accountId: assignee } });
      if (status) await h.fake.transitionAs('acc-alice', key, status);
      await h.settle();
      return key;
    };

    it('asks for a change until one is named that exists, is open and is assigned to the requester', async () => {
      await start({}, '2027-12-07T10:00:00.000Z');
      const closed = await change('acc-requester', 'Done');
      const others = await change('acc-bob');
      const mine = await change('acc-requester');

      const key = await file('acc-requester', FACTS(), ['change']);
      expect(h.fake.statusOf(key)).to.equal('Waiting for requester');
      expect(h.comments(key).at(-1)).to.include('Linked ticket');

      const reply = async (text: string) => {
        await h.fake.commentAs('acc-requester', key, `Change: ${text}`);
        await h.settle();
        return h.comments(key).at(-1)!;
      };
      expect(await reply('CHG-999')).to.include('names CHG-999, which does not exist');
      expect(await reply(closed)).to.include(`names ${closed}, which is no longer open (Done)`);
      expect(await reply(others)).to.include(`names ${others}, which is not assigned to the requester`);
      expect(h.fake.statusOf(key)).to.equal('Waiting for requester');
      await reply(mine);
      expect(h.fake.statusOf(key)).to.equal('Pending approval');
      const r = await h.requestOf(key);
      expect(r.facts.linked).to.equal(mine);
      expect(r.context?.linked).to.include({ key: mine, found: true, open: true });
      expect(r.context?.linked?.assignee?.id).to.equal('acc-requester');
    });
  });
});
