import { expect } from 'chai';
import { FakeServiceNow } from '../../fakes/servicenow/fake-servicenow';
import { ServiceUnderTest } from '../../conformance/service-under-test';
import type { VendorFake } from '../../conformance/driver';
import { quickPolicy } from '../../helpers/policy';
import { eventually } from '../../helpers/harness';

const SECRET = 'servicenow-webhook-secret-4c2e9a';
const PASSWORD = 'servicenow-password-8d1f3b7a';

describe('servicenow end to end: a rate-limited instance', function () {
  this.timeout(30_000);

  it('waits for Retry-After and retries, rather than dropping the approval', async () => {
    const fake = new FakeServiceNow({
      users: [
        { userName: 'credgate', name: 'credgate', groups: [] },
        { userName: 'rita.requester', name: 'Rita Requester', groups: [] },
        { userName: 'alice.approver', name: 'Alice Approver', groups: ['credential-approvers'] },
      ],
      credgate: { userName: 'credgate', password: PASSWORD },
      webhookSecret: SECRET,
    });
    const url = await fake.start();
    const vendor = {
      env: {
        SERVICENOW_INSTANCE_URL: url,
        SERVICENOW_USERNAME: 'credgate',
        SERVICENOW_PASSWORD: PASSWORD,
        SERVICENOW_WEBHOOK_SECRET: SECRET,
      },
      // The periodic sweep re-runs queued deliveries without regard to Retry-After (a core matter,
      // reported); kept rare here so the delivery worker's own wait is what is measured.
      config: { servicenow: { categories: ['credential_request'] }, scheduler: { sweepInterval: '30s' } },
      setWebhook: (hook: string) => fake.setWebhook({ url: hook }),
    } as unknown as VendorFake;
    const sut = await ServiceUnderTest.start(vendor, 'servicenow', quickPolicy());
    try {
      const description =
        'Target systems: reporting-db\nAccount: svc_reports\nAccess: read-only\nJustification: month end\nDuration: 1h';
      const { number } = await fake.createIncident('rita.requester', {
        short_description: 'Access',
        description,
        category: 'credential_request',
      });
      await eventually(() => expect(fake.stateOf(number)).to.equal('102'));
      await sut.settle();

      fake.failNext(2, 429, { 'Retry-After': '1' });
      const delivered = await fake.updateAs('alice.approver', number, { state: '103' });
      expect(delivered?.status).to.equal(202);
      await eventually(() => expect(fake.stateOf(number)).to.equal('105'), 10_000);
      await sut.settle();

      const limited = fake.requests.findIndex((r) => r.status === 429);
      const [first, second, third] = fake.requests.slice(limited);
      expect([first.status, second.status, third.status]).to.deep.equal([429, 429, 200]);
      // Each retry came after the second the instance asked for, not at credgate's own 50ms backoff.
      expect(second.at - first.at).to.be.at.least(950);
      expect(third.at - second.at).to.be.at.least(950);
      expect(fake.journal(number).some((j) => j.value.includes('Access granted until'))).to.equal(true);
      expect(fake.violations).to.deep.equal([]);
    } finally {
      await sut.stop();
      await fake.stop();
    }
  });
});
