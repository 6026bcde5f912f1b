import { expect } from 'chai';
import { Harness } from '../../helpers/harness';

/**
 * The words a requester reads on the ticket, as Jira stores them (raw wiki markup, not cleaned up):
 * times copy and search cleanly, URLs stay defanged, every sentence ends, and a grant of seconds
 * shows its seconds.
 */
const facts = (duration: string, justification = 'firewall change') =>
  [
    'Target systems: vpn-gateway',
    'Account: vpn_admin',
    'Access: read',
    `Justification: ${justification}`,
    `Duration: ${duration}`,
  ].join('\n');

describe('comment text (Jira, over HTTP)', function () {
  this.timeout(40_000);
  let h: Harness;
  afterEach(async () => {
    await h?.stopChecked();
  });

  async function file(description: string) {
    const { key } = await h.fake.createIssue('acc-requester', {
      project: 'CRED',
      issueType: 'Credential request',
      summary: 'VPN access',
      description,
    });
    await h.settle();
    return key;
  }

  it('times carry no invisible character before the colon; a URL in a value is still defanged', async () => {
    h = await Harness.start();
    const key = await file(facts('2h', 'see http://evil.example/x'));
    await h.fake.transitionAs('acc-alice', key, 'Approved');
    await h.settle();
    const raw = h.fake.commentTexts(key).join('\n');
    const granted = h.fake.commentTexts(key).find((c) => c.includes('Access granted'));
    expect(granted, raw).to.be.a('string');
    expect(granted).to.match(/\d{4}\\-\d\d\\-\d\d \d\d:\d\d UTC/);
    expect(raw).not.to.match(/\d\u2060:/);
    // The requester's URL is echoed, and no auto-linker can make a link of it.
    expect(raw).to.include('http\u2060://evil.example/x');
    expect(raw).not.to.include('http://evil');
  });

  it('a request whose only problem is an unusable fact says how to write it, not "for example ."', async () => {
    h = await Harness.start();
    const key = await file(facts('forever'));
    expect(h.fake.statusOf(key)).to.equal('Waiting for requester');
    const text = h.comments(key).find((c) => c.includes('more information needed'));
    expect(text).to.include('Not usable:');
    expect(text).not.to.include('Missing:');
    expect(text).to.include('reply with one line per fact, for example Duration: .... credgate reads');
    expect(text).not.to.include('for example .');
  });

  it('a grant of seconds shows its times to the second; a grant of hours to the minute', async () => {
    h = await Harness.start();
    const short = await file(facts('30s'));
    await h.fake.transitionAs('acc-alice', short, 'Approved');
    await h.settle();
    const granted = h.comments(short).find((c) => c.includes('Access granted'));
    expect(granted).to.match(/\d\d:\d\d:\d\d UTC/);

    const long = await file(facts('2h'));
    await h.fake.transitionAs('acc-alice', long, 'Approved');
    await h.settle();
    const hours = h.comments(long).find((c) => c.includes('Access granted'));
    expect(hours).to.match(/ \d\d:\d\d UTC/);
    expect(hours).not.to.match(/\d\d:\d\d:\d\d UTC/);
  });
});
