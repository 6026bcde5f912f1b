import { FakeJira } from '../../fakes/jira/fake-jira';
import { SECRETS, SERVICE_ACCOUNT, STATUSES, USERS, readable } from '../../helpers/harness';
import { positionOf } from '../../../connectors/jira/mappers';
import { jiraConfigSchema } from '../../../connectors/jira/schema';
import type { ConformanceDriver, Role, VendorFake } from '../driver';

const ACCOUNTS: Record<Role, string> = {
  requester: 'acc-requester',
  approver: 'acc-alice',
  approver2: 'acc-bob',
  outsider: 'acc-olga',
};
const statuses = jiraConfigSchema.parse({}).statuses;

export const jiraDriver: ConformanceDriver = {
  id: 'jira',
  async start(): Promise<VendorFake> {
    const fake = new FakeJira({
      email: 'credgate@example.com',
      apiToken: SECRETS.apiToken,
      users: USERS,
      statuses: STATUSES,
      serviceAccountId: SERVICE_ACCOUNT,
      projects: ['CRED'],
    });
    const url = await fake.start();
    return {
      env: {
        JIRA_BASE_URL: url,
        JIRA_EMAIL: 'credgate@example.com',
        JIRA_API_TOKEN: SECRETS.apiToken,
        JIRA_WEBHOOK_SECRET: SECRETS.webhookSecret,
      },
      config: { jira: { projects: ['CRED'], issueTypes: ['Credential request'] } },
      setWebhook: (hook) => fake.setWebhook({ url: hook, secret: SECRETS.webhookSecret }),
      async fileRequest(as, summary, facts) {
        const description = Object.entries(facts)
          .map(([k, v]) => `${k}: ${v}`)
          .join('\n');
        const { key, delivery } = await fake.createIssue(ACCOUNTS[as], {
          project: 'CRED',
          issueType: 'Credential request',
          summary,
          description,
        });
        return { ticket: key, delivery };
      },
      approve: (as, ticket) => fake.transitionAs(ACCOUNTS[as], ticket, 'Approved'),
      close: (as, ticket) => fake.transitionAs(ACCOUNTS[as], ticket, 'Done'),
      position: (ticket) => positionOf(fake.statusOf(ticket), statuses),
      comments: (ticket) => fake.commentTexts(ticket).map(readable),
      redeliverLast: () => fake.redeliverLast(),
      deliverForged: (ticket) =>
        fake.deliver({ webhookEvent: 'jira:issue_updated', issue: fake.issueJson(ticket) }, { badSignature: true }),
      violations: fake.violations,
      restCalls: () => fake.requests.length,
      stop: () => fake.stop(),
    };
  },
};
