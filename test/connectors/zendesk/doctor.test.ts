import { expect } from 'chai';
import { createZendeskConnector } from '../../../connectors/zendesk';
import { zendeskConfigSchema } from '../../../connectors/zendesk/schema';
import { runChecks } from '../../../src/doctor/run-checks';
import { createLogger } from '../../../src/util/logger';
import {
  defaultZendeskOptions,
  SERVICE_USER,
  ZENDESK_EMAIL,
  ZENDESK_TOKEN,
  ZENDESK_USERS,
  zendeskConfigSection,
} from '../../fakes/zendesk/default-setup';
import { FakeZendesk } from '../../fakes/zendesk/fake-zendesk';

describe('doctor: the checks of Zendesk, each broken through the fake', () => {
  let fake: FakeZendesk | undefined;
  afterEach(async () => {
    await fake?.stop();
    fake = undefined;
  });

  const run = async (
    options: Partial<ReturnType<typeof defaultZendeskOptions>> = {},
    config: Record<string, unknown> = {},
    approverGroups = ['credential-approvers'],
  ) => {
    fake = new FakeZendesk({ ...defaultZendeskOptions(), ...options });
    const url = await fake.start();
    const connector = createZendeskConnector(
      zendeskConfigSchema.parse({
        ...zendeskConfigSection(),
        baseUrl: url,
        email: ZENDESK_EMAIL,
        apiToken: ZENDESK_TOKEN,
        ...config,
      }),
      { log: createLogger({ level: 'silent' }), now: () => Date.now() },
    );
    const results = await runChecks(connector.checks?.({ approverGroups }) ?? []);
    return Object.fromEntries(results.map((r) => [r.name, r]));
  };

  it('all pass on the default account', async () => {
    const r = await run();
    for (const name of ['zendesk.auth', 'zendesk.permissions', 'zendesk.groups'])
      expect(r[name]?.ok, `${name}: ${r[name]?.message}`).to.equal(true);
    expect(r['zendesk.auth']?.message).to.equal('signed in as credgate');
  });

  it('zendesk.auth fails for an API token Zendesk refuses', async () => {
    const r = await run({}, { apiToken: 'zd-revoked-token-000000' });
    expect(r['zendesk.auth']?.ok).to.equal(false);
    expect(r['zendesk.auth']?.fix).to.include('ZENDESK_API_TOKEN');
    expect(r['zendesk.auth']?.message).not.to.include('zd-revoked-token');
  });

  it('zendesk.permissions fails when the bot account is an end-user', async () => {
    const users = ZENDESK_USERS.map((u) => (u.id === SERVICE_USER ? { ...u, role: 'end-user' as const } : u));
    const r = await run({ users });
    expect(r['zendesk.permissions']?.ok).to.equal(false);
    expect(r['zendesk.permissions']?.message).to.include('has the role "end-user"');
  });

  it('zendesk.groups fails for an approver group Zendesk does not have', async () => {
    const r = await run({}, {}, ['credential-approvers', 'dba-leads']);
    expect(r['zendesk.groups']?.ok).to.equal(false);
    expect(r['zendesk.groups']?.message).to.match(/^no Zendesk group named "dba-leads" \(has: /);
  });
});
