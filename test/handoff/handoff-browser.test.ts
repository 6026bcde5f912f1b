import { expect } from 'chai';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { ARTIFACTS, launchChromium } from '../helpers/chromium';
import { Rig } from './handoff-rig';

// Code run in the page is passed as strings: this project compiles without the DOM library.

const SECRET = 'Vx7#q2!Lm<9>"zR&w';

describe('one-time link in a real browser (Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let rig: Rig;

  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });
  beforeEach(async () => (rig = await Rig.start()));
  afterEach(async () => {
    expect(rig.logs.join('')).not.to.include(SECRET);
    await rig.stop();
  });

  it('shows the secret only after Reveal, once, under its strict CSP', async () => {
    const link = await rig.issue(SECRET, { label: 'password for svc-backup <script>alert(1)</script>' });
    const context = await browser.newContext();
    // 127.0.0.1 is a secure context, so the Copy button may use the clipboard API.
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: rig.url });
    const page = await context.newPage();
    const refused: string[] = [];
    const dialogs: string[] = [];
    page.on('console', (m) => m.type() === 'error' && refused.push(m.text()));
    page.on('dialog', (d) => (dialogs.push(d.message()), void d.dismiss()));

    await page.goto(link.url);
    await page.getByRole('button', { name: 'Reveal' }).waitFor();
    expect(await page.content()).not.to.include(SECRET);
    expect(await page.locator('body').innerText()).to.include('password for svc-backup <script>alert(1)</script>');
    // The inline stylesheet is allowed by its hash: the button is styled.
    expect(await page.evaluate(`getComputedStyle(document.querySelector('button')).backgroundColor`)).to.equal(
      'rgb(0, 82, 204)',
    );

    await page.getByRole('button', { name: 'Reveal' }).click();
    await page.locator('#secret').waitFor();
    expect(await page.locator('#secret').innerText()).to.equal(SECRET);
    expect(await page.locator('body').innerText()).to.include('This page will not show it again.');
    // The inline script is allowed by its hash too: it shows the Copy button, which copies.
    await page.getByRole('button', { name: 'Copy' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).to.equal(SECRET);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'handoff-revealed.png'), fullPage: true });

    // Reloading the answer re-sends the POST: the link is burnt.
    await page.reload();
    expect(await page.locator('h1').innerText()).to.equal('Already viewed');
    expect(await page.content()).not.to.include(SECRET);
    // Opening the link again, in a fresh tab: already viewed, no secret, nothing cached.
    const again = await context.newPage();
    const res = await again.goto(link.url);
    expect(res?.status()).to.equal(410);
    expect(await again.locator('h1').innerText()).to.equal('Already viewed');
    expect(await again.content()).not.to.include(SECRET);

    expect(dialogs).to.deep.equal([]); // the label's <script> never ran
    expect(refused.filter((t) => /Content Security Policy/i.test(t))).to.deep.equal([]);
    expect(rig.reveals).to.have.length(1);
    expect(rig.reveals[0].viewer.userAgent).to.match(/Chrome\//);
    await context.close();
  });
});
