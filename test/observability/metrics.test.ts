import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { register as globalRegistry } from 'prom-client';
import { Harness, eventually } from '../helpers/harness';
import { quickPolicy } from '../helpers/policy';
import { createMetrics } from '../../src/observability/metrics';

const TOKEN = 'metrics-token-4c1d9e7a2b8f6035';
const LOW = [
  'Target systems: reporting-db',
  'Account: svc_reports',
  'Access: read-only',
  'Justification: monthly report run',
  'Duration: 2h',
].join('\n');

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The text exposition format, as Prometheus reads it (comments skipped). */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

/** The value a user reads for one series; 0 when the series does not exist (yet). */
const read = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((n, s) => n + s.value, 0);

describe('GET /metrics (Prometheus), over HTTP after a real workflow', function () {
  this.timeout(30_000);
  let h: Harness;
  afterEach(async () => h?.stop());

  const scrape = async (token: string | null = TOKEN) => {
    const res = await fetch(`${h.url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };

  it('counts deliveries, decisions and approvals, gauges active grants and times revocations', async () => {
    h = await Harness.start({
      policy: quickPolicy({ max: '2s' }),
      config: { metrics: { token: TOKEN }, server: { bodyLimitBytes: 65_536 } },
    });

    // Deliveries: accepted ones from people's actions, a redelivery, refusals of every kind.
    const accepted: (string | undefined)[] = [];
    const filed = await h.fake.createIssue('acc-requester', {
      project: 'CRED',
      issueType: 'Credential request',
      summary: 'Reporting database',
      description: LOW,
    });
    accepted.push(JSON.parse(filed.delivery!.body).status);
    await h.settle();
    const again = await h.fake.redeliverLast();
    expect(JSON.parse(again!.body).status, again!.body).to.equal('duplicate');
    const payload = { webhookEvent: 'jira:issue_updated', issue: h.fake.issueJson(filed.key) };
    expect((await h.fake.deliver(payload, { badSignature: true }))?.status).to.equal(401);
    expect((await h.fake.deliver(payload, { noSignature: true }))?.status).to.equal(401);
    const post = (path: string, body: string) =>
      fetch(`${h.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect((await post('/webhooks/jira', JSON.stringify({ pad: 'x'.repeat(70_000) }))).status).to.equal(413);
    expect((await post('/webhooks/jira', '')).status).to.equal(400);
    const randomId = `nope-${randomBytes(4).toString('hex')}`;
    expect((await post(`/webhooks/${randomId}`, '{}')).status).to.equal(404);

    // The requester approving their own request is refused; Alice's approval grants.
    accepted.push(JSON.parse((await h.fake.transitionAs('acc-requester', filed.key, 'Approved'))!.body).status);
    await h.settle();
    accepted.push(JSON.parse((await h.fake.transitionAs('acc-alice', filed.key, 'Approved'))!.body).status);
    await h.settle();
    expect(h.fake.statusOf(filed.key)).to.equal('Access granted');
    expect(accepted).to.deep.equal(['accepted', 'accepted', 'accepted']);

    const granted = await scrape();
    expect(granted.status).to.equal(200);
    expect(granted.type).to.equal('text/plain; version=0.0.4; charset=utf-8');
    let m = parseExposition(granted.text);
    expect(read(m, 'credgate_grants_active')).to.equal(1);
    expect(read(m, 'credgate_webhook_deliveries_total', { connector: 'jira', outcome: 'accepted' })).to.equal(3);
    expect(read(m, 'credgate_webhook_deliveries_total', { connector: 'jira', outcome: 'duplicate' })).to.equal(1);
    expect(read(m, 'credgate_webhook_deliveries_total', { connector: 'jira', outcome: 'unauthorized' })).to.equal(2);
    expect(read(m, 'credgate_webhook_deliveries_total', { connector: 'jira', outcome: 'too-large' })).to.equal(1);
    expect(read(m, 'credgate_webhook_deliveries_total', { connector: 'jira', outcome: 'bad-request' })).to.equal(1);
    // An attacker-chosen path never becomes a label.
    expect(
      read(m, 'credgate_webhook_deliveries_total', { connector: 'unknown', outcome: 'unknown-connector' }),
    ).to.equal(1);
    expect(granted.text).not.to.include(randomId);
    expect(read(m, 'credgate_approvals_total', { outcome: 'refused' })).to.equal(1);
    expect(read(m, 'credgate_approvals_total', { outcome: 'accepted' })).to.equal(1);
    const decided = { category: 'shared-account', risk: 'low' };
    expect(read(m, 'credgate_decisions_total', { ...decided, state: 'pending-approval' })).to.equal(1);
    expect(read(m, 'credgate_decisions_total', { ...decided, state: 'granted' })).to.equal(1);
    expect(read(m, 'credgate_revocation_lag_seconds_count')).to.equal(0);

    // Jira answers the next call (the revocation's comment) 503: one outbound error, one retry.
    h.fake.failNext(1, 503);
    await eventually(() => expect(h.fake.statusOf(filed.key)).to.equal('Access revoked'), 10_000);
    await h.settle();

    m = parseExposition((await scrape()).text);
    expect(read(m, 'credgate_grants_active')).to.equal(0);
    expect(read(m, 'credgate_decisions_total', { ...decided, state: 'revoked' })).to.equal(1);
    expect(read(m, 'credgate_revocation_lag_seconds_count')).to.equal(1);
    const lag = read(m, 'credgate_revocation_lag_seconds_sum');
    expect(lag).to.be.within(0, 1.5);
    expect(read(m, 'credgate_revocation_lag_seconds_bucket', { le: '3600' })).to.equal(1);
    expect(read(m, 'credgate_outbound_errors_total', { connector: 'jira', kind: 'transient' })).to.equal(1);
    expect(read(m, 'credgate_effect_retries_total', { kind: 'comment' })).to.equal(1);
    // Process metrics, under credgate's prefix.
    expect(read(m, 'credgate_process_cpu_user_seconds_total')).to.be.greaterThan(0);
    expect(m.some((s) => s.name === 'credgate_nodejs_eventloop_lag_seconds')).to.equal(true);
  });

  it('answers 401 without the configured bearer token, and serves anyone when no token is set', async () => {
    h = await Harness.start({ config: { metrics: { token: TOKEN } } });
    for (const token of [null, 'wrong-token-wrong-token', `${TOKEN}x`]) {
      const r = await scrape(token);
      expect(r.status, String(token)).to.equal(401);
      expect(r.text).not.to.include('credgate_');
    }
    const basic = await fetch(`${h.url}/metrics`, {
      headers: { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` },
    });
    expect(basic.status).to.equal(401);
    expect(basic.headers.get('www-authenticate')).to.include('Bearer');
    expect((await scrape()).status).to.equal(200);
    await h.stop();

    h = await Harness.start();
    const open = await scrape(null);
    expect(open.status).to.equal(200);
    expect(open.text).to.include('# TYPE credgate_webhook_deliveries_total counter');
  });

  it("keeps each service's metrics on its own registry, never prom-client's global one", () => {
    const a = createMetrics();
    const b = createMetrics();
    a.countDelivery('jira', 'accepted');
    expect(a.deliveries.labels('jira', 'accepted')).to.not.equal(undefined);
    expect(globalRegistry.getSingleMetric('credgate_webhook_deliveries_total')).to.equal(undefined);
    return Promise.all([a.scrape(), b.scrape()]).then(([ta, tb]) => {
      expect(read(parseExposition(ta), 'credgate_webhook_deliveries_total')).to.equal(1);
      expect(read(parseExposition(tb), 'credgate_webhook_deliveries_total')).to.equal(0);
    });
  });
});
