import { FakeDesk } from '../../fakes/generic/fake-desk';
import { DESK_SECRET, defaultDeskOptions, deskEnv, deskGenericConfig } from '../../fakes/generic/desk-config';
import { readable } from '../../helpers/harness';
import { positionOf } from '../../../connectors/generic/mappers';
import { genericConfigSchema } from '../../../connectors/generic/schema';
import type { ConformanceDriver, Role, VendorFake } from '../driver';

const PEOPLE: Record<Role, string> = {
  requester: 'p-rita',
  approver: 'p-alice',
  approver2: 'p-bob',
  outsider: 'p-olga',
};
const statuses = genericConfigSchema.parse(deskGenericConfig()).statuses;

/** The generic connector configured for "Desk"; Desk people approve by moving a ticket to "approved". */
export const genericDriver: ConformanceDriver = {
  id: 'generic',
  async start(): Promise<VendorFake> {
    const fake = new FakeDesk(defaultDeskOptions());
    await fake.start();
    return deskVendor(fake);
  },
};

/** The conformance view of a started fake; tests that need the fake itself build it this way. */
export function deskVendor(fake: FakeDesk, extra: Record<string, unknown> = {}): VendorFake {
  return {
    env: deskEnv(fake.baseUrl),
    config: { generic: deskGenericConfig(extra) },
    setWebhook: (hook) => fake.setWebhook({ url: hook, secret: DESK_SECRET }),
    async fileRequest(as, summary, facts) {
      const body = Object.entries(facts)
        .map(([k, v]) => `${k}: ${v}`)
        .join('\n');
      const { id, delivery } = await fake.createTicket(PEOPLE[as], {
        title: summary,
        body,
        category: 'Credential request',
        queue: 'IT',
      });
      return { ticket: String(id), delivery };
    },
    approve: (as, ticket) => fake.setStateAs(PEOPLE[as], Number(ticket), 'approved'),
    close: (as, ticket) => fake.setStateAs(PEOPLE[as], Number(ticket), 'resolved'),
    position: (ticket) => positionOf(fake.stateOf(Number(ticket)), statuses),
    comments: (ticket) =>
      fake
        .notes(Number(ticket))
        .filter((n) => n.authorId === 'p-credgate')
        .map((n) => readable(n.text)),
    redeliverLast: () => fake.redeliverLast(),
    deliverForged: (ticket) => fake.deliverForged(Number(ticket)),
    violations: fake.violations,
    restCalls: () => fake.requests.length,
    stop: () => fake.stop(),
  };
}
