import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHmac } from 'node:crypto';
import { Harness, SECRETS } from '../../helpers/harness';
import { CONNECTORS } from '../../../connectors';

const FIXTURES = join(__dirname, '../../fixtures');

async function post(url: string, body: string | Buffer, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  return { status: res.status, json: (await res.json()) as Record<string, string> };
}
const sign = (body: string | Buffer, secret = SECRETS.webhookSecret) =>
  'sha256=' + createHmac('sha256', secret).update(body).digest('hex');

describe('POST /webhooks/jira', function () {
  this.timeout(20_000);
  let h: Harness;
  afterEach(async () => {
    const logs = h.logs.join('');
    for (const secret of Object.values(SECRETS)) expect(logs).not.to.include(secret);
    await h.stop();
  });

  it('accepts every real Jira Cloud and Data Center delivery without error', async () => {
    h = await Harness.start({ config: { jira: { projects: [], issueTypes: [] } } });
    for (const dir of ['jira-cloud', 'jira-dc']) {
      for (const name of readdirSync(join(FIXTURES, dir))) {
        const d = await h.fake.deliver(JSON.parse(readFileSync(join(FIXTURES, dir, name), 'utf8')));
        expect(d?.status, `${dir}/${name}: ${d?.body}`).to.equal(202);
      }
    }
    await h.settle();
    // The issues do not exist on this Jira: each was read back, found absent, and dropped cleanly.
    const errors = h.logs.filter((l) => JSON.parse(l).level >= 50);
    expect(errors).to.deep.equal([]);
    const left = [];
    for await (const k of h.service.store.kv.inbox.iterator!(undefined)) left.push(k);
    expect(left).to.deep.equal([]);
  });

  it('rejects a bad or missing signature with 401 and stores nothing', async () => {
    h = await Harness.start();
    const { key } = await h.fake.createIssue('acc-requester', {
      project: 'CRED',
      issueType: 'Credential request',
      summary: 's',
      description: 'Account: a',
    });
    await h.settle();
    const payload = { webhookEvent: 'jira:issue_updated', issue: h.fake.issueJson(key) };
    const bad = await h.fake.deliver(payload, { badSignature: true });
    expect(bad?.status).to.equal(401);
    expect(JSON.parse(bad!.body).message).to.equal(
      'the X-Hub-Signature does not match the body: check the webhook secret',
    );
    const none = await h.fake.deliver(payload, { noSignature: true });
    expect(none?.status).to.equal(401);
    expect(JSON.parse(none!.body).message).to.include('expected an X-Hub-Signature header');
    expect(JSON.parse(bad!.body).message).not.to.include(SECRETS.webhookSecret);
    // A rejected delivery leaves no trace a later genuine delivery would be deduplicated against.
    const replay = await h.fake.deliver(payload, { identifier: none!.identifier });
    expect(JSON.parse(replay!.body).status).to.equal('accepted');
  });

  it('answers malformed, oversized, empty and misrouted requests with a clear 4xx', async () => {
    h = await Harness.start();
    const url = `${h.url}/webhooks/jira`;
    const junk = 'this is not json';
    expect(await post(url, junk, { 'x-hub-signature': sign(junk) })).to.deep.equal({
      status: 400,
      json: { error: 'bad-input', message: 'the body is not valid JSON' },
    });
    const big = JSON.stringify({ webhookEvent: 'x', pad: 'a'.repeat(1_100_000) });
    const tooBig = await post(url, big, { 'x-hub-signature': sign(big) });
    expect(tooBig.status).to.equal(413);
    expect(tooBig.json.message).to.equal('the body exceeds the limit of 1048576 bytes');
    expect((await post(url, '')).status).to.equal(400);
    const unknown = await post(`${h.url}/webhooks/jirra`, '{}');
    expect(unknown).to.deep.equal({
      status: 404,
      json: {
        error: 'not-found',
        message: `unknown connector "jirra"; known connectors: ${CONNECTORS.map((c) => c.id).join(', ')}`,
      },
    });
    const health = await fetch(`${h.url}/healthz`);
    expect(health.status).to.equal(200);
    expect(((await health.json()) as { connectors: string[] }).connectors).to.deep.equal(['jira']);
  });

  it('with no webhook secret accepts nothing; an explicit automation secret header is the alternative', async () => {
    h = await Harness.start({
      config: { jira: { automation: { header: 'X-Automation-Token', secret: 'automation-secret-123456' } } },
    });
    const url = `${h.url}/webhooks/jira`;
    const body = JSON.stringify({ webhookEvent: 'board_created' });
    expect((await post(url, body, { 'x-automation-token': 'automation-secret-123456' })).status).to.equal(202);
    const wrong = await post(url, body, { 'x-automation-token': 'automation-secret-XXXXXX' });
    expect(wrong).to.deep.equal({
      status: 401,
      json: { error: 'auth', message: 'the X-Automation-Token header does not match the configured secret' },
    });
  });
});
