import { expect } from 'chai';
import axios from 'axios';
import type { Browser } from 'playwright-core';
import { Harness } from '../helpers/harness';
import { launchChromium } from '../helpers/chromium';
import { OIDC_CLIENT, TestOidcProvider, signInAt } from '../helpers/oidc-provider';

const ACCOUNTS = {
  dana: { email: 'dana@example.com', name: 'Dana Desk', groups: ['it-desk'] },
  olga: { email: 'olga@example.com', name: 'Olga Outsider', groups: ['sales'] },
};

describe('service desk single sign-on against a real OpenID provider (Chromium)', function () {
  this.timeout(90_000);
  let browser: Browser;
  let h: Harness;
  let idp: TestOidcProvider;

  before(async () => {
    browser = await launchChromium();
    idp = new TestOidcProvider(ACCOUNTS);
    const issuer = await idp.listen();
    h = await Harness.start({
      config: {
        desk: { sso: { groups: ['it-desk'] } },
        oidc: {
          issuer,
          clientId: OIDC_CLIENT.id,
          clientSecret: OIDC_CLIENT.secret,
          scopes: ['openid', 'email', 'profile', 'groups'],
        },
      },
    });
    idp.register([`${h.url}/desk/sso/callback`]);
  });
  after(async () => {
    await browser?.close();
    await h?.stopChecked();
    await idp?.stop();
  });

  const sessionCookie = async (context: Awaited<ReturnType<Browser['newContext']>>) =>
    (await context.cookies()).find((c) => c.name === 'credgate_desk');

  it('a member of the allowed group signs in, sees the desk, and logging out ends the session', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const callbacks: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/desk/sso/callback')) callbacks.push(r.url());
    });
    await page.goto(`${h.url}/desk`);
    expect(new URL(page.url()).pathname).to.equal('/desk/login');
    await Promise.all([page.waitForNavigation(), page.click('#sso')]);
    await signInAt(page, 'dana');
    await page.waitForURL(`${h.url}/desk`);
    expect(await page.textContent('body')).to.include('sso:dana@example.com');
    const cookie = await sessionCookie(context);
    expect(cookie).to.include({ httpOnly: true, sameSite: 'Strict' });

    // The session works for the API too, until logout.
    const api = () =>
      axios.get(`${h.url}/desk/api/overview`, {
        headers: { Cookie: `credgate_desk=${cookie!.value}`, Accept: 'application/json' },
        validateStatus: () => true,
      });
    expect((await api()).status).to.equal(200);
    await Promise.all([page.waitForURL(`${h.url}/desk/login`), page.click('form[action="/desk/logout"] button')]);
    expect((await api()).status).to.equal(401);

    // The callback once more (history, a proxy log): refused, no session.
    const replay = await page.goto(callbacks[0]);
    expect(replay?.status()).to.equal(400);
    expect(await page.textContent('.error')).to.include('could not be completed');
    await context.close();
  });

  it('someone outside the allowed groups is refused after signing in and gets no session', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${h.url}/desk/login`);
    await Promise.all([page.waitForNavigation(), page.click('#sso')]);
    await signInAt(page, 'olga');
    expect(await page.textContent('.error')).to.include('not allowed to use the service desk');
    expect(await sessionCookie(context)).to.equal(undefined);
    await page.goto(`${h.url}/desk`);
    expect(new URL(page.url()).pathname).to.equal('/desk/login');
    expect(h.logs.join('')).to.include('in none of desk.sso.groups');
    await context.close();
  });
});
