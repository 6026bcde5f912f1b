import { expect } from 'chai';
import { createServiceNowConnector } from '../../../connectors/servicenow';
import { servicenowConfigSchema } from '../../../connectors/servicenow/schema';
import { runChecks } from '../../../src/doctor/run-checks';
import { createLogger } from '../../../src/util/logger';
import { FakeServiceNow } from '../../fakes/servicenow/fake-servicenow';

const PASSWORD = 'credgate-password-123456';

describe('doctor: the checks of ServiceNow, each broken through the fake', () => {
  let fake: FakeServiceNow;
  let url: string;
  beforeEach(async () => {
    fake = new FakeServiceNow({
      users: [
        { userName: 'credgate', name: 'credgate', groups: [] },
        { userName: 'alice.approver', name: 'Alice Approver', groups: ['credential-approvers'] },
      ],
      credgate: { userName: 'credgate', password: PASSWORD, token: 'oauth-token-abcdef' },
      webhookSecret: 'servicenow-webhook-secret-0123',
    });
    url = await fake.start();
  });
  afterEach(() => fake.stop());

  const run = async (extra: Record<string, unknown> = {}, approverGroups = ['credential-approvers']) => {
    const connector = createServiceNowConnector(
      servicenowConfigSchema.parse({ instanceUrl: url, username: 'credgate', password: PASSWORD, ...extra }),
      { log: createLogger({ level: 'silent' }), now: () => Date.now() },
    );
    const results = await runChecks(connector.checks?.({ approverGroups }) ?? []);
    return Object.fromEntries(results.map((r) => [r.name, r]));
  };

  it('both pass on a working instance', async () => {
    const r = await run();
    expect(r['servicenow.auth']).to.include({ ok: true, message: 'signed in as credgate' });
    expect(r['servicenow.groups']).to.include({ ok: true, message: 'credential-approvers exist' });
  });

  it('servicenow.auth fails for a wrong password, and for a user name the instance does not have', async () => {
    const wrong = await run({ password: 'not-the-password-0000' });
    expect(wrong['servicenow.auth']?.ok).to.equal(false);
    expect(wrong['servicenow.auth']?.fix).to.include('SERVICENOW_PASSWORD');
    expect(wrong['servicenow.auth']?.message).not.to.include('not-the-password');
    const unknown = await run({ username: 'credgate-typo' });
    expect(unknown['servicenow.auth']?.ok).to.equal(false);
  });

  it('servicenow.groups fails for an approver group the instance does not have', async () => {
    const r = await run({}, ['credential-approvers', 'dba-leads']);
    expect(r['servicenow.groups']?.ok).to.equal(false);
    expect(r['servicenow.groups']?.message).to.equal('no ServiceNow group named "dba-leads" (sys_user_group)');
  });
});
