import { expect } from 'chai';
import { FakeGitHub } from '../../fakes/github/fake-github';
import { ServiceUnderTest } from '../../conformance/service-under-test';
import type { VendorFake } from '../../conformance/driver';
import { quickPolicy } from '../../helpers/policy';
import { GITHUB_DRIVER_SETTINGS as S } from '../../conformance/drivers/github';

const DEFINITIONS = require('@octokit/webhooks-examples/api.github.com/index.json') as {
  name: string;
  examples: Record<string, unknown>[];
}[];
const HANDLED = ['issues', 'issue_comment'];

/**
 * Every example payload GitHub's own SDK ships (@octokit/webhooks-examples, api.github.com),
 * delivered signed to /webhooks/github of a running credgate. The examples are about
 * Codertocat/Hello-World#1, labelled "bug"; with `requestLabel: bug` that issue is in scope, so the
 * issues and issue_comment examples go all the way through the API and the engine.
 */
describe('github: every @octokit/webhooks example delivery', function () {
  this.timeout(60_000);
  let fake: FakeGitHub;
  let sut: ServiceUnderTest;

  before(async () => {
    fake = new FakeGitHub({
      users: [{ login: S.SELF }, { login: 'Codertocat' }],
      repositories: [{ fullName: 'Codertocat/Hello-World', collaborators: { [S.SELF]: 'write' } }],
      tokens: { [S.TOKEN]: S.SELF },
    });
    const url = await fake.start();
    // The issue the examples describe, as it is on the fake before any delivery.
    await fake.openIssue('Codertocat', 'Codertocat/Hello-World', {
      title: 'Spelling error in the README file',
      body: "It looks like you accidently spelled 'commit' with two 't's.",
      labels: ['bug'],
    });
    const vendor = {
      env: { GITHUB_API_URL: url, GITHUB_TOKEN: S.TOKEN, GITHUB_WEBHOOK_SECRET: S.WEBHOOK_SECRET },
      config: { github: { requestLabel: 'bug' } },
      setWebhook: (hook: string) => fake.setWebhook({ url: hook, secret: S.WEBHOOK_SECRET }),
    } as unknown as VendorFake;
    sut = await ServiceUnderTest.start(vendor, 'github', quickPolicy());
  });

  after(async () => {
    await sut?.stop();
    await fake?.stop();
  });

  it('answers 2xx to every issues and issue_comment example and handles it without an error', async () => {
    const examples = DEFINITIONS.filter((d) => HANDLED.includes(d.name)).flatMap((d) =>
      d.examples.map((e) => ({ event: d.name, payload: e })),
    );
    expect(examples.length).to.be.greaterThan(30);
    for (const { event, payload } of examples) {
      const delivery = await fake.deliver(event, payload);
      expect(delivery?.status, `${event}.${String(payload.action)}: ${delivery?.body}`).to.be.within(200, 299);
    }
    await sut.settle();
    const problems = sut.logs.filter((l) => /"level":(40|50|60)/.test(l));
    expect(problems, problems.join('\n')).to.deep.equal([]);
    expect(fake.violations).to.deep.equal([]);
    // They went through: the in-scope issue was read back and credgate asked for the missing facts.
    const ours = fake.comments('Codertocat/Hello-World#1').filter((c) => c.user === S.SELF);
    expect(ours).to.have.length(1);
    expect(ours[0].body).to.include('Credential request');
    expect(fake.labels('Codertocat/Hello-World#1')).to.include('credgate: awaiting info');
  });

  it('acknowledges every other event and ignores it', async () => {
    const others = DEFINITIONS.filter((d) => !HANDLED.includes(d.name)).flatMap((d) =>
      d.examples.map((e) => ({ event: d.name, payload: e })),
    );
    expect(others.length).to.be.greaterThan(100);
    const before = fake.requests.length;
    for (const { event, payload } of others) {
      const delivery = await fake.deliver(event, payload);
      expect(delivery?.status, `${event}: ${delivery?.body}`).to.equal(202);
      expect(JSON.parse(delivery?.body ?? '{}').status, event).to.equal('ignored');
    }
    await sut.settle();
    expect(fake.requests.length, 'no API call for an ignored event').to.equal(before);
  });
});
