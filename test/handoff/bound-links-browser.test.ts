import { expect } from 'chai';
import axios from 'axios';
import type { Browser } from 'playwright-core';
import { Harness, USERS } from '../helpers/harness';
import { quickPolicy } from '../helpers/policy';
import { launchChromium } from '../helpers/chromium';
import { OIDC_CLIENT, TestOidcProvider, signInAt } from '../helpers/oidc-provider';
import type { AccessContext, AccessProvider } from '../../src/providers/types';

const HANDOFF_KEY = Buffer.alloc(32, 9).toString('base64');
const ACCOUNTS = {
  rita: { email: 'Rita.Requester@example.com', name: 'Rita Requester' },
  olga: { email: 'olga@example.com', name: 'Olga Outsider' },
  mallory: { email: 'rita.requester@example.com', name: 'Mallory', emailVerified: false },
};
const TICKET = [
  'Target systems: backup01',
  'Account: svc_backup',
  'Access: admin',
  'Justification: restore test',
  'Duration: 2h',
].join('\n');
const BINDING = { id: 'backup-admin', provider: 'directory', match: { accounts: ['svc_backup'] }, share: 'rotate' };

/** A shared account whose password the provider sets. */
class SharedAccount implements AccessProvider {
  readonly id = 'directory';
  readonly type = 'test';
  password = 'initial-password-known-to-nobody';
  async grant() {
    throw new Error('never granted by membership');
  }
  async revoke() {
    throw new Error('never revoked by membership');
  }
  async rotate(ctx: AccessContext & { reason: string }) {
    this.password = `Pw-${Math.random().toString(36).slice(2)}-${ctx.requestId.slice(-4)}!`;
    return { secret: { label: `password for ${ctx.facts.account}`, value: this.password } };
  }
}

describe('one-time links bound to the requester, against a real OpenID provider (Chromium)', function () {
  this.timeout(90_000);
  let browser: Browser;
  let h: Harness | undefined;
  let idp: TestOidcProvider | undefined;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await h?.stopChecked();
    await idp?.stop();
    h = undefined;
    idp = undefined;
  });

  async function start(idTokenTtlSeconds = 300) {
    idp = new TestOidcProvider(ACCOUNTS, idTokenTtlSeconds);
    const issuer = await idp.listen();
    const account = new SharedAccount();
    h = await Harness.start({
      policy: quickPolicy({ providers: [BINDING] }),
      providers: [account],
      // The requester's email comes from Jira's user record, as Jira Cloud returns it when visible.
      fake: {
        users: USERS.map((u) =>
          u.accountId === 'acc-requester' ? { ...u, emailAddress: 'rita.requester@example.com' } : u,
        ),
      },
      config: {
        handoff: { key: HANDOFF_KEY },
        oidc: { issuer, clientId: OIDC_CLIENT.id, clientSecret: OIDC_CLIENT.secret, clockToleranceSeconds: 0 },
      },
    });
    idp.register([`${h.url}/s/oidc/callback`]);
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
    const text = h.comments(key).find((t) => t.includes('Your credential is ready'));
    const url = /(http:\/\/127\.0\.0\.1:\d+\/s\/[A-Za-z0-9_-]+)/.exec(text ?? '')?.[1];
    expect(url, text).to.be.a('string');
    return { key, url: url!, account };
  }

  /** Opens the link in a fresh browser profile and signs in as `login`; returns the page and callback URLs seen. */
  async function signInThroughLink(url: string, login: string) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const callbacks: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/s/oidc/callback')) callbacks.push(r.url());
    });
    await page.goto(url);
    expect(await page.textContent('h1')).to.equal('Sign in to see your secret');
    await Promise.all([page.waitForNavigation(), page.click('a.button')]);
    await signInAt(page, login);
    return { context, page, callbacks };
  }

  const audited = async (action: string) => {
    const out = [];
    for await (const e of h!.service.audit.entries()) if (e.action === action) out.push(e);
    return out;
  };

  it('the requester signs in and reveals; a replayed callback is refused; unsigned reveals are refused', async () => {
    const { key, url, account } = await start();
    // Without a sign-in, neither the page nor a direct POST shows anything.
    const direct = await axios.post(`${url}/reveal`, '', { validateStatus: () => true });
    expect(direct.status).to.equal(403);
    expect(direct.data).not.to.include(account.password);

    const { context, page, callbacks } = await signInThroughLink(url, 'rita');
    expect(page.url()).to.equal(url);
    expect(await page.textContent('h1')).to.equal('A secret is waiting for you');
    expect(await page.textContent('main')).to.include('Signed in as rita.requester@example.com');
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
    expect(await page.textContent('#secret')).to.equal(account.password);

    // The same callback again (from history, a proxy log): refused, nothing shown.
    expect(callbacks).to.have.length(1);
    const replay = await page.goto(callbacks[0]);
    expect(replay?.status()).to.equal(400);
    expect(await page.textContent('h1')).to.equal('The sign-in could not be completed');
    await context.close();

    await h!.settle();
    const [revealed] = await audited('secret-revealed');
    expect(revealed.actor).to.equal('rita.requester@example.com');
    expect(h!.comments(key).some((t) => t.includes('One-time link opened'))).to.equal(true);
  });

  it('someone else signed in is refused with a neutral page, audited and commented; the link still works for the requester', async () => {
    const { key, url, account } = await start();
    const other = await signInThroughLink(url, 'olga');
    expect(other.page.url()).to.include('/s/oidc/callback');
    expect(await other.page.textContent('h1')).to.equal('This secret is not for this account');
    expect(await other.page.content()).not.to.include(account.password);
    await other.context.close();
    // An account claiming the requester's address without the provider verifying it: the same page.
    const unverified = await signInThroughLink(url, 'mallory');
    expect(await unverified.page.textContent('h1')).to.equal('This secret is not for this account');
    await unverified.context.close();

    await h!.settle();
    const refusals = await audited('secret-link-refused');
    expect(refusals.map((r) => r.actor)).to.deep.equal(['olga@example.com', null]);
    expect(
      h!.comments(key).filter((t) => t.includes('someone other than the requester tried to open it')),
    ).to.have.length(2);

    const own = await signInThroughLink(url, 'rita');
    await Promise.all([own.page.waitForNavigation(), own.page.click('button[type="submit"]')]);
    expect(await own.page.textContent('#secret')).to.equal(account.password);
    await own.context.close();
  });

  it('a tampered state and an id token that expired on the way are refused', async () => {
    const { url, account } = await start(1);
    idp!.tamperRedirect = (location) =>
      location.includes('/s/oidc/callback') ? location.replace(/state=[^&]+/, 'state=forged-state-value') : location;
    const forged = await signInThroughLink(url, 'rita');
    expect(forged.callbacks[0]).to.include('state=forged-state-value');
    expect(await forged.page.textContent('h1')).to.equal('The sign-in could not be completed');
    await forged.context.close();
    idp!.tamperRedirect = null;

    // The provider's answer takes longer than the id token lives (1 s, no tolerance).
    idp!.delayTokenResponseMs = 2_500;
    const late = await signInThroughLink(url, 'rita');
    expect(await late.page.textContent('h1')).to.equal('The sign-in could not be completed');
    expect(idp!.tokenRequests.length).to.be.greaterThan(0);
    expect(await late.page.content()).not.to.include(account.password);
    await late.context.close();
    const refusals = h!.logs.filter((l) => l.includes('sign-in callback refused')).join('');
    expect(refusals).to.include('unknown state');
    expect(refusals).to.include('JWT timestamp claim value failed validation');
  });
});
