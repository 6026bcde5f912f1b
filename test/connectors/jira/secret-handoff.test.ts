import { expect } from 'chai';
import axios from 'axios';
import { Harness, SECRETS } from '../../helpers/harness';
import { quickPolicy } from '../../helpers/policy';
import type { AccessContext, AccessProvider } from '../../../src/providers/types';

const HANDOFF_KEY = Buffer.alloc(32, 7).toString('base64');

/** A shared account whose password the provider sets: tests check which password is current. */
class SharedAccount implements AccessProvider {
  readonly id = 'directory';
  readonly type = 'test';
  password = 'initial-password-known-to-nobody';
  history: string[] = [];
  async grant() {
    throw new Error('a shared account is never granted by membership');
  }
  async revoke() {
    throw new Error('a shared account is never revoked by membership');
  }
  async rotate(ctx: AccessContext & { reason: string }) {
    this.password = `Pw-${Math.random().toString(36).slice(2)}-${this.history.length}!`;
    this.history.push(ctx.reason);
    return { secret: { label: `password for ${ctx.facts.account}`, value: this.password } };
  }
}

const BINDING = { id: 'backup-admin', provider: 'directory', match: { accounts: ['svc_backup'] }, share: 'rotate' };
const TICKET = [
  'Target systems: backup01',
  'Account: svc_backup',
  'Access: admin',
  'Justification: restore test',
  'Duration: 2h',
].join('\n');

describe('shared account handed off through a one-time link (Jira, over HTTP)', function () {
  this.timeout(30_000);
  let h: Harness;
  let account: SharedAccount;
  afterEach(async () => {
    if (h) {
      expect(h.fake.violations).to.deep.equal([]);
      await h.stop();
    }
  });

  async function granted() {
    const { key } = await h.fake.createIssue('acc-requester', {
      project: 'CRED',
      issueType: 'Credential request',
      summary: 'Backup admin',
      description: TICKET,
    });
    await h.settle();
    await h.fake.transitionAs('acc-alice', key, 'Approved');
    await h.settle();
    expect(h.fake.statusOf(key)).to.equal('Access granted');
    return key;
  }

  const linkIn = (h: Harness, key: string): string => {
    const text = h.comments(key).find((t) => t.includes('Your credential is ready'));
    expect(text, 'a comment with the link').to.be.a('string');
    const url = /(http:\/\/127\.0\.0\.1:\d+\/s\/[A-Za-z0-9_-]+)/.exec(text!)?.[1];
    expect(url, text).to.be.a('string');
    return url!;
  };

  it('posts a link, never the password; reveals once; comments the reveal; rotates when the last grant ends', async () => {
    account = new SharedAccount();
    h = await Harness.start({
      policy: quickPolicy({ providers: [BINDING] }),
      providers: [account],
      config: { handoff: { key: HANDOFF_KEY } },
    });
    const first = await granted();
    const url = linkIn(h, first);
    const password = account.password;
    expect(account.history).to.have.length(1);
    for (const t of h.fake.commentTexts(first)) expect(t).not.to.include(password);
    // Jira wiki's explicit link syntax, unescaped: clickable, unlike URLs in requester text.
    expect(h.fake.commentTexts(first).some((t) => t.includes(`[${url}]`))).to.equal(true);

    // Opening the page (a chat preview, say) does not reveal or burn it.
    const page = await axios.get(url, { validateStatus: () => true });
    expect(page.status).to.equal(200);
    expect(page.data).not.to.include(password);
    const revealed = await axios.post(`${url}/reveal`, '', {
      validateStatus: () => true,
      headers: { 'User-Agent': 'Mozilla/5.0 test-browser' },
    });
    expect(revealed.status).to.equal(200);
    expect(revealed.data).to.include(password);
    const again = await axios.post(`${url}/reveal`, '', { validateStatus: () => true });
    expect(again.status).to.equal(410);
    expect(again.data).not.to.include(password);
    await h.settle();
    const opened = h.comments(first).find((t) => t.includes('One-time link opened'));
    expect(opened).to.include('password for svc_backup was revealed');
    expect(opened).to.include('127.0.0.1');
    expect(opened).to.include('Mozilla/5.0 test-browser');

    // A second grant on the same shared account gets the same password, not a rotation that would
    // lock the first holder out.
    const second = await granted();
    expect(account.history).to.have.length(1);
    const secondLink = await axios.post(`${linkIn(h, second)}/reveal`, '', { validateStatus: () => true });
    expect(secondLink.data).to.include(password);

    // The first grant ends: the second still uses the password, so nothing rotates.
    await h.fake.commentAs('acc-requester', first, '/revoke');
    await h.settle();
    expect(h.fake.statusOf(first)).to.equal('Access revoked');
    expect(account.password).to.equal(password);
    // The last grant ends: the password people saw stops working.
    await h.fake.commentAs('acc-requester', second, '/revoke');
    await h.settle();
    expect(account.password).not.to.equal(password);
    expect(account.history).to.have.length(2);

    const actions: string[] = [];
    for await (const e of h.service.audit.entries()) actions.push(e.action);
    expect(actions).to.include.members(['secret-link-issued', 'secret-revealed', 'access-kept', 'account-rotated']);
    expect(await h.service.audit.verify()).to.deep.include({ ok: true });

    // Neither a password nor a link token reaches a log line or the audit trail.
    const logs = h.logs.join('');
    const token = url.split('/').pop()!;
    for (const s of [password, account.password, token, ...Object.values(SECRETS)]) expect(logs).not.to.include(s);
    for await (const e of h.service.audit.entries()) expect(JSON.stringify(e)).not.to.include(password);
  });

  it("stamps the audit trail of a grant, its link and its revocation with the service's clock", async () => {
    // A clock a year ahead of the machine's: every entry must carry it, none the machine's time.
    const YEAR = 365 * 24 * 3_600_000;
    account = new SharedAccount();
    h = await Harness.start({
      policy: quickPolicy({ providers: [BINDING] }),
      providers: [account],
      config: { handoff: { key: HANDOFF_KEY } },
      clock: () => new Date(Date.now() + YEAR),
    });
    const key = await granted();
    await h.fake.commentAs('acc-requester', key, '/revoke');
    await h.settle();
    expect(h.fake.statusOf(key)).to.equal('Access revoked');
    const entries: { action: string; at: string }[] = [];
    for await (const e of h.service.audit.entries()) entries.push(e);
    expect(entries.map((e) => e.action)).to.include.members(['secret-link-issued', 'account-rotated']);
    for (const e of entries) expect(Date.parse(e.at) - Date.now(), `${e.action} at ${e.at}`).to.be.above(YEAR - 60_000);
  });

  it('without a link key the grant fails loudly on the ticket instead of posting a password', async () => {
    account = new SharedAccount();
    h = await Harness.start({ policy: quickPolicy({ providers: [BINDING] }), providers: [account] });
    const { key } = await h.fake.createIssue('acc-requester', {
      project: 'CRED',
      issueType: 'Credential request',
      summary: 'Backup admin',
      description: TICKET,
    });
    await h.settle();
    await h.fake.transitionAs('acc-alice', key, 'Approved');
    await h.settle();
    const failed = h.comments(key).find((t) => t.includes('Access could not be granted'));
    expect(failed).to.include('handoff.key');
    expect(
      h.comments(key).some((t) => t.includes('Access granted until')),
      'never claims access was granted',
    ).to.equal(false);
    expect(h.fake.statusOf(key)).to.equal('Access revoked');
    // No password was set for the grant; the clean-up revoke rotates the shared account, as every
    // end of a grant on it does, and nobody is handed that password.
    expect(account.history).to.deep.equal(['the grant failed']);
    expect(h.comments(key).some((t) => t.includes('Your credential is ready'))).to.equal(false);
    for (const t of h.fake.commentTexts(key)) expect(t).not.to.include(account.password);
  });

  it('in ADF the link is a real link mark; in wiki it is an explicit [link]', async () => {
    account = new SharedAccount();
    h = await Harness.start({
      policy: quickPolicy({ providers: [BINDING] }),
      providers: [account],
      config: { handoff: { key: HANDOFF_KEY }, jira: { commentFormat: 'adf' } },
    });
    const key = await granted();
    const comment = h.fake.comments(key).find((c) => JSON.stringify(c.body).includes('Your credential is ready'));
    const json = JSON.stringify(comment?.body);
    expect(json).to.match(
      /\{"type":"text","text":"(http:\/\/127\.0\.0\.1:\d+\/s\/[A-Za-z0-9_-]+)","marks":\[\{"type":"link","attrs":\{"href":"\1"\}\}\]\}/,
    );
    expect(json).not.to.include(account.password);
  });
});
