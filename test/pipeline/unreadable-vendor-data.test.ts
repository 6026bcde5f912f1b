import { expect } from 'chai';
import { Harness, eventually } from '../helpers/harness';

const LOW = [
  'Target systems: reporting-db',
  'Account: svc_reports',
  'Access: read-only',
  'Justification: monthly report run',
  'Duration: 2h',
].join('\n');

type History = { items: unknown };

/** The histories of a changelog answer, whichever resource served it (Cloud's /changelog or ?expand=changelog). */
const historiesOf = (body: unknown): History[] | undefined => {
  const b = body as { values?: History[]; changelog?: { histories?: History[] } };
  return b?.values ?? b?.changelog?.histories;
};

describe('a delivery whose vendor data credgate cannot read, or whose system keeps failing', function () {
  this.timeout(60_000);
  let h: Harness;
  afterEach(async () => h.stopChecked());

  const fileRequest = async () => {
    const { key } = await h.fake.createIssue('acc-requester', {
      project: 'CRED',
      issueType: 'Credential request',
      summary: 'reporting db',
      description: LOW,
    });
    await eventually(() => expect(h.fake.statusOf(key)).to.equal('Pending approval'));
    await h.service.idle();
    return key;
  };

  it('a changelog entry with "items": null fails for good on the first attempt, naming the field; the next change is processed', async () => {
    h = await Harness.start();
    const key = await fileRequest();
    h.fake.alterNextAnswer({ method: 'GET' }, (body) => {
      const histories = historiesOf(body);
      if (!histories?.length) return undefined;
      histories[histories.length - 1].items = null;
      return body;
    });
    const before = h.fake.requests.length;
    await h.fake.transitionAs('acc-alice', key, 'Approved');

    let reason = '';
    await eventually(async () => {
      const records = await h.service.deliveryLog.list({ ticket: key });
      const failed = records.find((r) => r.status === 'failed');
      expect(failed, JSON.stringify(records)).not.to.equal(undefined);
      expect(failed?.attempts ?? 0).to.be.at.most(1);
      reason = failed?.reason ?? '';
    });
    expect(reason).to.match(
      new RegExp(`^Jira GET changelog ${key} answered data credgate cannot read: \\[\\d+\\]\\.items: `),
    );
    expect(reason).to.include('expected array');
    // Not retried: a handful of calls, not dozens in a loop.
    await new Promise((r) => setTimeout(r, 500));
    expect(h.fake.requests.length - before).to.be.below(12);
    expect(h.logs.join('')).not.to.include('TypeError');

    // Nothing is lost: the next delivery for the ticket reads the whole changelog back, now in
    // Jira's contract again, and finds the approval the unreadable answer hid.
    await h.fake.commentAs('acc-requester', key, 'any news?');
    await eventually(() => expect(h.fake.statusOf(key)).to.equal('Access granted'), 15_000);
  });

  it('an outage longer than deliveries.maxAttempts is given up after that many attempts, and the log says so', async () => {
    h = await Harness.start({ config: { deliveries: { maxAttempts: 3 } } });
    const key = await fileRequest();
    h.fake.failNext(50, 503, {}, { method: 'GET' });
    await h.fake.transitionAs('acc-alice', key, 'Approved');
    let failed: { attempts?: number; reason?: string } | undefined;
    await eventually(async () => {
      failed = (await h.service.deliveryLog.list({ ticket: key })).find((r) => r.status === 'failed');
      expect(failed).not.to.equal(undefined);
    }, 20_000);
    expect(failed?.reason).to.match(/^given up after 3 attempts: Jira answered 503 to GET /);
    expect(h.logs.join('')).to.include('delivery failed on every attempt; given up');
  });
});
