import { FakeServiceNow } from '../../fakes/servicenow/fake-servicenow';
import { readable } from '../../helpers/harness';
import { positionOf } from '../../../connectors/servicenow/mappers';
import { servicenowConfigSchema } from '../../../connectors/servicenow/schema';
import type { ConformanceDriver, Role, VendorFake } from '../driver';

const USERS: Record<Role, string> = {
  requester: 'rita.requester',
  approver: 'alice.approver',
  approver2: 'bob.approver',
  outsider: 'olga.outsider',
};
const SECRET = 'servicenow-webhook-secret-4c2e9a';
const PASSWORD = 'servicenow-password-8d1f3b7a';
const { states } = servicenowConfigSchema.parse({});

/** ServiceNow through its fake: an incident per request, approval by moving state to Approved. */
export const servicenowDriver: ConformanceDriver = {
  id: 'servicenow',
  async start(): Promise<VendorFake> {
    const fake = new FakeServiceNow({
      users: [
        { userName: 'credgate', name: 'credgate', email: 'credgate@example.com', groups: [] },
        {
          userName: USERS.requester,
          name: 'Rita Requester',
          email: 'rita@example.com',
          groups: ['credential-approvers'],
        },
        {
          userName: USERS.approver,
          name: 'Alice Approver',
          email: 'alice@example.com',
          groups: ['credential-approvers'],
        },
        { userName: USERS.approver2, name: 'Bob Approver', email: 'bob@example.com', groups: ['credential-approvers'] },
        { userName: USERS.outsider, name: 'Olga Outsider', email: 'olga@example.com', groups: ['itil'] },
      ],
      credgate: { userName: 'credgate', password: PASSWORD },
      webhookSecret: SECRET,
      echoOwnEvents: true,
    });
    const url = await fake.start();
    return {
      env: {
        SERVICENOW_INSTANCE_URL: url,
        SERVICENOW_USERNAME: 'credgate',
        SERVICENOW_PASSWORD: PASSWORD,
        SERVICENOW_WEBHOOK_SECRET: SECRET,
      },
      config: { servicenow: { categories: ['credential_request'] } },
      setWebhook: (hook) => fake.setWebhook({ url: hook }),
      async fileRequest(as, summary, facts) {
        const description = Object.entries(facts)
          .map(([k, v]) => `${k}: ${v}`)
          .join('\n');
        const { number, delivery } = await fake.createIncident(USERS[as], {
          short_description: summary,
          description,
          category: 'credential_request',
        });
        return { ticket: number, delivery };
      },
      approve: (as, ticket) => fake.updateAs(USERS[as], ticket, { state: states.approved }),
      close: (as, ticket) => fake.updateAs(USERS[as], ticket, { state: '7' }),
      position: (ticket) => positionOf(fake.stateOf(ticket), states),
      comments: (ticket) =>
        fake
          .journal(ticket, 'work_notes')
          .filter((j) => j.by === 'credgate')
          .map((j) => readable(j.value)),
      redeliverLast: () => fake.redeliverLast(),
      deliverForged: (ticket) => fake.deliver(fake.webhookBody(ticket), { badSignature: true }),
      violations: fake.violations,
      restCalls: () => fake.requests.length,
      stop: () => fake.stop(),
    };
  },
};
