import { expect } from 'chai';
import { decide, type DecideContext } from '../../src/engine/decide';
import type { CredentialRequest } from '../../src/domain/request';
import type { Effect } from '../../src/domain/effect';
import type { EngineEvent } from '../../src/domain/event';
import type { StatusChange } from '../../src/domain/ticket';
import { quickPolicy } from '../helpers/policy';
import { approverA, approverB, change, GROUPS, outsider, owner, requester, snapshot } from '../helpers/tickets';

const T0 = new Date('2026-11-25T10:00:00.000Z');
const ctx = (now = T0): DecideContext => ({ policy: quickPolicy(), now });
const observed = (changes: StatusChange[] = [], snap = snapshot()): EngineEvent => ({
  type: 'ticket-observed',
  snapshot: snap,
  changes,
  groupsByActor: GROUPS,
});

/** Runs a decision and returns the request with a drained outbox, plus what the decision owed. */
async function step(request: CredentialRequest | null, event: EngineEvent, c = ctx()) {
  const d = await decide(request, event, c);
  if (!d) return { request: null, effects: [] as Effect[], changed: false };
  return { request: { ...d.request, outbox: [] }, effects: d.request.outbox, changed: d.changed };
}
const comments = (effects: Effect[]) => effects.flatMap((e) => (e.kind === 'comment' ? [e] : []));
const statuses = (effects: Effect[]) => effects.flatMap((e) => (e.kind === 'set-status' ? [e.position] : []));

describe('engine: decide', () => {
  it('leaves a ticket that is not a shared-credential request alone', async () => {
    const r = await step(null, observed([], snapshot({ issueType: 'Bug', description: 'The printer is jammed' })));
    expect(r.request).to.equal(null);
  });

  it('asks for exactly the missing facts and waits for the requester', async () => {
    const { request, effects } = await step(
      null,
      observed([], snapshot({ description: 'Target systems: crm\nAccount: admin' })),
    );
    expect(request!.state).to.equal('awaiting-info');
    expect(request!.missing).to.deep.equal(['access', 'justification', 'duration']);
    const [c] = comments(effects);
    expect(c.template).to.equal('missing-facts');
    expect((c.view.missing as { label: string }[]).map((m) => m.label)).to.deep.equal([
      'Access',
      'Justification',
      'Duration',
    ]);
    expect(statuses(effects)).to.deep.equal(['awaiting-info']);
  });

  it('re-evaluates when the requester replies with the missing facts', async () => {
    const first = await step(null, observed([], snapshot({ description: 'Target systems: crm\nAccount: admin' })));
    const reply = { author: requester, body: 'Access: read\nJustification: audit\nDuration: 1h', at: T0.toISOString() };
    const second = await step(
      first.request,
      observed([], snapshot({ description: 'Target systems: crm\nAccount: admin', replies: [reply] })),
    );
    expect(second.request!.state).to.equal('pending-approval');
    expect(comments(second.effects)[0].view.why).to.equal('completed');
    // A reply from someone else cannot complete the requester's facts.
    const stranger = { ...reply, author: outsider };
    const third = await step(
      first.request,
      observed([], snapshot({ description: 'Target systems: crm\nAccount: admin', replies: [stranger] })),
    );
    expect(third.changed).to.equal(false);
  });

  it('rejects a duration nobody can parse', async () => {
    const { request, effects } = await step(
      null,
      observed(
        [],
        snapshot({
          description: 'Target systems: crm\nAccount: a\nAccess: r\nJustification: j\nDuration: until friday',
        }),
      ),
    );
    expect(request!.state).to.equal('awaiting-info');
    expect((comments(effects)[0].view.invalid as { label: string }[])[0].label).to.equal('Duration');
  });

  it('routes a complete low-risk request to one approver and names the rules', async () => {
    const { request, effects } = await step(null, observed());
    expect(request!.state).to.equal('pending-approval');
    expect(request!.risk).to.equal('low');
    expect(request!.steps).to.have.length(1);
    const view = comments(effects)[0].view;
    expect(view.risk).to.equal('LOW');
    expect(view.duration).to.equal('2h');
    expect(statuses(effects)).to.deep.equal(['pending-approval']);
    expect(effects.some((e) => e.kind === 'schedule' && e.timer === 'pending-timeout')).to.equal(true);
  });

  it('grants on the final approval, schedules expiry and reminder, and revokes at expiry', async () => {
    const created = await step(null, observed());
    const approval = change(approverA, 'Approved', 'approved');
    const granted = await step(created.request, observed([approval]));
    const r = granted.request!;
    expect(r.state).to.equal('granted');
    expect(r.expiresAt).to.equal('2026-11-25T12:00:00.000Z');
    expect(r.timers.expiry).to.equal(r.expiresAt);
    expect(r.timers.reminder).to.equal('2026-11-25T11:00:00.000Z');
    const kinds = granted.effects.map((e) => e.kind);
    // The revocation is durable before access exists.
    expect(kinds.indexOf('schedule')).to.be.lessThan(kinds.indexOf('grant'));
    expect(statuses(granted.effects)).to.deep.equal(['granted']);

    const late = new Date('2026-11-25T12:00:00.000Z');
    const revoked = await step(r, { type: 'timer-fired', timer: 'expiry', dueAt: r.timers.expiry! }, ctx(late));
    expect(revoked.request!.state).to.equal('revoked');
    expect(revoked.effects.map((e) => e.kind)).to.include.members(['revoke', 'set-status', 'comment', 'unschedule']);
    expect(statuses(revoked.effects)).to.deep.equal(['revoked']);
  });

  it('refuses self-approval and moves the ticket back', async () => {
    const created = await step(null, observed());
    const { request, effects } = await step(created.request, observed([change(requester, 'Approved', 'approved')]));
    expect(request!.state).to.equal('pending-approval');
    expect(request!.approvals).to.have.length(0);
    expect(comments(effects)[0].view.rule).to.equal('separation-of-duties');
    expect(statuses(effects)).to.deep.equal(['pending-approval']);
  });

  it('refuses someone outside the approver group', async () => {
    const created = await step(null, observed());
    const { effects, request } = await step(created.request, observed([change(outsider, 'Approved', 'approved')]));
    expect(request!.state).to.equal('pending-approval');
    expect(comments(effects)[0].view.rule).to.equal('approver-group');
  });

  it('needs two distinct approvers for high risk', async () => {
    const snap = snapshot({
      description: 'Target systems: prod-db\nAccount: a\nAccess: r\nJustification: j\nDuration: 1h',
    });
    const created = await step(null, observed([], snap));
    expect(created.request!.risk).to.equal('high');
    expect(created.request!.riskRules.map((r) => r.id)).to.deep.equal(['production-system']);
    const first = change(approverA, 'Approved', 'approved');
    const one = await step(created.request, observed([first], snap));
    expect(one.request!.state).to.equal('pending-approval');
    expect(comments(one.effects)[0].template).to.equal('approval-recorded');
    const again = await step(one.request, observed([first, change(approverA, 'Approved', 'approved')], snap));
    expect(comments(again.effects)[0].view.rule).to.equal('distinct-approvers');
    const two = await step(again.request, observed([change(approverB, 'Approved', 'approved')], snap));
    expect(two.request!.state).to.equal('granted');
    expect(two.request!.approvals.map((a) => a.actor.id)).to.deep.equal([approverA.id, approverB.id]);
  });

  it('sends vendor requests down the vendor path: IT approver and client owner', async () => {
    const snap = snapshot({
      description:
        'Target systems: crm\nAccount: a\nAccess: r\nJustification: j\nDuration: 1h\nCompany: Acme Support\nClient: Contoso',
    });
    const created = await step(null, observed([], snap));
    expect(created.request!.category.id).to.equal('vendor-access');
    const it = await step(created.request, observed([change(approverA, 'Approved', 'approved')], snap));
    expect(it.request!.state).to.equal('pending-approval');
    // A second IT approver is not what the vendor path still needs.
    const wrong = await step(it.request, observed([change(approverB, 'Approved', 'approved')], snap));
    expect(comments(wrong.effects)[0].view.rule).to.equal('approver-group');
    const done = await step(wrong.request, observed([change(owner, 'Approved', 'approved')], snap));
    expect(done.request!.state).to.equal('granted');
  });

  it('caps the duration by policy and says which rule capped it', async () => {
    const c: DecideContext = { policy: quickPolicy({ max: '30m' }), now: T0 };
    const { request, effects } = await step(null, observed(), c);
    expect(request!.grantMs).to.equal(30 * 60_000);
    expect(request!.capRule).to.equal('max-duration-low');
    expect(comments(effects)[0].view.requested).to.equal('2h');
  });

  it('handles each status change once, however often it is observed', async () => {
    const created = await step(null, observed());
    const c = change(outsider, 'Approved', 'approved');
    const once = await step(created.request, observed([c]));
    expect(comments(once.effects)).to.have.length(1);
    const twice = await step(once.request, observed([c]));
    expect(twice.changed).to.equal(false);
    expect(twice.effects).to.have.length(0);
  });

  it('ignores status changes made before credgate saw the request, and its own', async () => {
    const early = change(approverA, 'Approved', 'approved');
    const created = await step(null, observed([early]));
    expect(created.request!.state).to.equal('pending-approval');
    const own = change({ id: 'credgate', displayName: 'credgate' }, 'Access granted', 'granted', undefined, true);
    const after = await step(created.request, observed([early, own]));
    expect(after.effects).to.have.length(0);
  });

  it('revokes at once when the ticket is closed while access is active', async () => {
    const created = await step(null, observed());
    const granted = await step(created.request, observed([change(approverA, 'Approved', 'approved')]));
    const closed = await step(granted.request, observed([change(requester, 'Done', 'closed')]));
    expect(closed.request!.state).to.equal('revoked');
    expect(closed.effects.some((e) => e.kind === 'revoke')).to.equal(true);
    expect(
      closed.effects.filter((e) => e.kind === 'unschedule').map((e) => (e as { timer: string }).timer),
    ).to.have.members(['expiry', 'reminder']);
  });

  it('expires a request left pending too long, and ignores a stale timer', async () => {
    const created = await step(null, observed());
    const due = created.request!.timers['pending-timeout']!;
    const stale = await step(created.request, {
      type: 'timer-fired',
      timer: 'pending-timeout',
      dueAt: '2026-01-01T00:00:00.000Z',
    });
    expect(stale.changed).to.equal(false);
    const expired = await step(
      created.request,
      { type: 'timer-fired', timer: 'pending-timeout', dueAt: due },
      ctx(new Date(due)),
    );
    expect(expired.request!.state).to.equal('expired');
    expect(statuses(expired.effects)).to.deep.equal(['expired']);
  });

  it('resets approvals when the facts change after an approval', async () => {
    const snap = snapshot({
      description: 'Target systems: prod-db\nAccount: a\nAccess: r\nJustification: j\nDuration: 1h',
    });
    const created = await step(null, observed([], snap));
    const one = await step(created.request, observed([change(approverA, 'Approved', 'approved')], snap));
    expect(one.request!.approvals).to.have.length(1);
    const edited = snapshot({
      description: 'Target systems: prod-db, prod-dc\nAccount: a\nAccess: r\nJustification: j\nDuration: 1h',
    });
    const after = await step(one.request, observed([], edited));
    expect(after.request!.approvals).to.have.length(0);
    expect(comments(after.effects)[0].view.why).to.equal('changed');
  });

  it('refuses a person moving the ticket to a status only credgate sets', async () => {
    const created = await step(null, observed());
    const { effects, request } = await step(
      created.request,
      observed([change(approverA, 'Access granted', 'granted')]),
    );
    expect(request!.state).to.equal('pending-approval');
    expect(comments(effects)[0].view.rule).to.equal('credgate-owned-status');
    expect(effects.some((e) => e.kind === 'grant')).to.equal(false);
  });

  it('lets an approver decline and the requester withdraw', async () => {
    const created = await step(null, observed());
    const declined = await step(created.request, observed([change(approverB, 'Declined', 'declined')]));
    expect(declined.request!.state).to.equal('declined');
    const withdrawn = await step(created.request, observed([change(requester, 'Declined', 'declined')]));
    expect(withdrawn.request!.state).to.equal('cancelled');
    const refused = await step(created.request, observed([change(outsider, 'Declined', 'declined')]));
    expect(refused.request!.state).to.equal('pending-approval');
  });
});

describe('engine: the requester is who filed the request', () => {
  it('a person who makes themselves reporter can neither supply facts by reply nor approve', async () => {
    const created = await step(
      null,
      observed(
        [],
        snapshot({ description: 'Target systems: crm\nAccount: admin\nAccess: read\nJustification: audit' }),
      ),
    );
    expect(created.request!.state).to.equal('awaiting-info');
    // Alice edits the reporter field to herself, replies with the missing duration, then approves.
    const hijacked = snapshot({
      description: 'Target systems: crm\nAccount: admin\nAccess: read\nJustification: audit',
      reporter: approverA,
      replies: [{ author: approverA, body: 'Duration: 8h', at: '' }],
    });
    const after = await step(created.request, observed([], hijacked));
    expect(after.request!.state).to.equal('awaiting-info');
    const pending = await step(
      created.request,
      observed(
        [],
        snapshot({
          description: 'Target systems: crm\nAccount: admin\nAccess: read\nJustification: audit\nDuration: 1h',
        }),
      ),
    );
    const approval = await step(
      pending.request,
      observed([change(approverA, 'Approved', 'approved')], {
        ...hijacked,
        description: 'Target systems: crm\nAccount: admin\nAccess: read\nJustification: audit\nDuration: 1h',
        replies: [],
      }),
    );
    expect(approval.request!.state).to.equal('pending-approval');
    expect(comments(approval.effects)[0].view.rule).to.equal('separation-of-duties');
  });
});
