import { expect } from 'chai';
import { launchChromium } from '../helpers/chromium';
import { Harness, eventually, readable, SECRETS } from '../helpers/harness';
import type { ReviewJob } from '../../src/review';
import type { AuditEntry } from '../../src/audit/audit-log';
import { RecordingProvider, ROTATED_SECRET } from './recording-provider';
import { captureLogger, reviewJob, reviewPolicy, seedAudit, seedRequests, serve } from './review-setup';
import { SINCE, seededAudit, seededRequests } from './seed';

const LIVE = [
  'Target systems: billing-db',
  'Account: svc_live',
  'Access: read-only',
  'Justification: month end',
  'Duration: 2h',
].join('\n');

/** Bars of one chart: [series, index, height] from the SVG's bar paths (legend swatches carry a transform). */
function bars(svg: string): { series: number; index: number; height: number }[] {
  return [
    ...svg.matchAll(
      /<path d="M[\d.]+ [\d.]+l[\d.]+ 0l0 (-?[\d.]+)l-?[\d.]+ 0Z"([^>]*)data-series="(\d+)" data-index="(\d+)"/g,
    ),
  ]
    .filter((m) => !m[2].includes('transform='))
    .map((m) => ({ series: Number(m[3]), index: Number(m[4]), height: Math.abs(Number(m[1])) }))
    .filter((b) => b.height > 0);
}

const figure = (html: string, id: string) =>
  new RegExp(`<figure id="chart-${id}"[\\s\\S]*?</figure>`).exec(html)?.[0] ?? '';

describe('access review against the Jira fake', function () {
  this.timeout(60_000);
  let h: Harness;
  let job: ReviewJob;
  let reports: { url: string; close(): Promise<void> };
  let provider: RecordingProvider;
  const logs: string[] = [];
  const audit = async (action: string) => {
    const out: AuditEntry[] = [];
    for await (const e of h.service.audit.entries()) if (e.action === action) out.push(e);
    return out;
  };

  async function start(review: Record<string, unknown> = {}, jiraProjects = ['CRED', 'REV']) {
    const policy = reviewPolicy(review);
    provider = new RecordingProvider('corp-ad');
    provider.states.set('svc_gone', { account: 'svc_gone', exists: true, enabled: false });
    let base = '';
    h = await Harness.start({
      policy,
      fake: { projects: ['CRED', 'REV'] },
      config: { jira: { projects: jiraProjects } },
      // The service's review job, on the recording provider: deliveries about review tickets reach it.
      review: ({ store, audit, connectors }) =>
        (job = reviewJob(
          {
            store,
            audit,
            connectors,
            log: captureLogger(logs),
            publicUrl: () => base,
            registerSecret: () => undefined,
          },
          provider,
          policy,
        )),
    });
    // History: May seeded through the store and audit APIs, and one request live through the service.
    const seeded = seededRequests();
    await seedRequests(h.service.store, seeded);
    await seedAudit(h.service.audit, seeded, seededAudit());
    const { key } = await h.fake.createIssue('acc-requester', {
      project: 'CRED',
      issueType: 'Credential request',
      summary: 'billing export',
      description: LIVE,
    });
    await h.settle();
    await h.fake.transitionAs('acc-alice', key, 'Approved');
    await h.settle();
    expect(h.fake.statusOf(key)).to.equal('Access granted');

    reports = await serve(job.router);
    base = reports.url;
  }

  afterEach(async () => {
    job?.stop();
    await reports?.close();
    if (h) {
      expect(h.fake.violations, 'requests credgate sent that real Jira would reject').to.deep.equal([]);
      const all = h.logs.join('') + logs.join('');
      for (const secret of [...Object.values(SECRETS), ROTATED_SECRET]) expect(all).not.to.include(secret);
      await h.stop();
    }
    logs.length = 0;
  });

  it('opens one review ticket with the figures and the report link; the report is self-contained HTML with charts of the seeded counts', async () => {
    await start();
    const dry = await job.runReview({ dryRun: true, since: new Date(SINCE) });
    expect(dry.created).to.equal(false);
    expect(dry.plan).to.deep.equal([
      'disable svc_legacy through builtin',
      'disable vendor_x through builtin',
      'disable svc_prod through corp-ad',
    ]);
    expect(
      h.fake.requests.filter((r) => r.method === 'POST' && /\/issue$/.test(r.path)),
      'a dry run creates no ticket',
    ).to.have.length(0);
    expect(provider.changes(), 'a dry run changes no account').to.deep.equal([]);

    const run = await job.runReview({ since: new Date(SINCE), periodId: 'may-to-now' });
    expect(run.created).to.equal(true);
    const key = run.ticket!.key;
    expect(key).to.equal('REV-1');
    const issue = h.fake.issue(key);
    expect(issue.fields.summary).to.match(/^credgate access review 2026-05-01 to \d{4}-\d{2}-\d{2}$/);
    const description = readable(String(issue.fields.description));
    expect(description).to.include('Requests filed:* 7 (4 low risk, 3 high risk)');
    expect(description).to.include('Generic or shared account: 5 (4 low risk, 1 high risk;');
    expect(description).to.include(
      'Temporary vendor or contractor access: 2 (0 low risk, 2 high risk; 1 revocation failed, 1 pending)',
    );
    expect(description).to.include('Revocations:* 1 on time, 1 late, 1 failed.');
    expect(description).to.include('Grants still active:* 2');
    expect(description).to.include('Stale shared accounts (unused for 30 days):* 3');
    for (const account of ['svc_legacy', 'vendor_x', 'svc_prod']) expect(description).to.include(`* ${account} (`);
    const link = /\[(http:\/\/127\.0\.0\.1:\d+\/reports\/[A-Za-z0-9_-]{43})\]/.exec(
      String(issue.fields.description),
    )?.[1];
    expect(link, 'the description links the report').to.be.a('string');
    expect(link!.startsWith(reports.url)).to.equal(true);
    await h.settle();
    const [plan] = h.comments(key);
    expect(plan).to.include('Purge plan (dry run): nothing has changed yet');
    expect(plan).to.include('disable svc_prod through corp-ad');
    expect(provider.changes()).to.deep.equal([]);
    expect(await audit('review-created')).to.have.length(1);

    // The same period again (a restart, a second replica): no second review.
    const again = await job.runReview({ since: new Date(SINCE), periodId: 'may-to-now' });
    expect(again.created).to.equal(false);
    expect(again.ticket?.key).to.equal(key);
    expect(h.fake.requests.filter((r) => r.method === 'POST' && /\/issue$/.test(r.path))).to.have.length(1);

    const res = await fetch(link!);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/html/);
    expect(res.headers.get('content-security-policy')).to.match(
      /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+';/,
    );
    expect(res.headers.get('cache-control')).to.equal('no-store');
    const html = await res.text();
    expect(html).not.to.match(/src="http|<link|<script|url\(http|@import/i);
    expect(html.match(/<svg /g)).to.have.length(4);
    // Requests over time: monthly bars. May holds 3 low and 3 high, the month of the live request 1 low.
    const overTime = bars(figure(html, 'requests-over-time'));
    const low = overTime.filter((b) => b.series === 0);
    const high = overTime.filter((b) => b.series === 1);
    expect(low.map((b) => b.index)).to.deep.equal([0, low[1].index]);
    expect(high.map((b) => b.index)).to.deep.equal([0]);
    expect(low[0].height / 3).to.be.closeTo(high[0].height / 3, 0.2);
    expect(low[0].height / 3).to.be.closeTo(low[1].height / 1, 0.2);
    // Revocation lag: one on time, one 1–15 min late, one failed; the bars carry their counts.
    const lag = bars(figure(html, 'revocation-lag'));
    expect(lag.map((b) => b.index)).to.deep.equal([0, 1, 5]);
    expect(new Set(lag.map((b) => b.height.toFixed(1))).size).to.equal(1);
    // Active grants by system (horizontal bars): the seeded grant on two systems and the live one.
    const active = figure(html, 'active-by-system');
    const widths = [
      ...active.matchAll(/<path d="M[\d.]+ [\d.]+l([\d.]+) 0l0 [\d.]+l-[\d.]+ 0Z"[^>]*data-index="(\d+)"/g),
    ].map((m) => Number(m[1]));
    expect(widths).to.have.length(3);
    expect(new Set(widths).size).to.equal(1);
    expect([...active.matchAll(/>(billing-db|etl|reporting-db)</g)].map((m) => m[1])).to.deep.equal([
      'billing-db',
      'etl',
      'reporting-db',
      'billing-db',
      'etl',
      'reporting-db',
    ]);
    expect(html).to.include('data-candidate="svc_prod"');

    // In a browser, under its Content-Security-Policy: nothing refused, every chart drawn, printable.
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const refused: string[] = [];
      page.on('console', (m) => void (/Content Security Policy|Refused/i.test(m.text()) && refused.push(m.text())));
      const requested: string[] = [];
      page.on('request', (r) => void requested.push(r.url()));
      await page.goto(link!);
      const sizes = await page.$$eval('figure svg', (svgs) => svgs.map((s) => s.getBoundingClientRect().width));
      expect(sizes).to.have.length(4);
      for (const w of sizes) expect(w).to.be.greaterThan(300);
      expect(
        await page.evaluate('getComputedStyle(document.getElementById("summary")).borderTopStyle'),
        'the hashed stylesheet applies',
      ).to.equal('solid');
      expect(refused).to.deep.equal([]);
      expect(requested, 'the page loads nothing else').to.deep.equal([link]);
      const pdf = await page.pdf({ format: 'A4' });
      expect(pdf.subarray(0, 5).toString()).to.equal('%PDF-');
    } finally {
      await browser.close();
    }

    expect((await fetch(`${reports.url}/reports/${'A'.repeat(43)}`)).status).to.equal(404);
    expect((await fetch(`${reports.url}/reports/..%2F..%2Fetc`)).status).to.equal(404);
    // Guessing is slowed per address, as on one-time links: 20 pages, then a wait.
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++)
      statuses.push((await fetch(`${reports.url}/reports/${String(i % 10).repeat(43)}`)).status);
    expect(statuses.slice(-2)).to.deep.equal([429, 429]);
    expect(statuses.filter((s) => s === 404).length).to.be.at.most(20);
    const limited = await fetch(link!);
    expect(limited.status, 'even the right token waits its turn').to.equal(429);
    expect(Number(limited.headers.get('retry-after'))).to.be.within(1, 3);
    expect(logs.join('') + h.logs.join('')).not.to.include(link!.split('/').pop());
  });

  it('purges only when a listed approver approves the review ticket; a non-approver is refused; redelivery changes nothing', async () => {
    await start();
    const { ticket } = await job.runReview({ since: new Date(SINCE) });
    const key = ticket!.key;
    await h.settle();

    await h.fake.transitionAs('acc-olga', key, 'Approved');
    await h.settle();
    await eventually(() =>
      expect(h.comments(key).some((c) => c.includes('does not approve the purge'))).to.equal(true),
    );
    const refusal = h.comments(key).find((c) => c.includes('does not approve the purge'))!;
    expect(refusal).to.include('Olga Outsider is not a review approver: only group credential-approvers may approve');
    expect(provider.changes()).to.deep.equal([]);
    expect(h.fake.statusOf(key), 'moved back so an approver can approve').to.equal('Pending approval');
    expect(await audit('review-approval-refused')).to.have.length(1);

    await h.fake.transitionAs('acc-alice', key, 'Approved');
    await h.settle();
    await eventually(() =>
      expect(h.comments(key).some((c) => c.includes('Purge approved by Alice Approver'))).to.equal(true),
    );
    expect(provider.changes()).to.deep.equal([
      { op: 'disable', account: 'svc_legacy' },
      { op: 'disable', account: 'vendor_x' },
      { op: 'disable', account: 'svc_prod' },
    ]);
    const purged = h.comments(key).find((c) => c.includes('Purge approved by'))!;
    expect(purged).to.include('3 done, 0 failed, 0 skipped');
    expect(purged).to.include('svc_prod (corp-ad): disabled');
    const entries = await audit('review-purge');
    expect(entries.map((e) => [e.detail?.account, e.outcome, e.actor])).to.deep.equal([
      ['svc_legacy', 'disabled', 'acc-alice'],
      ['vendor_x', 'disabled', 'acc-alice'],
      ['svc_prod', 'disabled', 'acc-alice'],
    ]);

    // The same webhook again, a sweep, and another approver's approval: nothing twice.
    const comments = h.comments(key).length;
    await h.fake.redeliverLast();
    await job.sweep();
    await h.fake.transitionAs('acc-bob', key, 'Declined');
    await h.fake.transitionAs('acc-bob', key, 'Approved');
    await h.settle();
    await job.sweep();
    expect(provider.changes()).to.have.length(3);
    expect(h.comments(key)).to.have.length(comments);
    expect(await audit('review-purge')).to.have.length(3);
    expect(await audit('review-approved')).to.have.length(1);
  });

  it('rotates instead when policy says so; the new password reaches no comment, log or audit entry', async () => {
    await start({ purge: { action: 'rotate' } });
    const { ticket } = await job.runReview({ since: new Date(SINCE) });
    await h.settle();
    await h.fake.transitionAs('acc-bob', ticket!.key, 'Approved');
    await h.settle();
    await eventually(() =>
      expect(h.comments(ticket!.key).some((c) => c.includes('Purge approved by Bob Approver'))).to.equal(true),
    );
    expect(provider.changes().map((c) => c.op)).to.deep.equal(['rotate', 'rotate', 'rotate']);
    expect(h.comments(ticket!.key).join('\n')).to.include('password rotated (nobody receives it)');
    expect(h.comments(ticket!.key).join('\n')).not.to.include(ROTATED_SECRET);
    const everything: string[] = [];
    for await (const r of h.service.audit.records()) everything.push(JSON.stringify(r));
    expect(everything.join('\n')).not.to.include(ROTATED_SECRET);
  });

  it('reads an approval whose webhook credgate ignores (review project not in jira.projects) on its sweep', async () => {
    await start({}, ['CRED']);
    const { ticket } = await job.runReview({ since: new Date(SINCE) });
    await h.settle();
    await h.fake.transitionAs('acc-alice', ticket!.key, 'Approved');
    await h.settle();
    expect(provider.changes(), 'the webhook alone does nothing').to.deep.equal([]);
    await job.sweep();
    expect(provider.changes()).to.have.length(3);
    expect(h.comments(ticket!.key).some((c) => c.includes('Purge approved by Alice Approver: 3 done'))).to.equal(true);
  });

  it('a declined review purges nothing', async () => {
    await start();
    const { ticket } = await job.runReview({ since: new Date(SINCE) });
    await h.settle();
    await h.fake.transitionAs('acc-alice', ticket!.key, 'Declined');
    await h.settle();
    await eventually(() =>
      expect(h.comments(ticket!.key).some((c) => c.includes('Purge declined by Alice Approver'))).to.equal(true),
    );
    await h.fake.transitionAs('acc-bob', ticket!.key, 'Approved');
    await h.settle();
    await job.sweep();
    expect(provider.changes()).to.deep.equal([]);
  });
});
