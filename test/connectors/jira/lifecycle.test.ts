import { expect } from 'chai';
import { Harness, eventually } from '../../helpers/harness';
import { quickPolicy } from '../../helpers/policy';
import type { AccessContext, AccessProvider } from '../../../src/providers/types';
import { CredgateError } from '../../../src/util/errors';

/**
 * A directory group as a provider would change it: who is a member, until when. Tests read the
 * membership, not what credgate believes, after each step.
 */
class DirectoryGroup implements AccessProvider {
  readonly id = 'directory';
  readonly type = 'test';
  readonly members = new Map<string, string | null>();
  readonly calls: string[] = [];
  failRevokes = 0;
  failGrants = 0;
  /** What a failing grant throws. */
  grantFailure: () => Error = () => new CredgateError('permanent', 'no such group: cn=vpn-admins');
  rotations = 0;

  async grant(ctx: AccessContext) {
    this.calls.push(`grant ${ctx.requestId} until ${ctx.expiresAt}`);
    if (this.failGrants > 0) {
      this.failGrants--;
      throw this.grantFailure();
    }
    this.members.set(this.member(ctx), ctx.expiresAt);
    return { detail: { group: ctx.target.settings.group, member: this.member(ctx) } };
  }

  async revoke(ctx: AccessContext & { reason: string }) {
    this.calls.push(`revoke ${ctx.requestId}`);
    if (this.failRevokes > 0) {
      this.failRevokes--;
      throw new CredgateError('permanent', 'the directory refused: insufficient access rights on cn=vpn-admins');
    }
    this.members.delete(this.member(ctx));
  }

  async rotate(ctx: AccessContext & { reason: string }) {
    this.calls.push(`rotate ${ctx.requestId}`);
    this.rotations++;
  }

  private member(ctx: AccessContext) {
    return `${ctx.facts.account}:${ctx.requester?.id}`;
  }
}

const BINDING = {
  id: 'vpn-admins',
  provider: 'directory',
  match: { systems: ['vpn*'] },
  with: { group: 'cn=vpn-admins,ou=groups' },
};
const VPN = [
  'Target systems: vpn-gateway',
  'Account: vpn_admin',
  'Access: admin',
  'Justification: firewall change',
  'Duration: 2h',
].join('\n');

async function file(h: Harness, description = VPN, summary = 'VPN admin access') {
  const { key } = await h.fake.createIssue('acc-requester', {
    project: 'CRED',
    issueType: 'Credential request',
    summary,
    description,
  });
  await h.settle();
  return key;
}

async function grantedTicket(h: Harness, description = VPN) {
  const key = await file(h, description);
  await h.fake.transitionAs('acc-alice', key, 'Approved');
  await h.settle();
  expect(h.fake.statusOf(key)).to.equal('Access granted');
  return key;
}

async function say(h: Harness, as: string, key: string, body: string) {
  await h.fake.commentAs(as, key, body);
  await h.settle();
  const texts = h.comments(key);
  return texts[texts.length - 1];
}

describe('lifecycle commands, overlapping grants and failed revocations (Jira, over HTTP)', function () {
  this.timeout(40_000);
  let h: Harness;
  let group: DirectoryGroup;
  const start = async (policy = quickPolicy({ providers: [BINDING] })) => {
    group = new DirectoryGroup();
    h = await Harness.start({ policy, providers: [group] });
  };
  afterEach(async () => {
    await h?.stopChecked();
  });

  it('/status answers anyone with the state, approvals and expiry; unknown and unauthorized commands get a reply', async () => {
    await start();
    const key = await grantedTicket(h);
    const status = await say(h, 'acc-olga', key, '/status');
    expect(status).to.include('Status: granted');
    expect(status).to.include('Asked by Olga Outsider');
    expect(status).to.include('Alice Approver (IT approver)');
    expect(status).to.match(/Expires:\* \d{4}-\d\d-\d\d \d\d:\d\d UTC \(1h 59m|2h left\)/);

    expect(await say(h, 'acc-olga', key, '/revoke now please')).to.include(
      'only the requester or an approver of this request can use /revoke',
    );
    expect(group.members.size, 'an outsider cannot end the access').to.equal(1);
    expect(await say(h, 'acc-requester', key, '/frobnicate')).to.include('credgate does not know /frobnicate');
    expect(await say(h, 'acc-requester', key, '/extend soon')).to.include(
      'say how much longer, for example /extend 2h',
    );
    // An ordinary reply gets no answer (the reply itself is the one new comment).
    const before = h.comments(key).length + 1;
    await h.fake.commentAs('acc-requester', key, 'thanks, working on it now');
    await h.settle();
    expect(h.comments(key), h.comments(key).at(-1)).to.have.length(before);
    // A redelivered comment webhook does not run a command twice.
    await h.fake.redeliverLast();
    await h.settle();
    expect(h.comments(key), h.comments(key).at(-1)).to.have.length(before);
  });

  it('/revoke by the requester ends the access at once, in the directory and on the ticket', async () => {
    await start();
    const key = await grantedTicket(h);
    expect([...group.members.keys()]).to.deep.equal(['vpn_admin:acc-requester']);
    const said = await say(h, 'acc-requester', key, '/revoke done early');
    expect(said).to.include('Access revoked');
    expect(said).to.include('revoked early by Rita Requester: done early');
    expect(h.fake.statusOf(key)).to.equal('Access revoked');
    expect(group.members.size).to.equal(0);
    const r = await h.requestOf(key);
    expect(r.state).to.equal('revoked');
    expect(r.timers.expiry, 'the expiry job is cancelled').to.equal(undefined);
    expect(await say(h, 'acc-requester', key, '/revoke')).to.include('there is no active access to revoke');
  });

  it('/extend within policy moves the expiry and tells the provider; beyond it, approvers decide', async () => {
    await start(quickPolicy({ providers: [BINDING], max: '4h' }));
    const key = await grantedTicket(h);
    const first = await h.requestOf(key);
    const said = await say(h, 'acc-requester', key, '/extend 1h');
    expect(said).to.include('Access extended until');
    const extended = await h.requestOf(key);
    expect(Date.parse(extended.expiresAt!) - Date.parse(first.expiresAt!)).to.equal(3_600_000);
    expect(extended.timers.expiry).to.equal(extended.expiresAt);
    expect(group.members.get('vpn_admin:acc-requester'), 'the directory sees the new end').to.equal(extended.expiresAt);

    // 3h granted so far; 2h more would make 5h, over the 4h cap: back to approval.
    const asked = await say(h, 'acc-requester', key, '/extend 2h');
    expect(asked).to.include('Extension of 2h needs approval');
    expect(asked).to.include('goes beyond the 4h policy allows');
    expect(h.fake.statusOf(key)).to.equal('Pending approval');
    expect((await h.requestOf(key)).expiresAt, 'nothing changes until approved').to.equal(extended.expiresAt);

    // The requester cannot approve their own extension; an approver can.
    await h.fake.transitionAs('acc-requester', key, 'Approved');
    await h.settle();
    expect(h.comments(key).at(-1)).to.include('nobody approves their own');
    await h.fake.transitionAs('acc-bob', key, 'Approved');
    await h.settle();
    expect(h.fake.statusOf(key)).to.equal('Access granted');
    expect(h.comments(key).at(-1)).to.include('Access extended until');
    expect(Date.parse((await h.requestOf(key)).expiresAt!) - Date.parse(extended.expiresAt!)).to.equal(7_200_000);
  });

  it('overlapping grants: the first one ending keeps the access the second still covers', async () => {
    await start();
    const first = await grantedTicket(h);
    const second = await grantedTicket(h);
    expect(group.members.size, 'one membership, covered twice').to.equal(1);

    await say(h, 'acc-requester', first, '/revoke');
    expect(h.fake.statusOf(first)).to.equal('Access revoked');
    expect(group.members.has('vpn_admin:acc-requester'), 'still covered by the second grant').to.equal(true);
    expect(group.calls.filter((c) => c.startsWith('revoke'))).to.deep.equal([]);
    const entries = [];
    for await (const e of h.service.audit.entries()) entries.push(e);
    const kept = entries.find((e) => e.action === 'access-kept');
    expect(kept?.detail?.coveredBy).to.deep.equal([(await h.requestOf(second)).id]);

    await say(h, 'acc-requester', second, '/revoke');
    expect(group.members.size, 'the last grant ended: access removed').to.equal(0);
  });

  it('a revocation that keeps failing moves the ticket to "Revocation failed" and calls the approvers; /revoke retries', async () => {
    await start();
    const key = await grantedTicket(h);
    group.failRevokes = 100;
    await h.fake.commentAs('acc-requester', key, '/revoke');
    await eventually(() => expect(h.fake.statusOf(key)).to.equal('Revocation failed'), 15_000);
    await h.settle();
    const failed = h.fake.commentTexts(key).find((t) => t.includes('Revocation failed'));
    expect(failed, 'a comment says so').to.be.a('string');
    expect(failed).to.include('insufficient access rights');
    expect(failed).to.include('[~accountid:acc-alice]');
    expect(group.calls.filter((c) => c.startsWith('revoke')).length, 'retried up to maxAttempts').to.equal(6);
    expect(group.members.size).to.equal(1);
    expect((await h.requestOf(key)).state).to.equal('revocation-failed');
    const revokedNotes = () => h.fake.commentTexts(key).filter((t) => t.includes('Access revoked'));
    expect(revokedNotes(), 'no "Access revoked" while the access remains').to.deep.equal([]);
    expect(h.fake.statusOf(key), 'and the status stays').to.equal('Revocation failed');

    group.failRevokes = 0;
    await say(h, 'acc-alice', key, '/revoke');
    await eventually(() => expect(h.fake.statusOf(key)).to.equal('Access revoked'));
    expect(group.members.size).to.equal(0);
    await h.settle();
    expect(revokedNotes(), 'said once, when it is true').to.have.length(1);
  });

  it('in ADF (REST v3) a failed revocation mentions the approvers with mention nodes the v3 contract accepts', async () => {
    group = new DirectoryGroup();
    h = await Harness.start({
      policy: quickPolicy({ providers: [BINDING] }),
      providers: [group],
      config: { jira: { commentFormat: 'adf' } },
    });
    const key = await grantedTicket(h);
    group.failRevokes = 100;
    await h.fake.commentAs('acc-requester', key, '/revoke');
    await eventually(() => expect(h.fake.statusOf(key)).to.equal('Revocation failed'), 15_000);
    await h.settle();
    const failed = h.fake.comments(key).find((c) => JSON.stringify(c.body).includes('Revocation failed'));
    const json = JSON.stringify(failed?.body);
    expect(json).to.include('{"type":"mention","attrs":{"id":"acc-alice","text":"@Alice Approver"}}');
  });

  it('a grant that fails for good never says "Access granted": the ticket says why and ends, and the access is free for the next grant', async () => {
    await start();
    group.failGrants = 1;
    const key = await file(h);
    await h.fake.transitionAs('acc-alice', key, 'Approved');
    await h.settle();
    const texts = h.comments(key);
    expect(texts.some((t) => t.includes('Access granted until'))).to.equal(false);
    const failed = texts.find((t) => t.includes('Access could not be granted'));
    expect(failed).to.include('The request was approved (Alice Approver)');
    expect(failed).to.include('no such group: cn=vpn-admins');
    expect(h.fake.statusOf(key)).to.equal('Access revoked');
    const r = await h.requestOf(key);
    expect(r.state).to.equal('revoked');
    expect(r.timers).to.deep.equal({});
    expect(group.members.size).to.equal(0);
    const actions: string[] = [];
    for await (const e of h.service.audit.entries()) if (e.requestId === r.id) actions.push(e.action);
    expect(actions).to.include('grant-failed');
    expect(actions).not.to.include('access-granted');

    // The failed grant holds nothing: a new request's access ends when that request ends.
    const next = await grantedTicket(h);
    expect(group.members.size).to.equal(1);
    await say(h, 'acc-requester', next, '/revoke');
    expect(group.members.size).to.equal(0);
  });

  it('an untyped error from a provider is no silent "transient": the grant fails at once; a transient one is retried', async () => {
    await start();
    group.failGrants = 100;
    group.grantFailure = () => new Error('directory client exploded');
    const key = await file(h);
    await h.fake.transitionAs('acc-alice', key, 'Approved');
    await h.settle();
    expect(group.calls.filter((c) => c.startsWith('grant')).length, 'not retried').to.equal(1);
    expect(h.comments(key).find((t) => t.includes('Access could not be granted'))).to.include('client exploded');
    expect(h.fake.statusOf(key)).to.equal('Access revoked');

    group.calls.length = 0;
    group.failGrants = 2;
    group.grantFailure = () => new CredgateError('transient', 'directory busy');
    const retried = await file(h);
    await h.fake.transitionAs('acc-alice', retried, 'Approved');
    await eventually(() => expect(h.fake.statusOf(retried)).to.equal('Access granted'), 15_000);
    expect(group.calls.filter((c) => c.startsWith('grant')).length, 'two failures, then the grant').to.equal(3);
  });
});
