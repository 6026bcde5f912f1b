import { FakeFreshservice } from '../../fakes/freshservice/fake-freshservice';
import { readable } from '../../helpers/harness';
import { htmlToText, positionOfId } from '../../../connectors/freshservice/mappers';
import { freshserviceConfigSchema } from '../../../connectors/freshservice/schema';
import type { ConformanceDriver, Role, VendorFake } from '../driver';

const CREDGATE = 21_000_418_001;
const IDS: Record<Role, number> = {
  requester: 21_000_418_002,
  approver: 21_000_418_003,
  approver2: 21_000_418_004,
  outsider: 21_000_418_005,
};
const API_KEY = 'fs-api-key-5b8e2c1d9a7f';
const SECRET = 'freshservice-webhook-secret-71d0c4';
const { statuses } = freshserviceConfigSchema.parse({});
const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Freshservice through its fake: a service request per request, approval by status "Approved". */
export const freshserviceDriver: ConformanceDriver = {
  id: 'freshservice',
  async start(): Promise<VendorFake> {
    const fake = new FakeFreshservice({
      users: [
        { id: CREDGATE, name: 'credgate', email: 'credgate@example.com', agent: true, groups: [] },
        {
          id: IDS.requester,
          name: 'Rita Requester',
          email: 'rita@example.com',
          agent: true,
          groups: ['credential-approvers'],
        },
        {
          id: IDS.approver,
          name: 'Alice Approver',
          email: 'alice@example.com',
          agent: true,
          groups: ['credential-approvers'],
        },
        {
          id: IDS.approver2,
          name: 'Bob Approver',
          email: 'bob@example.com',
          agent: true,
          groups: ['credential-approvers'],
        },
        { id: IDS.outsider, name: 'Olga Outsider', email: 'olga@example.com', agent: true, groups: ['Service desk'] },
      ],
      apiKey: API_KEY,
      credgateAgentId: CREDGATE,
      webhookSecret: SECRET,
      // The workflow runs for credgate's own API updates too, unless its "Performed by" excludes credgate.
      echoOwnEvents: true,
    });
    const url = await fake.start();
    return {
      env: {
        FRESHSERVICE_BASE_URL: url,
        FRESHSERVICE_API_KEY: API_KEY,
        FRESHSERVICE_WEBHOOK_SECRET: SECRET,
        FRESHSERVICE_AGENT_ID: String(CREDGATE),
      },
      config: { freshservice: { categories: ['Credential request'] } },
      setWebhook: (hook) => fake.setWebhook({ url: hook }),
      async fileRequest(as, summary, facts) {
        const description = Object.entries(facts)
          .map(([k, v]) => `<div>${escape(k)}: ${escape(v)}</div>`)
          .join('');
        const { id, delivery } = await fake.createTicket(IDS[as], {
          subject: summary,
          description,
          type: 'Service Request',
          category: 'Credential request',
        });
        return { ticket: String(id), delivery };
      },
      approve: (as, ticket) => fake.setStatusAs(IDS[as], Number(ticket), statuses.approved.id),
      close: (as, ticket) => fake.setStatusAs(IDS[as], Number(ticket), 5),
      position: (ticket) => positionOfId(fake.statusOf(Number(ticket)), statuses),
      comments: (ticket) =>
        fake
          .conversations(Number(ticket))
          .filter((c) => c.userId === CREDGATE)
          .map((c) => readable(htmlToText(c.body))),
      redeliverLast: () => fake.redeliverLast(),
      deliverForged: (ticket) => fake.deliver({ ticket_id: Number(ticket) }, { badSecret: true }),
      violations: fake.violations,
      restCalls: () => fake.requests.length,
      stop: () => fake.stop(),
    };
  },
};
