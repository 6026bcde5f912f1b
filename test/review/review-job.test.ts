import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { FakeJira } from '../fakes/jira/fake-jira';
import { SECRETS, SERVICE_ACCOUNT, STATUSES, USERS, eventually } from '../helpers/harness';
import { freshPostgresUrl, freshSqliteUrl } from '../helpers/stores';
import { openStore, type Store } from '../../src/store/open-store';
import { createAuditLog } from '../../src/audit/audit-log';
import { createJiraConnector } from '../../connectors/jira';
import { jiraConfigSchema } from '../../connectors/jira/schema';
import type { Connector } from '../../connectors/types';
import { reviewCommand, type ReviewJob } from '../../src/review';
import { ReviewStore } from '../../src/review/review-store';
import { RecordingProvider } from './recording-provider';
import { captureLogger, reviewJob, reviewPolicy, seedAudit, seedRequests } from './review-setup';
import { seededAudit, seededRequests } from './seed';

/** A 6-field cron expression (seconds first) that matches exactly one second, in local time like node-schedule. */
function cronAt(d: Date): string {
  return `${d.getSeconds()} ${d.getMinutes()} ${d.getHours()} ${d.getDate()} ${d.getMonth() + 1} *`;
}

const created = (fake: FakeJira) =>
  fake.requests.filter((r) => r.method === 'POST' && /\/rest\/api\/\d\/issue$/.test(r.path) && r.status === 201);

async function jiraConnector(fake: FakeJira, logs: string[]): Promise<Connector> {
  const connector = createJiraConnector(
    jiraConfigSchema.parse({ baseUrl: fake.baseUrl, email: 'credgate@example.com', apiToken: SECRETS.apiToken }),
    { log: captureLogger(logs), now: Date.now },
  );
  await connector.start?.();
  return connector;
}

describe('review job', function () {
  this.timeout(60_000);
  let fake: FakeJira;
  const stores: Store[] = [];
  const jobs: ReviewJob[] = [];
  const logs: string[] = [];

  beforeEach(async () => {
    fake = new FakeJira({
      email: 'credgate@example.com',
      apiToken: SECRETS.apiToken,
      users: USERS,
      statuses: STATUSES,
      serviceAccountId: SERVICE_ACCOUNT,
      projects: ['REV'],
    });
    await fake.start();
  });
  afterEach(async () => {
    for (const j of jobs.splice(0)) j.stop();
    for (const s of stores.splice(0)) await s.close().catch(() => undefined);
    expect(fake.violations).to.deep.equal([]);
    await fake.stop();
    expect(logs.join('')).not.to.include(SECRETS.apiToken);
    logs.length = 0;
  });

  for (const engine of ['sqlite', 'postgres'] as const) {
    it(`fires on its cron schedule; two replicas sharing a ${engine} store create one review, and a restart none`, async () => {
      let url: string;
      // PostgreSQL is on every machine of this kind (.ci/run starts it): unreachable is a failure.
      url = engine === 'postgres' ? freshPostgresUrl() : freshSqliteUrl();
      // Two replicas: on SQLite one process shares the store; on PostgreSQL each opens its own connection.
      const first = await openStore(url);
      const second = engine === 'sqlite' ? first : await openStore(url);
      stores.push(...new Set([first, second]));
      const seeded = seededRequests();
      await seedRequests(first, seeded);
      await seedAudit(createAuditLog(first.engine, SECRETS.auditKey), seeded, seededAudit());
      const connector = await jiraConnector(fake, logs);
      const provider = new RecordingProvider('corp-ad');
      const fireAt = new Date(Math.ceil((Date.now() + 2500) / 1000) * 1000);
      const policy = reviewPolicy({ schedule: cronAt(fireAt) });
      for (const store of [first, second]) {
        const job = reviewJob(
          {
            store,
            audit: createAuditLog(store.engine, SECRETS.auditKey),
            connectors: new Map([['jira', connector]]),
            log: captureLogger(logs),
          },
          provider,
          policy,
        );
        jobs.push(job);
        job.start();
      }

      await eventually(() => expect(created(fake)).to.have.length(1), 10_000);
      await new Promise((r) => setTimeout(r, 1500)); // time for a second ticket to show itself
      expect(created(fake)).to.have.length(1);
      expect(Date.now()).to.be.at.least(fireAt.getTime());
      const reviews = await new ReviewStore(first.engine).all();
      expect(reviews.map((r) => [r.period.id, r.state, r.ticket?.key])).to.deep.equal([
        [`scheduled:${fireAt.toISOString()}`, 'open', 'REV-1'],
      ]);
      expect(reviews[0].period.until).to.equal(fireAt.toISOString());
      expect(reviews[0].period.since, 'the first review covers everything since the first request').to.equal(
        '2026-02-01T09:00:00.000Z',
      );
      expect(String(fake.issue('REV-1').fields.description)).to.include('Requests filed:* 8');

      // A restarted replica asked for the same period gets the existing review.
      const restarted = reviewJob(
        {
          store: second,
          audit: createAuditLog(second.engine, SECRETS.auditKey),
          connectors: new Map([['jira', connector]]),
          log: captureLogger(logs),
        },
        provider,
        policy,
      );
      const again = await restarted.runReview({ until: fireAt, periodId: `scheduled:${fireAt.toISOString()}` });
      expect(again).to.include({ created: false, reviewId: reviews[0].id });
      expect(created(fake)).to.have.length(1);
      // The next review starts where this one ended.
      const next = await restarted.runReview({ dryRun: true });
      expect(next.period.since).to.equal(fireAt.toISOString());
    });
  }

  it('creates the review ticket in ADF through REST v3 when the connector writes ADF, the report a real link', async () => {
    const store = await openStore(freshSqliteUrl());
    stores.push(store);
    const connector = createJiraConnector(
      jiraConfigSchema.parse({
        baseUrl: fake.baseUrl,
        email: 'credgate@example.com',
        apiToken: SECRETS.apiToken,
        commentFormat: 'adf',
      }),
      { log: captureLogger(logs), now: Date.now },
    );
    await connector.start?.();
    const job = reviewJob(
      {
        store,
        audit: createAuditLog(store.engine, undefined),
        connectors: new Map([['jira', connector]]),
        log: captureLogger(logs),
        publicUrl: () => 'https://credgate.example.com/',
      },
      new RecordingProvider('corp-ad'),
    );
    const { ticket } = await job.runReview({ until: new Date('2026-06-01T00:00:00Z') });
    expect(created(fake).map((r) => r.path)).to.deep.equal(['/rest/api/3/issue']);
    const description = JSON.stringify(fake.issueJson(ticket!.key, 3));
    expect(description).to.match(
      /"marks":\[\{"type":"link","attrs":\{"href":"https:\/\/credgate\.example\.com\/reports\/[A-Za-z0-9_-]{43}"\}\}\]/,
    );
    expect(description).to.include('Requests filed:');
  });

  it('finishes a review a crash left without its ticket (the sweep), once', async () => {
    const store = await openStore(freshSqliteUrl());
    stores.push(store);
    const connector = await jiraConnector(fake, logs);
    const provider = new RecordingProvider('corp-ad');
    const job = reviewJob(
      {
        store,
        audit: createAuditLog(store.engine, undefined),
        connectors: new Map([['jira', connector]]),
        log: captureLogger(logs),
        publicUrl: () => 'https://credgate.example.com',
      },
      provider,
    );
    jobs.push(job);
    fake.failNext(1, 503); // the ticket creation fails after the review was stored
    await job.runReview({ until: new Date('2026-06-01T00:00:00Z') }).then(
      () => expect.fail('the failed create should surface'),
      (err: Error) => expect(err.message).to.match(/Jira answered 503/),
    );
    expect(created(fake)).to.have.length(0);
    await Promise.all([job.sweep(), job.sweep()]);
    expect(created(fake)).to.have.length(1);
    expect(String(fake.issue('REV-1').fields.description)).to.match(
      /\[https:\/\/credgate\.example\.com\/reports\/[A-Za-z0-9_-]{43}\]/,
    );
    await job.sweep();
    expect(created(fake)).to.have.length(1);
  });

  it('a dry run needs no ticketing system: it reports without any connector configured', async () => {
    const store = await openStore(freshSqliteUrl());
    stores.push(store);
    const seeded = seededRequests();
    await seedRequests(store, seeded);
    const audit = createAuditLog(store.engine, undefined);
    await seedAudit(audit, seeded, seededAudit());
    const job = reviewJob(
      { store, audit, connectors: new Map(), log: captureLogger(logs) },
      new RecordingProvider('corp-ad'),
    );
    const dry = await job.runReview({ dryRun: true });
    expect(dry.summary?.totals.requests).to.equal(seeded.length);
    expect(dry.html).to.include('<svg');
    try {
      await job.runReview({});
      expect.fail('a real run needs the review connector');
    } catch (err) {
      expect((err as Error).message).to.include('review.connector "jira" is not configured');
    }
  });

  it('`credgate review run` prints the review; --dry-run changes nothing and writes the report with --out', async () => {
    const store = await openStore(freshSqliteUrl());
    stores.push(store);
    const seeded = seededRequests();
    await seedRequests(store, seeded);
    const audit = createAuditLog(store.engine, undefined);
    await seedAudit(audit, seeded, seededAudit());
    const connector = await jiraConnector(fake, logs);
    const provider = new RecordingProvider('corp-ad');
    const job = reviewJob(
      {
        store,
        audit,
        connectors: new Map([['jira', connector]]),
        log: captureLogger(logs),
        publicUrl: () => 'https://credgate.example.com',
      },
      provider,
    );
    const dir = mkdtempSync(join(tmpdir(), 'credgate-review-'));
    const out: string[] = [];
    let closed = 0;
    const cli = () =>
      new Command('credgate').exitOverride().addCommand(
        reviewCommand(
          async () => ({ job, close: async () => void closed++ }),
          (line) => out.push(line),
        ),
      );
    try {
      await cli().parseAsync(
        [
          'review',
          'run',
          '--dry-run',
          '--since',
          '2026-05-01',
          '--until',
          '2026-06-01',
          '--out',
          join(dir, 'report.html'),
        ],
        { from: 'user' },
      );
      const printed = out.join('\n');
      expect(printed).to.include('access review 2026-05-01 to 2026-06-01');
      expect(printed).to.include('dry run, nothing changed');
      expect(printed).to.include('requests: 6 (3 low, 3 high risk)');
      expect(printed).to.include('revocations: 1 on time, 1 late, 1 failed');
      expect(printed).to.include('  - disable svc_prod through corp-ad');
      expect(readFileSync(join(dir, 'report.html'), 'utf8')).to.match(/^<!doctype html>[\s\S]*<svg /);
      expect(created(fake)).to.have.length(0);
      expect(provider.changes()).to.deep.equal([]);
      expect(closed).to.equal(1);

      out.length = 0;
      await cli().parseAsync(['review', 'run', '--since', '2026-05-01', '--until', '2026-06-01'], { from: 'user' });
      expect(out.join('\n')).to.include('review ticket: REV-1');
      expect(out.join('\n')).to.match(/report: https:\/\/credgate\.example\.com\/reports\/[A-Za-z0-9_-]{43}/);
      await cli().parseAsync(['review', 'run', '--since', '2026-05-01', '--until', '2026-06-01'], { from: 'user' });
      expect(out.join('\n')).to.include('already reviewed in ticket: REV-1');
      expect(created(fake)).to.have.length(1);

      await cli()
        .parseAsync(['review', 'run', '--since', 'last tuesday'], { from: 'user' })
        .then(
          () => expect.fail('a bad date must be refused'),
          (err: Error) => expect(err.message).to.include('--since expects a date'),
        );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
