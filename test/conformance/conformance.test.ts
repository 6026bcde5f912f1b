import { appendFileSync } from 'node:fs';
import { expect } from 'chai';
import { DRIVERS } from './drivers';
import type { AsyncVendorFake, VendorFake } from './driver';
import { ServiceUnderTest } from './service-under-test';
import { quickPolicy } from '../helpers/policy';
import { eventually, SECRETS } from '../helpers/harness';

const FACTS = {
  'Target systems': 'reporting-db',
  Account: 'svc_reports',
  Access: 'read-only',
  Justification: 'monthly report run',
  Duration: '1h',
};

/**
 * The same scenarios against every connector and its stateful fake: a connector is done when it
 * passes here. Scenarios assert what people see in their ticketing system.
 */
for (const driver of DRIVERS) {
  describe(`conformance: ${driver.id}`, function () {
    const { stepMs, scenarioMs } = driver.patience ?? { stepMs: 8000, scenarioMs: 30_000 };
    this.timeout(scenarioMs);
    let fake: VendorFake | AsyncVendorFake;
    let sut: ServiceUnderTest;
    before(async function () {
      this.timeout(180_000);
      await driver.prepare?.();
    });
    beforeEach(async () => {
      fake = await driver.start();
      sut = await ServiceUnderTest.start(fake, driver.id, quickPolicy({ max: '2s', reminderBefore: '1s' }));
    });
    afterEach(async () => {
      expect(fake.violations, 'calls the real API would reject').to.deep.equal([]);
      const logs = sut.logs.join('');
      for (const secret of [
        ...Object.values(SECRETS),
        ...Object.values(fake.env).filter((v) => /secret|token|key/i.test(v) || v.length >= 20),
      ]) {
        if (!/^https?:/.test(secret)) expect(logs, 'a secret reached the log').not.to.include(secret);
      }
      await sut.stop();
      await fake.stop();
    });

    const file = async () => {
      const { ticket, delivery } = await fake.fileRequest('requester', 'Access to the reporting database', FACTS);
      expect(delivery?.status).to.be.within(200, 299);
      await eventually(async () => expect(await fake.position(ticket)).to.equal('pending-approval'), stepMs);
      await sut.settle();
      return ticket;
    };

    it('reads the ticket back through the API for each delivery, with few calls (counted in the fake)', async function () {
      if (!fake.restCalls) this.skip();
      const count = fake.restCalls!;
      const start = count();
      const ticket = await file();
      const filed = count();
      await fake.approve('approver', ticket);
      await eventually(async () => expect(await fake.position(ticket)).to.equal('granted'), stepMs);
      await sut.settle();
      const approved = count();
      // A webhook alone never grants: the approval delivery made credgate read the ticket back.
      expect(approved - filed).to.be.greaterThan(0);
      const out = process.env.CREDGATE_REST_CALLS_OUT;
      if (out)
        appendFileSync(
          out,
          `${JSON.stringify({ connector: driver.id, newTicket: filed - start, approval: approved - filed })}\n`,
        );
    });

    it('request → approval → grant → expiry → revocation', async () => {
      const ticket = await file();
      expect((await fake.comments(ticket))[0]).to.include('Credential request cg-');
      expect((await fake.comments(ticket))[0]).to.include('Risk: LOW');
      await fake.approve('approver', ticket);
      await eventually(async () => expect(await fake.position(ticket)).to.equal('granted'), stepMs);
      await sut.settle();
      expect((await fake.comments(ticket)).some((c) => c.includes('Access granted until'))).to.equal(true);
      await eventually(async () => expect(await fake.position(ticket)).to.equal('revoked'), stepMs + 2000);
      await sut.settle();
      expect((await fake.comments(ticket)).filter((c) => c.includes('Access revoked'))).to.have.length(1);
    });

    it('self-approval is refused and said so', async () => {
      const ticket = await file();
      await fake.approve('requester', ticket);
      await eventually(
        async () =>
          expect((await fake.comments(ticket)).some((c) => c.includes('nobody approves their own request'))).to.equal(
            true,
          ),
        stepMs,
      );
      await sut.settle();
      expect(await fake.position(ticket)).to.equal('pending-approval');
    });

    it('a delivery with a bad signature is refused and changes nothing', async () => {
      const ticket = await file();
      const before = (await fake.comments(ticket)).length;
      const forged = await fake.deliverForged(ticket);
      expect(forged?.status).to.equal(401);
      await sut.settle();
      expect(await fake.comments(ticket)).to.have.length(before);
    });

    it('a duplicate delivery is harmless', async () => {
      const ticket = await file();
      const before = (await fake.comments(ticket)).length;
      const again = await fake.redeliverLast();
      expect(again?.status).to.be.within(200, 299);
      await sut.settle();
      expect(await fake.comments(ticket)).to.have.length(before);
      expect(await fake.position(ticket)).to.equal('pending-approval');
    });
  });
}
