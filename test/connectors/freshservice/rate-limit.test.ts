import { expect } from 'chai';
import { FakeFreshservice } from '../../fakes/freshservice/fake-freshservice';
import { ServiceUnderTest } from '../../conformance/service-under-test';
import type { VendorFake } from '../../conformance/driver';
import { quickPolicy } from '../../helpers/policy';
import { eventually } from '../../helpers/harness';

const API_KEY = 'fs-api-key-5b8e2c1d9a7f';
const SECRET = 'freshservice-webhook-secret-71d0c4';
const [CREDGATE, RITA, ALICE] = [21_000_418_001, 21_000_418_002, 21_000_418_003];

describe('freshservice end to end: a rate-limited account', function () {
  this.timeout(30_000);

  it('waits for Retry-After and retries, rather than dropping the approval', async () => {
    const fake = new FakeFreshservice({
      users: [
        { id: CREDGATE, name: 'credgate', email: 'credgate@example.com', agent: true, groups: [] },
        { id: RITA, name: 'Rita Requester', email: 'rita@example.com', agent: false, groups: [] },
        {
          id: ALICE,
          name: 'Alice Approver',
          email: 'alice@example.com',
          agent: true,
          groups: ['credential-approvers'],
        },
      ],
      apiKey: API_KEY,
      credgateAgentId: CREDGATE,
      webhookSecret: SECRET,
    });
    const url = await fake.start();
    const vendor = {
      env: {
        FRESHSERVICE_BASE_URL: url,
        FRESHSERVICE_API_KEY: API_KEY,
        FRESHSERVICE_WEBHOOK_SECRET: SECRET,
        FRESHSERVICE_AGENT_ID: String(CREDGATE),
      },
      // The periodic sweep re-runs queued deliveries without regard to Retry-After (a core matter,
      // reported); kept rare here so the delivery worker's own wait is what is measured.
      config: { freshservice: { categories: ['Credential request'] }, scheduler: { sweepInterval: '30s' } },
      setWebhook: (hook: string) => fake.setWebhook({ url: hook }),
    } as unknown as VendorFake;
    const sut = await ServiceUnderTest.start(vendor, 'freshservice', quickPolicy());
    try {
      const description = [
        'Target systems: reporting-db',
        'Account: svc_reports',
        'Access: read-only',
        'Justification: month end',
        'Duration: 1h',
      ]
        .map((l) => `<div>${l}</div>`)
        .join('');
      const { id } = await fake.createTicket(RITA, { subject: 'Access', description, category: 'Credential request' });
      await eventually(() => expect(fake.statusOf(id)).to.equal(7));
      await sut.settle();

      fake.failNext(2, 429, { 'Retry-After': '1' });
      expect((await fake.setStatusAs(ALICE, id, 8))?.status).to.equal(202);
      await eventually(() => expect(fake.statusOf(id)).to.equal(10), 10_000);
      await sut.settle();

      const limited = fake.requests.findIndex((r) => r.status === 429);
      const [first, second, third] = fake.requests.slice(limited);
      expect([first.status, second.status, third.status]).to.deep.equal([429, 429, 200]);
      expect(second.at - first.at).to.be.at.least(950);
      expect(third.at - second.at).to.be.at.least(950);
      expect(fake.conversations(id).some((c) => c.body.includes('Access granted until'))).to.equal(true);
      expect(fake.violations).to.deep.equal([]);
    } finally {
      await sut.stop();
      await fake.stop();
    }
  });
});
