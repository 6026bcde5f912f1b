import { expect } from 'chai';
import { FakeJira } from '../fakes/jira/fake-jira';
import { ChildService, childEnvironment } from '../helpers/child-service';
import { eventually, SECRETS, SERVICE_ACCOUNT, STATUSES, USERS } from '../helpers/harness';
import { quickPolicy } from '../helpers/policy';
import { freshPostgresUrl, freshRedisUrl } from '../helpers/stores';
import { countComments, expectNoDoubledComments } from '../helpers/ticket-checks';
import { openStore } from '../../src/store/open-store';
import { createAuditLog } from '../../src/audit/audit-log';
import type { GrantRecord } from '../../src/providers/builtin-provider';

const TICKETS = 9;
const DESCRIPTION =
  'Target systems: reporting-db\nAccount: svc_reports\nAccess: read-only\nJustification: monthly run\nDuration: 1h';

for (const engine of [
  { name: 'Redis', url: () => freshRedisUrl(12) },
  { name: 'PostgreSQL', url: async () => freshPostgresUrl() },
]) {
  describe(`three replicas on ${engine.name}`, function () {
    this.timeout(90_000);
    let fake: FakeJira;
    let replicas: ChildService[] = [];
    afterEach(async () => {
      await Promise.all(replicas.map((r) => r.stop().catch(() => undefined)));
      await fake.stop();
    });

    it('share a burst of deliveries; revocations due while one replica is killed run once each', async () => {
      fake = new FakeJira({
        email: 'credgate@example.com',
        apiToken: SECRETS.apiToken,
        users: USERS,
        statuses: STATUSES,
        serviceAccountId: SERVICE_ACCOUNT,
        projects: ['CRED'],
      });
      const store = await engine.url();
      const env = childEnvironment({
        store,
        jiraUrl: await fake.start(),
        policy: quickPolicy({ max: '6s', reminderBefore: '2s' }),
      });
      replicas = await Promise.all([0, 1, 2].map(() => ChildService.start(env)));
      const target = (i: number) =>
        fake.setWebhook({ url: `${replicas[i % 3].url}/webhooks/jira`, secret: SECRETS.webhookSecret });

      // A burst of new requests, spread over the replicas like a load balancer would.
      const keys: string[] = [];
      for (let i = 0; i < TICKETS; i++) {
        target(i);
        const { key, delivery } = await fake.createIssue('acc-requester', {
          project: 'CRED',
          issueType: 'Credential request',
          summary: `request ${i}`,
          description: DESCRIPTION,
        });
        expect(delivery?.status).to.equal(202);
        keys.push(key);
      }
      // The same delivery arriving at another replica (a retry through the balancer) is a duplicate.
      target(1);
      expect(JSON.parse((await fake.redeliverLast())!.body).status).to.equal('duplicate');
      await eventually(() => keys.forEach((k) => expect(fake.statusOf(k)).to.equal('Pending approval')), 20_000);

      for (const [i, key] of keys.entries()) {
        target(i + 1);
        await fake.transitionAs('acc-alice', key, 'Approved');
      }
      await eventually(() => keys.forEach((k) => expect(fake.statusOf(k)).to.equal('Access granted')), 20_000);

      // One replica dies before any revocation is due; the others must take its work over.
      await replicas[0].kill9();
      await eventually(() => keys.forEach((k) => expect(fake.statusOf(k)).to.equal('Access revoked')), 30_000);
      await new Promise((r) => setTimeout(r, 1500)); // let any straggling duplicate show itself

      for (const key of keys) {
        expect(countComments(fake, key, 'Credential request cg-'), key).to.equal(1);
        expect(countComments(fake, key, 'Access granted until'), key).to.equal(1);
        expect(countComments(fake, key, 'Access revoked'), key).to.equal(1);
        expect(countComments(fake, key, 'Access ends in'), key).to.equal(1);
      }
      expectNoDoubledComments(fake, keys);
      expect(fake.violations).to.deep.equal([]);

      const s = await openStore(store);
      try {
        const grants: GrantRecord[] = [];
        for await (const [, g] of s.kv.grants.iterator!(undefined)) grants.push(g as GrantRecord);
        expect(grants).to.have.length(TICKETS);
        expect(grants.every((g) => g.status === 'revoked')).to.equal(true);
        const audit = createAuditLog(s.engine, SECRETS.auditKey);
        const verdict = await audit.verify();
        expect(verdict.ok).to.equal(true);
        const revocations: string[] = [];
        for await (const e of audit.entries()) if (e.action === 'access-revoked') revocations.push(e.requestId);
        expect(revocations).to.have.length(TICKETS);
        expect(new Set(revocations).size).to.equal(TICKETS);
      } finally {
        await s.close();
      }
    });
  });
}
