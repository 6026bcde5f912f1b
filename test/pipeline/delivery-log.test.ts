import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { Harness, eventually } from '../helpers/harness';
import type { DeliveryRecord } from '../../src/pipeline/delivery-log';

const ROOT = resolve(__dirname, '../..');
const LOW = [
  'Target systems: reporting-db',
  'Account: svc_reports',
  'Access: read-only',
  'Justification: monthly report run',
  'Duration: 2h',
].join('\n');

/** The CLI, spawned without blocking this process (the fake Jira answers from its event loop). */
function cli(env: Record<string, string>, ...args: string[]) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/credgate.js'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

describe('the delivery log', function () {
  this.timeout(60_000);
  let h: Harness;
  afterEach(async () => h.stopChecked());

  it('an outage: accepted while Jira is down → waiting with the error and the next attempt → processed once Jira is back', async () => {
    h = await Harness.start();
    const log = h.service.deliveryLog;
    // Jira down for the first read-back, and it asks for ten seconds before the next call: time
    // enough for a CLI to start and read the log while the delivery waits.
    // Only the read-back: on a busy machine the connector's start (GET myself) may come later.
    h.fake.failNext(1, 503, { 'Retry-After': '10' }, { method: 'GET', path: /\/issue\// });
    const { key, delivery } = await h.fake.createIssue('acc-requester', {
      project: 'CRED',
      issueType: 'Credential request',
      summary: 'reporting db',
      description: LOW,
    });
    expect(delivery?.status).to.equal(202);

    let waiting: DeliveryRecord | undefined;
    await eventually(async () => {
      [waiting] = await log.list({ ticket: key });
      expect(waiting?.status).to.equal('waiting');
    });
    expect(waiting?.reason).to.match(/^Jira answered 503 to GET issue \d+/);
    expect(waiting?.attempts).to.equal(1);
    expect(Date.parse(waiting?.nextAttemptAt ?? '')).to.be.greaterThan(Date.parse(waiting?.updatedAt ?? ''));
    const shown = await cli(h.cliEnv, 'deliveries', '--ticket', key);
    expect(shown.status, shown.stderr).to.equal(0);
    expect(shown.stdout, shown.stdout).to.match(
      new RegExp(`jira:\\S+  ${key}  waiting  Jira answered 503 .*; attempt 1, next at `),
    );

    await eventually(async () => expect((await log.list({ ticket: key }))[0].status).to.equal('processed'), 25_000);
    const [done] = await log.list({ ticket: key });
    const request = await h.requestOf(key);
    expect(done.results).to.deep.equal([{ ticket: key, requestId: request.id, change: 'new → pending-approval' }]);
    expect(done.nextAttemptAt).to.equal(undefined);

    const deliveries = await cli(h.cliEnv, 'deliveries', '--ticket', key, '--since', '1h');
    expect(deliveries.stdout).to.include(`${key}  processed  ${key} (${request.id}): new → pending-approval`);
    const story = await cli(h.cliEnv, 'audit', 'show', key);
    expect(story.status, story.stderr).to.equal(0);
    expect(story.stdout).to.include('deliveries (newest first):');
    expect(story.stdout).to.include(`processed  ${key} (${request.id}): new → pending-approval`);

    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).to.match(/credgate_delivery_outcomes_total\{connector="jira",outcome="waiting"\} 1/);
    expect(metrics).to.match(/credgate_delivery_outcomes_total\{connector="jira",outcome="processed"\} [1-9]/);
  });

  it('says in words why a delivery was ignored: not a credential request, a duplicate, credgate itself', async () => {
    h = await Harness.start({ fake: { echoOwnEvents: true }, config: { jira: { issueTypes: [] } } });
    const log = h.service.deliveryLog;
    const { key } = await h.fake.createIssue('acc-requester', {
      project: 'CRED',
      issueType: 'Bug',
      summary: 'printer is broken',
    });
    await h.settle();
    const [notOurs] = await log.list({ ticket: key });
    expect(notOurs.status).to.equal('ignored');
    expect(notOurs.reason).to.equal('not a credential request (no category matched, or closed when first seen)');

    await h.fake.redeliverLast();
    await h.settle();
    const reasons = (await log.list({ ticket: key })).map((r) => r.reason);
    expect(reasons).to.include('duplicate: the same delivery id was accepted before');

    const { key: request } = await h.fake.createIssue('acc-requester', {
      project: 'CRED',
      issueType: 'Credential request',
      summary: 'reporting db',
      description: LOW,
    });
    await h.settle();
    // credgate's own comment and transition come back as webhooks: ignored, and said so.
    const own = (await log.list({ status: 'ignored' })).filter((r) => r.reason === 'caused by credgate itself');
    expect(own.length).to.be.greaterThan(0);
    expect((await log.list({ ticket: request, status: 'processed' })).length).to.equal(1);
  });
});
