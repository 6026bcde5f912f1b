import { FakeZendesk } from '../../fakes/zendesk/fake-zendesk';
import {
  APPROVAL_FIELD,
  FORM_CREDENTIAL_REQUEST,
  SERVICE_USER,
  ZENDESK_SIGNING_SECRET,
  defaultZendeskOptions,
  zendeskConfigSection,
  zendeskEnv,
} from '../../fakes/zendesk/default-setup';
import { readable } from '../../helpers/harness';
import { positionOf } from '../../../connectors/zendesk/mappers';
import { zendeskConfigSchema } from '../../../connectors/zendesk/schema';
import type { ZendeskTicket } from '../../../connectors/zendesk/types';
import type { ConformanceDriver, Role, VendorFake } from '../driver';

const USERS: Record<Role, number> = { requester: 1101, approver: 1102, approver2: 1103, outsider: 1105 };
const config = zendeskConfigSchema.parse(
  zendeskConfigSection({ baseUrl: 'http://unused.invalid', apiToken: 'x', email: 'x' }),
);

/** Zendesk people approve by setting the "Credential approval" drop-down to Approved. */
export const zendeskDriver: ConformanceDriver = {
  id: 'zendesk',
  async start(): Promise<VendorFake> {
    const fake = new FakeZendesk(defaultZendeskOptions());
    await fake.start();
    return zendeskVendor(fake);
  },
};

/** The conformance view of a started fake; tests that need the fake itself build it this way. */
export function zendeskVendor(fake: FakeZendesk, section: Record<string, unknown> = {}): VendorFake {
  return {
    env: zendeskEnv(fake.baseUrl),
    config: { zendesk: zendeskConfigSection(section) },
    setWebhook: (hook) => fake.setWebhook({ url: hook, secret: ZENDESK_SIGNING_SECRET }),
    async fileRequest(as, summary, facts) {
      const description = Object.entries(facts)
        .map(([k, v]) => `${k}: ${v}`)
        .join('\n');
      const { id, delivery } = await fake.createTicket(USERS[as], {
        subject: summary,
        description,
        formId: FORM_CREDENTIAL_REQUEST,
        groupName: 'Support',
      });
      return { ticket: String(id), delivery };
    },
    approve: (as, ticket) => fake.setFieldAs(USERS[as], Number(ticket), APPROVAL_FIELD, 'cg_approved'),
    close: (as, ticket) => fake.setStatusAs(USERS[as], Number(ticket), 'solved'),
    position: (ticket) => positionOf(fake.ticketJson(Number(ticket)) as unknown as ZendeskTicket, config),
    // The first comment is the requester's description; credgate's are the service account's.
    comments: (ticket) =>
      fake
        .comments(Number(ticket))
        .filter((c) => c.authorId === SERVICE_USER)
        .map((c) => readable(c.plain)),
    redeliverLast: () => fake.redeliverLast(),
    deliverForged: (ticket) =>
      fake.deliver(
        {
          type: 'zen:event-type:ticket.custom_field_changed',
          id: 'forged-1',
          subject: `zen:ticket:${ticket}`,
          detail: { id: ticket, actor_id: '1102' },
          event: { current: 'cg_approved' },
        },
        { badSignature: true },
      ),
    violations: fake.violations,
    restCalls: () => fake.requests.length,
    stop: () => fake.stop(),
  };
}
