import { expect } from 'chai';
import { decide, type DecideContext } from '../../src/engine/decide';
import type { CredentialRequest } from '../../src/domain/request';
import type { CommentEffect, Effect } from '../../src/domain/effect';
import type { EngineEvent } from '../../src/domain/event';
import type { StatusChange, TicketReply } from '../../src/domain/ticket';
import { quickPolicy } from '../helpers/policy';
import { approverA, approverB, change, GROUPS, outsider, requester, snapshot } from '../helpers/tickets';

/**
 * Every path through `decide` that follows a grant: /extend within and beyond the policy's cap,
 * /revoke, a grant or a revocation that fails for good, other failed effects, a revealed or refused
 * one-time link and overlapping grants. Pure: requests in, requests out, no server.
 */
const T0 = new Date('2026-11-25T10:00:00.000Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const ctx = (now = T0): DecideContext => ({ policy: quickPolicy(), now });

let replySeq = 0;
const reply = (author = requester, body = '/status'): TicketReply => ({
  id: `reply-${++replySeq}`,
  author,
  body,
  at: T0.toISOString(),
});
const observed = (changes: StatusChange[] = [], replies: TicketReply[] = [], key = 'CRED-1'): EngineEvent => ({
  type: 'ticket-observed',
  snapshot: snapshot({ replies, ref: { connector: 'jira', id: key.replace(/\D/g, ''), key } }),
  changes,
  groupsByActor: GROUPS,
});

/** The request as stored after the decision, and the effects that decision added. */
async function step(request: CredentialRequest | null, event: EngineEvent, c = ctx()) {
  const d = await decide(request, event, c);
  if (!d) throw new Error('decide returned null');
  const before = new Set((request?.outbox ?? []).map((e) => e.key));
  return { request: d.request, added: d.request.outbox.filter((e) => !before.has(e.key)), changed: d.changed };
}
const performed = (r: CredentialRequest): CredentialRequest => ({ ...r, outbox: [] });
/** The request as the effect runner sees it when this effect is next: the ones before it ran. */
function headAt(r: CredentialRequest, match: (e: Effect) => boolean): CredentialRequest {
  const i = r.outbox.findIndex(match);
  expect(i, 'the effect is owed').to.be.at.least(0);
  return { ...r, outbox: r.outbox.slice(i) };
}
const comments = (effects: Effect[]) => effects.filter((e): e is CommentEffect => e.kind === 'comment');
const templates = (effects: Effect[]) => comments(effects).map((c) => c.template);
const audits = (effects: Effect[]) => effects.flatMap((e) => (e.kind === 'audit' ? [e.event] : []));
const statuses = (effects: Effect[]) => effects.flatMap((e) => (e.kind === 'set-status' ? [e.position] : []));

/** A low-risk request (one approver, 2h of the 8h cap) just granted, its outbox as decided. */
async function granted(key = 'CRED-1'): Promise<CredentialRequest> {
  const created = await step(null, observed([], [], key));
  const approval = await step(
    performed(created.request),
    observed([change(approverA, 'Approved', 'approved')], [], key),
  );
  expect(approval.request.state).to.equal('granted');
  return approval.request;
}

describe('engine: /extend', () => {
  it('within the cap moves the expiry at once, re-arms the timers and tells the provider', async () => {
    const r = performed(await granted());
    const { request, added } = await step(r, observed([], [reply(requester, '/extend 2h')]), ctx(at(30)));
    expect(request.state).to.equal('granted');
    expect(request.expiresAt).to.equal('2026-11-25T14:00:00.000Z');
    expect(request.timers).to.deep.equal({ expiry: '2026-11-25T14:00:00.000Z', reminder: '2026-11-25T13:00:00.000Z' });
    expect(added.find((e) => e.kind === 'grant')).to.include({ extension: true, expiresAt: request.expiresAt });
    expect(templates(added)).to.deep.equal(['access-extended']);
    expect(audits(added).map((a) => a.rules)).to.deep.equal([['extend-within-policy']]);
  });

  it('beyond the cap waits for an approver other than the asker; access runs on meanwhile', async () => {
    const r = performed(await granted());
    const asked = await step(r, observed([], [reply(requester, '/extend 10h')]), ctx(at(30)));
    expect(asked.request.state).to.equal('granted');
    expect(asked.request.expiresAt, 'nothing moves yet').to.equal(r.expiresAt);
    expect(asked.request.extension).to.include({ ms: 36_000_000 });
    expect(statuses(asked.added)).to.deep.equal(['pending-approval']);
    expect(templates(asked.added)).to.deep.equal(['extension-requested']);
    expect(audits(asked.added)[0].rules).to.deep.equal(['extend-beyond-policy']);

    const self = await step(performed(asked.request), observed([change(requester, 'Approved', 'approved')]));
    expect(self.request.extension, 'the asker cannot approve it').to.not.equal(null);
    expect(comments(self.added)[0].view.rule).to.equal('separation-of-duties');

    const approved = await step(performed(self.request), observed([change(approverB, 'Approved', 'approved')]));
    expect(approved.request.extension).to.equal(null);
    expect(approved.request.expiresAt).to.equal('2026-11-25T22:00:00.000Z');
    expect(approved.added.find((e) => e.kind === 'grant')).to.include({ extension: true });
    expect(audits(approved.added).map((a) => a.action)).to.include('access-extended');
    expect(audits(approved.added).find((a) => a.action === 'access-extended')!.rules).to.deep.equal([
      'extend-approved',
    ]);
  });

  it('beyond the cap, declined by an approver: the grant stays as it was', async () => {
    const r = performed(await granted());
    const asked = await step(r, observed([], [reply(requester, '/extend 10h')]));
    const declined = await step(performed(asked.request), observed([change(approverB, 'Declined', 'declined')]));
    expect(declined.request.state).to.equal('granted');
    expect(declined.request.extension).to.equal(null);
    expect(declined.request.expiresAt).to.equal(r.expiresAt);
    expect(statuses(declined.added)).to.deep.equal(['granted']);
    expect(templates(declined.added)).to.deep.equal(['extension-declined']);
  });
});

describe('engine: /revoke', () => {
  it('by the requester ends the access now: timers cleared, revoke owed, ticket told', async () => {
    const r = performed(await granted());
    const { request, added } = await step(r, observed([], [reply(requester, '/revoke done early')]), ctx(at(10)));
    expect(request.state).to.equal('revoked');
    expect(request.endReason).to.equal('revoked early by Rita Requester: done early');
    expect(request.timers).to.deep.equal({});
    expect(added.map((e) => e.kind)).to.deep.equal([
      'unschedule',
      'unschedule',
      'revoke',
      'set-status',
      'comment',
      'audit',
    ]);
    expect(statuses(added)).to.deep.equal(['revoked']);
  });

  it('by someone who is neither requester nor approver, or with nothing to revoke, is refused with a reply', async () => {
    const r = performed(await granted());
    const stranger = await step(r, observed([], [reply(outsider, '/revoke')]));
    expect(stranger.request.state).to.equal('granted');
    expect(audits(stranger.added)[0].outcome).to.equal('unauthorized');
    const ended = performed((await step(r, observed([], [reply(requester, '/revoke')]))).request);
    const again = await step(ended, observed([], [reply(requester, '/revoke')]));
    expect(again.added.some((e) => e.kind === 'revoke')).to.equal(false);
    expect(audits(again.added)[0].outcome).to.equal('refused');
  });
});

describe('engine: effects that fail for good', () => {
  it('a grant: the owed "granted" status, comment and audit are dropped, a revoke undoes it, the request ends', async () => {
    const r = await granted();
    const owed = headAt(r, (e) => e.kind === 'grant');
    const grant = owed.outbox[0];
    const { request, added } = await step(owed, { type: 'effect-failed', effect: grant, error: 'no such group' });
    expect(request.state).to.equal('revoked');
    expect(request.endReason).to.equal('the grant failed: no such group');
    expect(request.timers).to.deep.equal({});
    expect(
      request.outbox.some((e) => e.key === grant.key),
      'the failed grant left the outbox',
    ).to.equal(false);
    expect(templates(request.outbox)).to.deep.equal(['grant-failed']);
    expect(statuses(request.outbox)).to.deep.equal(['revoked']);
    expect(audits(request.outbox).map((a) => a.action)).to.deep.equal(['grant-failed']);
    expect(added.find((e) => e.kind === 'revoke')).to.include({ reason: 'the grant failed' });
    expect(comments(added)[0].view).to.include({ error: 'no such group' });
  });

  it('a revocation: the ticket moves to "revocation failed" and the approvers are named; /revoke tries again', async () => {
    const r = performed(await granted());
    const expired = await step(r, { type: 'timer-fired', timer: 'expiry', dueAt: r.timers.expiry! }, ctx(at(120)));
    const owed = headAt(expired.request, (e) => e.kind === 'revoke');
    expect(templates(owed.outbox), 'owed after the revoke').to.include('access-revoked');
    const failed = await step(owed, { type: 'effect-failed', effect: owed.outbox[0], error: 'insufficient rights' });
    expect(failed.request.state).to.equal('revocation-failed');
    expect(statuses(failed.added)).to.deep.equal(['revocation-failed']);
    // Nothing still owed may tell the ticket the access was revoked.
    expect(templates(failed.request.outbox)).to.deep.equal(['revocation-failed']);
    expect(statuses(failed.request.outbox)).to.deep.equal(['revocation-failed']);
    expect(audits(failed.request.outbox).map((a) => a.action)).to.deep.equal(['revocation-failed']);
    const [notice] = comments(failed.added);
    expect(notice.template).to.equal('revocation-failed');
    expect(notice.mentions).to.deep.equal([approverA]);
    expect(audits(failed.added)[0]).to.include({ action: 'revocation-failed', outcome: 'revocation-failed' });

    const retried = await step(performed(failed.request), observed([], [reply(approverA, '/revoke')]));
    expect(retried.request.state).to.equal('revoked');
    expect(retried.added.find((e) => e.kind === 'revoke')).to.include({ reason: 'retry requested by Alice Approver' });
    // The retry fails too: again no "access revoked" is posted; the request stays failed.
    const again = headAt(retried.request, (e) => e.kind === 'revoke');
    const failedAgain = await step(again, { type: 'effect-failed', effect: again.outbox[0], error: 'still no rights' });
    expect(failedAgain.request.state).to.equal('revocation-failed');
    expect(templates(failedAgain.request.outbox)).to.deep.equal(['revocation-failed']);
    expect(statuses(failedAgain.request.outbox)).to.deep.equal(['revocation-failed']);
  });

  it('any other action: audited and told to the service desk first; a failed comment is only audited', async () => {
    const r = await granted();
    const owed = headAt(r, (e) => e.kind === 'set-status');
    const failed = await step(owed, {
      type: 'effect-failed',
      effect: owed.outbox[0],
      error: 'workflow has no such transition',
    });
    expect(failed.request.state, 'the access itself stands').to.equal('granted');
    expect(
      failed.request.outbox.slice(0, 2).map((e) => e.kind),
      'run next',
    ).to.deep.equal(['audit', 'comment']);
    expect(audits(failed.added)[0]).to.include({ action: 'effect-failed', outcome: 'set-status' });
    expect(templates(failed.added)).to.deep.equal(['action-failed']);
    expect(comments(failed.added)[0].view).to.include({
      action: 'move the ticket to its granted status',
      error: 'workflow has no such transition',
    });

    const comment = headAt(r, (e) => e.kind === 'comment');
    // A refused comment is audited and a short note says so (issue 9: nothing vanishes silently).
    const lost = await step(comment, { type: 'effect-failed', effect: comment.outbox[0], error: 'body too long' });
    expect(lost.added.map((e) => e.kind)).to.deep.equal(['audit', 'comment']);
    expect(templates(lost.added)).to.deep.equal(['action-failed']);
  });

  it('an extension whose provider update fails leaves the access as granted and says so', async () => {
    const r = performed(await granted());
    const extended = await step(r, observed([], [reply(requester, '/extend 1h')]));
    const owed = headAt(extended.request, (e) => e.kind === 'grant');
    const failed = await step(owed, { type: 'effect-failed', effect: owed.outbox[0], error: 'directory down' });
    expect(failed.request.state).to.equal('granted');
    expect(templates(failed.added)).to.deep.equal(['action-failed']);
  });

  it('a report about an effect no longer at the head of the outbox changes nothing', async () => {
    const r = await granted();
    const grant = r.outbox.find((e) => e.kind === 'grant')!;
    const stale = await decide(r, { type: 'effect-failed', effect: grant, error: 'late' }, ctx());
    expect(stale!.changed).to.equal(false);
    expect(stale!.request.state).to.equal('granted');
  });

  it('the same report decided twice yields the same effect keys (a replayed commit doubles nothing)', async () => {
    const owed = headAt(await granted(), (e) => e.kind === 'grant');
    const event: EngineEvent = { type: 'effect-failed', effect: owed.outbox[0], error: 'x' };
    const one = await step(owed, event);
    const two = await step(owed, event);
    expect(two.request.outbox.map((e) => e.key)).to.deep.equal(one.request.outbox.map((e) => e.key));
  });
});

describe('engine: one-time links', () => {
  const link = { linkId: 'a'.repeat(64), label: 'password for svc_reports', ip: '203.0.113.7', userAgent: '' };

  it('a reveal is commented on the ticket and audited, with who signed in', async () => {
    const r = performed(await granted());
    const event: EngineEvent = {
      type: 'link-revealed',
      ...link,
      at: at(5).toISOString(),
      identity: 'rita@example.com',
    };
    const { request, added } = await step(r, event, ctx(at(5)));
    expect(request.state).to.equal('granted');
    expect(comments(added)[0].template).to.equal('secret-revealed');
    expect(comments(added)[0].view).to.include({ revealedAt: '2026-11-25 10:05 UTC', userAgent: 'unknown browser' });
    expect(audits(added)[0]).to.include({ action: 'secret-revealed', actor: 'rita@example.com' });
    expect(audits(added)[0].detail).to.include({ link: 'aaaaaaaaaaaa' });
  });

  it('a refused opening (someone else signed in) is commented and audited, the request unchanged', async () => {
    const r = performed(await granted());
    const event: EngineEvent = { type: 'link-refused', ...link, at: at(5).toISOString(), identity: 'olga@example.com' };
    const { request, added } = await step(r, event);
    expect(request.state).to.equal('granted');
    expect(templates(added)).to.deep.equal(['secret-link-refused']);
    expect(audits(added)[0]).to.include({ action: 'secret-link-refused', actor: 'olga@example.com' });
  });

  it('concerns only a known request', async () => {
    const event: EngineEvent = { type: 'link-revealed', ...link, at: T0.toISOString(), identity: null };
    expect(await decide(null, event, ctx())).to.equal(null);
  });
});

describe('engine: overlapping grants', () => {
  it('two requests for the same access are granted independently; the first to end keeps the access for the other', async () => {
    const first = await granted('CRED-1');
    const second = await granted('CRED-2');
    expect(first.id).to.not.equal(second.id);
    expect([first.state, second.state]).to.deep.equal(['granted', 'granted']);

    const ended = await step(performed(first), observed([], [reply(requester, '/revoke')], 'CRED-1'));
    const owed = headAt(ended.request, (e) => e.kind === 'revoke');
    const revoke = owed.outbox[0];
    const kept = await step(owed, {
      type: 'access-kept',
      effect: revoke,
      coveredBy: [second.id],
      until: second.expiresAt,
    });
    expect(kept.request.state, 'this request has ended all the same').to.equal('revoked');
    expect(kept.request.outbox.some((e) => e.key === revoke.key)).to.equal(false);
    expect(kept.request.outbox[0].kind, 'audited next').to.equal('audit');
    expect(audits(kept.added)).to.deep.equal([
      {
        action: 'access-kept',
        actor: null,
        at: T0.toISOString(),
        outcome: 'access-kept',
        rules: [],
        detail: { coveredBy: [second.id], until: second.expiresAt },
      },
    ]);
    expect(kept.added.some((e) => e.kind === 'set-status' || e.kind === 'comment')).to.equal(false);
  });
});
