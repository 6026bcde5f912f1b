import { expect } from 'chai';
import { formatDuration } from '../../src/policy/parse-duration';
import { formatTime } from '../../src/engine/views';
import type { AuditEntry } from '../../src/audit/audit-log';
import { SECRETS, type Harness } from '../helpers/harness';
import {
  call,
  DeskApp,
  DESK_PASSWORD,
  DESK_TOKEN,
  DESK_USER,
  HOUR,
  keysIn,
  login,
  requestsByKey,
  rowOf,
  seedThroughService,
  XSS_JUSTIFICATION,
  XSS_SUMMARY,
  type Seeded,
} from './desk-rig';

/** HTML text back to what it says (the entities Handlebars writes). */
const decode = (html: string) =>
  html
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&#x60;/g, '`')
    .replace(/&#x3D;/g, '=')
    .replace(/&amp;/g, '&');

describe('service desk over HTTP, seeded through the real service', function () {
  this.timeout(60_000);
  let h: Harness;
  let seeded: Seeded;
  let desk: DeskApp;
  let now: Date;
  let cookie: string;
  let versionsBefore: Map<string, number>;
  let auditEntries: AuditEntry[];

  before(async () => {
    ({ h, seeded } = await seedThroughService());
    // The desk's clock: 30 minutes into the 2-hour grant.
    now = new Date(Date.parse(seeded.byKey.get(seeded.active)!.grantedAt!) + 30 * 60_000);
    desk = await DeskApp.start({ store: h.service.store, audit: h.service.audit, clock: () => now });
    versionsBefore = new Map([...seeded.byKey].map(([k, r]) => [k, r.version]));
    auditEntries = [];
    for await (const e of h.service.audit.entries()) auditEntries.push(e);
  });

  after(async () => {
    await desk?.stop();
    await h?.stop();
  });

  it('sends a page request without a session to the login form, and a JSON request a 401', async () => {
    const page = await call(`${desk.url}/desk`);
    expect(page.status).to.equal(302);
    expect(page.headers.get('location')).to.equal('/desk/login');

    const api = await call(`${desk.url}/desk/api/overview`);
    expect(api.status).to.equal(401);
    expect(JSON.parse(api.body)).to.include({ error: 'auth' });
    expect(api.headers.get('www-authenticate')).to.match(/^Bearer/);
    expect((await call(`${desk.url}/desk`, { headers: { accept: 'application/json' } })).status).to.equal(401);

    const form = await call(`${desk.url}/desk/login`);
    expect(form.status).to.equal(200);
    expect(form.body).to.include('<form method="post" action="/desk/login"');
    expect(form.body).to.match(/<input id="password" name="password" type="password"/);
    const csp = form.headers.get('content-security-policy') ?? '';
    expect(csp).to.include("default-src 'none'");
    expect(csp).to.match(/style-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(csp).not.to.include('unsafe');
    expect(form.headers.get('x-frame-options')).to.equal('DENY');
    expect(form.body).not.to.match(/<script|<link|src=/i);
  });

  it('answers a wrong password, or an unknown user, with the same 401 page and no cookie', async () => {
    const wrong = await call(`${desk.url}/desk/login`, {
      method: 'POST',
      body: new URLSearchParams({ username: DESK_USER, password: 'not-the-password-1' }),
    });
    const unknown = await call(`${desk.url}/desk/login`, {
      method: 'POST',
      body: new URLSearchParams({ username: 'mallory', password: 'not-the-password-2' }),
    });
    for (const answer of [wrong, unknown]) {
      expect(answer.status).to.equal(401);
      expect(answer.headers.get('set-cookie')).to.equal(null);
      expect(answer.body).to.include('<p class="error" role="alert">Wrong username or password.</p>');
    }
    // The name typed is not echoed back or logged (people type passwords into it).
    expect(unknown.body).not.to.include('mallory');
    expect(desk.logs.join('')).not.to.include('not-the-password');
    expect(desk.logs.join('')).not.to.include('mallory');
  });

  it('logs in with a hardened session cookie and lists every seeded request in its section', async () => {
    cookie = await login(desk.url);
    const again = await call(`${desk.url}/desk/login`, {
      method: 'POST',
      body: new URLSearchParams({ username: DESK_USER, password: DESK_PASSWORD }),
    });
    const attributes = (again.headers.get('set-cookie') ?? '').split(';').map((s) => s.trim());
    expect(attributes).to.include.members(['Path=/desk', 'HttpOnly', 'SameSite=Strict', `Max-Age=${8 * 3600}`]);
    expect(attributes).not.to.include('Secure');

    const page = await call(`${desk.url}/desk`, { headers: { cookie } });
    expect(page.status).to.equal(200);
    expect(page.body).to.include(`Signed in as <strong>${DESK_USER}</strong>`);
    const { active, expired, pendingOld, pendingXss, failedState, failedAudit, byKey } = seeded;

    // Active grants: 30 minutes into a 2-hour grant, 1 h 30 m are left.
    expect(keysIn(page.body, 'active-grants')).to.deep.equal([active]);
    const grant = rowOf(page.body, 'active-grants', active);
    const g = byKey.get(active)!;
    expect(grant).to.include('<td class="left">1h 30m</td>');
    expect(grant).to.include(`<a href="${g.ticketUrl}" rel="noreferrer noopener">${active}</a>`);
    for (const text of [
      'Rita Requester',
      'reporting-db',
      '<code>svc_reports</code>',
      'Alice Approver',
      formatTime(g.expiresAt),
    ])
      expect(grant).to.include(text);

    // Pending approvals: oldest first and highlighted, with age, risk and who must still approve.
    expect(keysIn(page.body, 'pending-approvals')).to.deep.equal([pendingOld, pendingXss]);
    const oldest = rowOf(page.body, 'pending-approvals', pendingOld);
    expect(oldest).to.match(/^<tr data-ticket="[^"]+" class="oldest">/);
    expect(oldest).to.include('<span class="badge">oldest</span>');
    expect(oldest).to.include(formatDuration(now.getTime() - Date.parse(byKey.get(pendingOld)!.pendingSince!)));
    expect(oldest).to.include('<td class="risk-high">HIGH</td>');
    expect(oldest).to.include('1 more from IT approver (group credential-approvers)');
    expect(rowOf(page.body, 'pending-approvals', pendingXss)).not.to.include('oldest');

    // Upcoming revocations (next 24 h): the active grant; the expired one is gone everywhere but the audit.
    expect(keysIn(page.body, 'upcoming-revocations')).to.deep.equal([active]);
    for (const section of ['active-grants', 'pending-approvals', 'upcoming-revocations', 'failed-revocations'])
      expect(keysIn(page.body, section)).not.to.include(expired);

    // Failed revocations: one by the request's state, one by the audit log.
    expect(keysIn(page.body, 'failed-revocations')).to.have.members([failedState, failedAudit]);
    expect(rowOf(page.body, 'failed-revocations', failedState)).to.include('directory unreachable after 24 attempts');
    expect(rowOf(page.body, 'failed-revocations', failedState)).to.include('state revocation-failed');
    expect(rowOf(page.body, 'failed-revocations', failedAudit)).to.include('firewall API answered 503');
    // A ticket URL that is not http(s) is shown as text, never as a link.
    expect(page.body).not.to.include('javascript:');

    // The audit log, newest first, all of it on one page here.
    const seqs = [
      ...page.body
        .slice(page.body.indexOf('id="audit-results"'))
        .matchAll(/<tr data-ticket="[^"]+">\s*<td>(\d+)<\/td>/g),
    ].map((m) => Number(m[1]));
    expect(seqs).to.deep.equal(auditEntries.map((e) => e.seq).reverse());
    expect(page.body).to.include(`${auditEntries.length} entries, newest first · page 1 of 1`);
  });

  it('renders requester text inert: markup in a summary or justification is shown, not run', async () => {
    const page = await call(`${desk.url}/desk`, { headers: { cookie } });
    const row = rowOf(page.body, 'pending-approvals', seeded.pendingXss);
    expect(page.body).not.to.match(/<script|<img|<b>bold/i);
    expect(row).to.include('&lt;script&gt;');
    expect(decode(row)).to.include(XSS_SUMMARY);
    expect(decode(row)).to.include(XSS_JUSTIFICATION);
    // Attribute values stay closed: the payload's quotes are entities.
    expect(row).not.to.include('onerror="');
  });

  it('searches the audit log by ticket key, requester or system, any case', async () => {
    const search = async (query: string) => (await call(`${desk.url}/desk?${query}`, { headers: { cookie } })).body;
    const ticketsIn = (html: string) => keysIn(html, 'audit');

    const byTicket = await search(`ticket=${seeded.pendingOld.toLowerCase()}`);
    const expected = auditEntries.filter((e) => e.ticket.key === seeded.pendingOld);
    expect(expected.length).to.be.greaterThan(2);
    expect(ticketsIn(byTicket)).to.deep.equal(expected.map((e) => e.ticket.key));
    expect(byTicket).to.include(`${expected.length} entries matching, newest first`);
    expect(byTicket).to.include(`name="ticket" type="search" value="${seeded.pendingOld.toLowerCase()}"`);

    const bySystem = await search('system=BILLING');
    expect(new Set(ticketsIn(bySystem))).to.deep.equal(new Set([seeded.expired]));
    // The expired grant's whole life: received, granted and revoked at expiry.
    const actions = [...bySystem.matchAll(/<td>(request-received|access-granted|access-revoked)<\/td>/g)].map(
      (m) => m[1],
    );
    expect(actions).to.deep.equal(['access-revoked', 'access-granted', 'request-received']);

    expect(ticketsIn(await search('requester=RITA')).length).to.equal(auditEntries.length);
    expect(ticketsIn(await search('requester=acc-requester')).length).to.equal(auditEntries.length);
    const none = await search('requester=nobody-at-all');
    expect(ticketsIn(none)).to.deep.equal([]);
    expect(none).to.include('0 entries matching');
  });

  it('answers the overview API to the bearer token and to HTTP Basic, with the same data', async () => {
    const bearer = await call(`${desk.url}/desk/api/overview`, { headers: { authorization: `Bearer ${DESK_TOKEN}` } });
    expect(bearer.status).to.equal(200);
    expect(bearer.headers.get('content-type')).to.match(/^application\/json/);
    const o = JSON.parse(bearer.body);
    expect(o.activeGrants.map((g: { ticketKey: string }) => g.ticketKey)).to.deep.equal([seeded.active]);
    expect(o.activeGrants[0]).to.include({ msLeft: 1.5 * HOUR, requester: 'Rita Requester', account: 'svc_reports' });
    expect(o.activeGrants[0].approvers).to.deep.equal(['Alice Approver']);
    expect(
      o.pendingApprovals.map((p: { ticketKey: string; oldest: boolean }) => [p.ticketKey, p.oldest]),
    ).to.deep.equal([
      [seeded.pendingOld, true],
      [seeded.pendingXss, false],
    ]);
    expect(o.pendingApprovals[1].summary).to.equal(XSS_SUMMARY);
    expect(o.upcomingRevocations).to.have.length(1);
    expect(o.failedRevocations.map((f: { ticketKey: string }) => f.ticketKey)).to.have.members([
      seeded.failedState,
      seeded.failedAudit,
    ]);
    expect(o.audit).to.include({ total: auditEntries.length, page: 1, pages: 1 });

    const filtered = JSON.parse(
      (await call(`${desk.url}/desk/api/overview?system=crm`, { headers: { authorization: `Bearer ${DESK_TOKEN}` } }))
        .body,
    );
    expect(new Set(filtered.audit.entries.map((e: { ticketKey: string }) => e.ticketKey))).to.deep.equal(
      new Set([seeded.pendingXss]),
    );

    const basic = await call(`${desk.url}/desk/api/overview`, {
      headers: { authorization: `Basic ${Buffer.from(`${DESK_USER}:${DESK_PASSWORD}`).toString('base64')}` },
    });
    expect(basic.status).to.equal(200);
    expect(JSON.parse(basic.body).activeGrants).to.deep.equal(o.activeGrants);

    const wrongToken = await call(`${desk.url}/desk/api/overview`, {
      headers: { authorization: `Bearer ${DESK_TOKEN}x` },
    });
    expect(wrongToken.status).to.equal(401);
    const wrongBasic = await call(`${desk.url}/desk/api/overview`, {
      headers: { authorization: `Basic ${Buffer.from(`${DESK_USER}:nope-nope-nope`).toString('base64')}` },
    });
    expect(wrongBasic.status).to.equal(401);
  });

  it('changes no request: nothing but login and logout accepts a POST, and every version is unchanged', async () => {
    for (const path of ['/desk', '/desk/api/overview']) {
      const res = await call(`${desk.url}${path}`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'state=revoked',
      });
      expect(res.status, `POST ${path}`).to.equal(404);
    }
    const after = await requestsByKey(h.service.store);
    expect(new Map([...after].map(([k, r]) => [k, r.version]))).to.deep.equal(versionsBefore);
  });

  it('logs out only with the page’s CSRF token, and the session then ends', async () => {
    const page = await call(`${desk.url}/desk`, { headers: { cookie } });
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1];
    expect(csrf).to.be.a('string');

    const forged = await call(`${desk.url}/desk/logout`, {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams({ csrf: 'guessed' }),
    });
    expect(forged.status).to.equal(403);
    const crossSite = await call(`${desk.url}/desk/logout`, {
      method: 'POST',
      headers: { cookie, origin: 'https://evil.example' },
      body: new URLSearchParams({ csrf: csrf! }),
    });
    expect(crossSite.status).to.equal(403);
    expect((await call(`${desk.url}/desk`, { headers: { cookie } })).status, 'still logged in').to.equal(200);

    const out = await call(`${desk.url}/desk/logout`, {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams({ csrf: csrf! }),
    });
    expect(out.status).to.equal(303);
    expect(out.headers.get('location')).to.equal('/desk/login');
    expect(out.headers.get('set-cookie')).to.match(/^credgate_desk=; Path=\/desk; Max-Age=0/);
    const gone = await call(`${desk.url}/desk`, { headers: { cookie } });
    expect(gone.status).to.equal(302);
    expect(gone.headers.get('location')).to.equal('/desk/login');
  });

  it('keeps passwords, the token and session ids out of every log line', async () => {
    const logs = desk.logs.join('') + h.logs.join('');
    for (const secret of [DESK_PASSWORD, DESK_TOKEN, cookie.split('=')[1], ...Object.values(SECRETS)])
      expect(logs).not.to.include(secret);
    expect(desk.logs.join('')).to.include('service desk: logged in');
  });
});
