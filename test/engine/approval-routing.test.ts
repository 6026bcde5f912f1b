import { expect } from 'chai';
import { decide, type DecideContext } from '../../src/engine/decide';
import type { CredentialRequest, TimerKind } from '../../src/domain/request';
import type { Effect } from '../../src/domain/effect';
import type { EngineEvent } from '../../src/domain/event';
import type { Actor, StatusChange, TicketReply } from '../../src/domain/ticket';
import { routingPolicy } from '../helpers/policy';
import { approverA, approverB, change, GROUPS, outsider, owner, requester, snapshot } from '../helpers/tickets';

// Monday 2026-11-23 10:00 Berlin.
const T0 = new Date('2026-11-23T09:00:00.000Z');
const H = 3_600_000;
const policy = routingPolicy();
const ctx = (now = T0): DecideContext => ({ policy, now });
const lead: Actor = { id: 'acc-lena', displayName: 'Lena Lead' };
const manager: Actor = { id: 'acc-mgr', displayName: 'Max Manager' };
const groups = { ...GROUPS, [lead.id]: ['it-leads'], [manager.id]: [], 'acc-sam': [], 'acc-dave': [] };

const ACME = [
  'Target systems: prod-erp',
  'Account: sa',
  'Access: read-write',
  'Justification: month end',
  'Duration: 6h',
  'Client: ACME Corp',
  'Company: Vendor Ltd',
].join('\n');

const observed = (changes: StatusChange[] = [], snap = snapshot(), people?: { managers?: string[] }): EngineEvent => ({
  type: 'ticket-observed',
  snapshot: snap,
  changes,
  groupsByActor: groups,
  people,
});

async function step(request: CredentialRequest | null, event: EngineEvent, c = ctx()) {
  const d = await decide(request, event, c);
  if (!d) throw new Error('no decision');
  return { request: { ...d.request, outbox: [] }, effects: d.request.outbox };
}
const comments = (effects: Effect[]) => effects.flatMap((e) => (e.kind === 'comment' ? [e] : []));
const audits = (effects: Effect[]) => effects.flatMap((e) => (e.kind === 'audit' ? [e.event] : []));
const fire = (r: CredentialRequest, timer: TimerKind) =>
  step(r, { type: 'timer-fired', timer, dueAt: r.timers[timer]! }, ctx(new Date(r.timers[timer]!)));
const approveBy = (r: CredentialRequest, actor: Actor, snap = snapshot(), at = T0) =>
  step(r, observed([change(actor, 'Approved', 'approved', at.toISOString())], snap), ctx(at));

describe('approval routing: client overlays', () => {
  it('judges a client request under its overlay and names the overlay in every audit entry', async () => {
    const { request, effects } = await step(null, observed([], snapshot({ description: ACME })));
    expect(request.overlay).to.equal('acme');
    // production-system is switched off for ACME: low risk, and the ACME cap of 2h applies.
    expect(request.risk).to.equal('low');
    expect(request.grantMs).to.equal(2 * H);
    expect(request.steps.map((s) => s.id)).to.deep.equal(['it-approver', 'client-owner']);
    expect(request.steps[1]).to.include({ source: 'client-owner' });
    expect(request.steps[1].users).to.deep.equal(['acc-carl']);
    const entries = audits(effects);
    expect(entries.length).to.be.greaterThan(1);
    expect(entries.every((e) => e.detail?.overlay === 'acme')).to.equal(true);
    const received = comments(effects).find((c) => c.template === 'request-received')!;
    expect((received.view.steps as { who: string }[])[1].who).to.equal('client owner @acc-carl');
  });

  it('asks for the facts the overlay requires', async () => {
    const noCompany = ACME.replace('Company: Vendor Ltd', '');
    const { request } = await step(null, observed([], snapshot({ description: noCompany })));
    expect(request.state).to.equal('awaiting-info');
    expect(request.missing).to.deep.equal(['company']);
  });

  it('leaves other clients on the base policy', async () => {
    const other = ACME.replace('ACME Corp', 'Globex');
    const { request, effects } = await step(null, observed([], snapshot({ description: other })));
    expect(request.overlay).to.equal(null);
    expect(request.risk).to.equal('high');
    expect(audits(effects).some((e) => e.detail?.overlay)).to.equal(false);
  });

  it('grants only after both the IT approver and the client owner sign', async () => {
    let { request } = await step(null, observed([], snapshot({ description: ACME })));
    ({ request } = await approveBy(request, approverA, snapshot({ description: ACME })));
    expect(request.state).to.equal('pending-approval');
    ({ request } = await approveBy(request, owner, snapshot({ description: ACME })));
    expect(request.state).to.equal('granted');
    expect(request.access).to.equal(null);
  });
});

describe('approval routing: approvers found at run time', () => {
  const managed = (people?: { managers?: string[] }) => observed([], snapshot({ labels: ['managed'] }), people);

  it('records the requester manager and the system owner with the request', async () => {
    const { request, effects } = await step(null, managed({ managers: ['acc-mgr'] }));
    expect(request.steps.map((s) => [s.id, s.users, s.resolved])).to.deep.equal([
      ['manager', ['acc-mgr'], ['acc-mgr']],
      ['system-owner', ['acc-sam'], ['acc-sam']],
    ]);
    const received = comments(effects).find((c) => c.template === 'request-received')!;
    expect((received.view.steps as { who: string }[]).map((s) => s.who)).to.deep.equal([
      'manager @acc-mgr',
      'system owner @acc-sam',
    ]);
  });

  it('keeps who could approve when the directory later names another manager', async () => {
    let { request } = await step(null, managed({ managers: ['acc-mgr'] }));
    const newManager: Actor = { id: 'acc-new', displayName: 'New Manager' };
    const later = await step(
      request,
      observed([change(newManager, 'Approved', 'approved')], snapshot({ labels: ['managed'] }), {
        managers: ['acc-new'],
      }),
    );
    expect(comments(later.effects)[0].view.rule).to.equal('approver-group');
    expect(later.request.steps[0].users).to.deep.equal(['acc-mgr']);
    ({ request } = await approveBy(request, manager, snapshot({ labels: ['managed'] })));
    ({ request } = await approveBy(
      request,
      { id: 'acc-sam', displayName: 'Sam Owner' },
      snapshot({ labels: ['managed'] }),
    ));
    expect(request.state).to.equal('granted');
  });

  it('never names the requester, and brings in the fallback when the source names nobody else', async () => {
    const { request, effects } = await step(null, managed({ managers: [requester.id] }));
    expect(request.steps[0]).to.deep.include({ users: ['acc-dave'], resolved: [], escalated: true });
    const received = comments(effects).find((c) => c.template === 'request-received')!;
    expect((received.view.steps as { who: string }[])[0].who).to.equal('user @acc-dave');
  });
});

describe('approval routing: reminders and escalation', () => {
  it('reminds the step, then lets the fallback group join, then the pending timeout still applies', async () => {
    let { request } = await step(null, observed());
    expect(request.timers['approval-reminder']).to.equal(new Date(T0.getTime() + 2 * H).toISOString());
    expect(request.timers.escalation).to.equal(new Date(T0.getTime() + 4 * H).toISOString());
    // The lead cannot approve yet.
    const early = await approveBy(request, lead);
    expect(comments(early.effects)[0].view.rule).to.equal('approver-group');

    const reminded = await fire(request, 'approval-reminder');
    expect(comments(reminded.effects).map((c) => c.template)).to.deep.equal(['approval-reminder']);
    expect((comments(reminded.effects)[0].view.steps as { who: string }[])[0].who).to.equal(
      'group credential-approvers',
    );
    expect(audits(reminded.effects).map((a) => a.action)).to.deep.equal(['approval-reminder']);
    request = reminded.request;

    const escalated = await fire(request, 'escalation');
    const [c] = comments(escalated.effects);
    expect(c.template).to.equal('approval-escalated');
    expect((c.view.steps as { who: string }[])[0].who).to.equal('group credential-approvers or group it-leads');
    expect(audits(escalated.effects)[0]).to.include({ action: 'approval-escalated', outcome: 'escalated' });
    request = escalated.request;
    expect(request.timers.escalation).to.equal(undefined);

    const granted = await approveBy(request, lead, snapshot(), new Date(T0.getTime() + 5 * H));
    expect(granted.request.state).to.equal('granted');
    // Without any approval the existing pending timeout still ends the request.
    const expired = await fire(request, 'pending-timeout');
    expect(expired.request.state).to.equal('expired');
    expect(expired.effects.filter((e) => e.kind === 'unschedule').length).to.equal(0);
    expect(expired.request.timers).to.deep.equal({});
  });

  it('stops reminding once the step is approved', async () => {
    let { request } = await step(null, observed());
    const { request: after, effects } = await approveBy(request, approverA);
    request = after;
    expect(request.state).to.equal('granted');
    expect(
      effects.filter((e) => e.kind === 'unschedule').map((e) => (e as { timer: string }).timer),
    ).to.include.members(['approval-reminder', 'escalation']);
    expect(request.timers['approval-reminder']).to.equal(undefined);
  });

  it('counts business hours: a Friday afternoon reminder is due on Monday morning', async () => {
    // Friday 2026-11-27 16:30 Berlin: 30 working minutes left that day.
    const friday = new Date('2026-11-27T15:30:00.000Z');
    let { request } = await step(
      null,
      observed([], snapshot({ labels: ['managed'] }), { managers: ['acc-mgr'] }),
      ctx(friday),
    );
    expect(request.timers['approval-reminder']).to.equal('2026-11-30T08:30:00.000Z');
    expect(request.timers.escalation).to.equal('2026-11-30T09:30:00.000Z');
    ({ request } = await fire(request, 'approval-reminder'));
    const { request: replaced, effects } = await fire(request, 'escalation');
    expect(replaced.steps[0]).to.deep.include({ users: ['acc-dave'], groups: [], resolved: [] });
    expect(comments(effects)[0].view.steps).to.deep.equal([
      { name: 'Line manager', count: 1, who: 'user @acc-dave', before: 'manager @acc-mgr', mode: 'replace' },
    ]);
    // The old manager is out of the step now.
    const late = await approveBy(
      replaced,
      manager,
      snapshot({ labels: ['managed'] }),
      new Date('2026-11-30T10:00:00Z'),
    );
    expect(comments(late.effects)[0].view.rule).to.equal('approver-group');
  });
});

describe('approval routing: /delegate', () => {
  const HIGH = snapshot({ description: ACME.replace('Client: ACME Corp', '').replace('Company: Vendor Ltd', '') });
  const delegateReply = (author: Actor, body: string, id = 'c-1'): TicketReply => ({
    id,
    author,
    body,
    at: T0.toISOString(),
  });
  const withReply = (reply: TicketReply) => ({ ...HIGH, replies: [reply] });

  it('lets the delegate approve once, for the delegator, until the date', async () => {
    let { request } = await step(null, observed([], HIGH));
    expect(request.risk).to.equal('high');
    const snap = withReply(delegateReply(approverA, '/delegate @Olga Outsider until 2026-11-24'));
    const delegated = await step(request, observed([], snap));
    expect(comments(delegated.effects)[0].template).to.equal('approval-delegated');
    expect(audits(delegated.effects)[0]).to.deep.include({ action: 'approval-delegated', actor: approverA.id });
    request = delegated.request;

    // Olga is no approver herself, but approves in Alice's place.
    const one = await approveBy(request, outsider, snap);
    expect(one.request.approvals[0]).to.deep.include({ actor: outsider, onBehalfOf: approverA });
    // Alice's vote is spent: she cannot approve as well.
    const twice = await approveBy(one.request, approverA, snap);
    expect(comments(twice.effects)[0].view).to.include({ rule: 'distinct-approvers' });
    const done = await approveBy(one.request, approverB, snap);
    expect(done.request.state).to.equal('granted');
  });

  it('lets the delegate decline in the approver place too', async () => {
    let { request } = await step(null, observed([], HIGH));
    const snap = withReply(delegateReply(approverA, '/delegate @Olga Outsider until 2026-11-24'));
    ({ request } = await step(request, observed([], snap)));
    const declined = await step(request, observed([change(outsider, 'Declined', 'declined', T0.toISOString())], snap));
    expect(declined.request.state).to.equal('declined');
  });

  it('ends at the date given', async () => {
    let { request } = await step(null, observed([], HIGH));
    const snap = withReply(delegateReply(approverA, '/delegate @Olga Outsider until 2026-11-23T12:00:00Z'));
    ({ request } = await step(request, observed([], snap)));
    const late = await approveBy(request, outsider, snap, new Date('2026-11-23T12:00:00Z'));
    expect(comments(late.effects)[0].view.rule).to.equal('approver-group');
  });

  it('refuses a delegation to the requester and one by a non-approver', async () => {
    const { request } = await step(null, observed([], HIGH));
    const toSelf = await step(
      request,
      observed([], withReply(delegateReply(approverA, '/delegate @Rita Requester until 2026-11-24'))),
    );
    expect(comments(toSelf.effects)[0].view.message).to.include('nobody approves their own request');
    expect(toSelf.request.delegations ?? []).to.deep.equal([]);
    const stranger = await step(
      request,
      observed([], withReply(delegateReply(outsider, '/delegate @Bob Approver until 2026-11-24'))),
    );
    expect(comments(stranger.effects)[0].view.message).to.include('only the requester or an approver');
    const byRequester = await step(
      request,
      observed([], withReply(delegateReply(requester, '/delegate @Bob Approver until 2026-11-24'))),
    );
    expect(comments(byRequester.effects)[0].view.message).to.include('only an approver');
    const bad = await step(request, observed([], withReply(delegateReply(approverA, '/delegate Olga next week'))));
    expect(comments(bad.effects)[0].view.message).to.include('for example /delegate');
  });
});

describe('policy: effective policy for a client', () => {
  it('finds the overlay by client name and falls back to the base policy', () => {
    expect(policy.forClient('acme corp').overlayId).to.equal('acme');
    expect(policy.forClient('Globex').overlayId).to.equal(null);
    expect(policy.overlay('acme').document.risk.rules).to.deep.equal([]);
  });
});
