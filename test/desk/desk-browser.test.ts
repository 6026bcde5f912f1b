import { mkdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { ARTIFACTS, launchChromium } from '../helpers/chromium';
import type { Harness } from '../helpers/harness';
import { DeskApp, DESK_PASSWORD, DESK_USER, seedThroughService, XSS_SUMMARY, type Seeded } from './desk-rig';

describe('service desk in a real browser (Chromium)', function () {
  this.timeout(90_000);
  let h: Harness;
  let seeded: Seeded;
  let desk: DeskApp;
  let browser: Browser;

  before(async function () {
    browser = await launchChromium();
    ({ h, seeded } = await seedThroughService());
    desk = await DeskApp.start({ store: h.service.store, audit: h.service.audit, clock: () => new Date() });
  });

  after(async () => {
    await browser?.close();
    await desk?.stop();
    await h?.stop();
  });

  it('logs in through the form, shows the grant and the approval, searches the audit, and runs no injected script', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    // Nothing may leave the machine: the page is self-contained.
    const outside: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(desk.url)) outside.push(r.url());
    });

    await page.goto(`${desk.url}/desk`);
    expect(new URL(page.url()).pathname).to.equal('/desk/login');
    await page.fill('#username', DESK_USER);
    await page.fill('#password', DESK_PASSWORD);
    await Promise.all([page.waitForURL(`${desk.url}/desk`), page.click('#login-form button[type=submit]')]);

    const grant = page.locator(`#active-grants tr[data-ticket="${seeded.active}"]`);
    expect(await grant.count()).to.equal(1);
    expect(await grant.locator('td.left').innerText()).to.match(/^1h 5\dm$/);
    expect(await grant.innerText()).to.include('Alice Approver');

    const oldest = page.locator(`#pending-approvals tr[data-ticket="${seeded.pendingOld}"]`);
    expect(await oldest.getAttribute('class')).to.equal('oldest');
    expect(await oldest.innerText()).to.include('1 more from IT approver');
    // The highlight is really drawn: the stylesheet was allowed by the CSP.
    // Runs in the page; the project's TypeScript has no DOM types, hence the cast.
    const background = await oldest.evaluate(
      (el) =>
        (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el)
          .backgroundColor,
    );
    expect(background).to.equal('rgb(255, 244, 224)');

    // The payload is visible as text, and neither its script nor its onerror ran.
    const xss = page.locator(`#pending-approvals tr[data-ticket="${seeded.pendingXss}"]`);
    expect(await xss.locator('.summary').innerText()).to.equal(XSS_SUMMARY);
    expect(await page.title()).to.equal('Dashboard · credgate service desk');
    expect(await page.locator('main img, main script, main b').count()).to.equal(0);

    await page.fill('#audit-search input[name=ticket]', seeded.expired);
    await Promise.all([page.waitForURL(/ticket=/), page.click('#audit-search button[type=submit]')]);
    const tickets = await page
      .locator('#audit-results tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-ticket')));
    expect(tickets.length).to.be.greaterThan(2);
    expect(new Set(tickets)).to.deep.equal(new Set([seeded.expired]));
    expect(await page.locator('#audit-results tbody tr').first().innerText()).to.include('access-revoked');

    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = resolve(ARTIFACTS, 'desk-dashboard.png');
    await page.goto(`${desk.url}/desk`);
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).to.be.greaterThan(10_000);

    expect(violations, 'CSP violations').to.deep.equal([]);
    expect(outside, 'requests leaving the desk').to.deep.equal([]);
    await page.close();
  });
});
