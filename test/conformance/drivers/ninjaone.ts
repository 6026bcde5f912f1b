import { FakeNinjaOne } from '../../fakes/ninjaone/fake-ninjaone';
import type { FakeNinjaOneOptions, StatusRow } from '../../fakes/ninjaone/types';
import { readable } from '../../helpers/harness';
import { htmlToText, positionOf } from '../../../connectors/ninjaone/mappers';
import { ninjaoneConfigSchema } from '../../../connectors/ninjaone/schema';
import { webhookConfiguration } from '../../../connectors/ninjaone/register-webhook';
import type { ConformanceDriver, Role, VendorFake } from '../driver';

const UIDS: Record<Role, string> = {
  requester: '5d0c3a8e-1f2b-4c6d-8e9f-0a1b2c3d4e01',
  approver: '5d0c3a8e-1f2b-4c6d-8e9f-0a1b2c3d4e02',
  approver2: '5d0c3a8e-1f2b-4c6d-8e9f-0a1b2c3d4e03',
  outsider: '5d0c3a8e-1f2b-4c6d-8e9f-0a1b2c3d4e04',
};
const CLIENT_ID = 'ninjaone-client-id-3f9c';
const CLIENT_SECRET = 'ninjaone-client-secret-8d2e61b7a4';
// 32 random bytes, base64url: the least the connector accepts.
const WEBHOOK_SECRET = 'Zq3v9XbN2kLmP8rT5wY1cF6hJ0dS4gA7eU2iO9pQx1E';
const ORGANIZATION = 21;
const FORM = 3;

/** The statuses an operator creates for credgate (readme), as NinjaOne lists custom ones: own id, a parent. */
export const CREDGATE_STATUSES: StatusRow[] = [
  { name: 'PENDING_APPROVAL', displayName: 'Pending approval', parentId: 2000, statusId: 2001 },
  { name: 'APPROVED', displayName: 'Approved', parentId: 2000, statusId: 2002 },
  { name: 'ACCESS_GRANTED', displayName: 'Access granted', parentId: 2000, statusId: 2003 },
  { name: 'REVOCATION_FAILED', displayName: 'Revocation failed', parentId: 2000, statusId: 2004 },
  { name: 'AWAITING_INFORMATION', displayName: 'Awaiting information', parentId: 3000, statusId: 3001 },
  { name: 'DECLINED', displayName: 'Declined', parentId: 5000, statusId: 5001 },
  { name: 'ACCESS_REVOKED', displayName: 'Access revoked', parentId: 5000, statusId: 5002 },
];

export function ninjaoneUsers() {
  return [
    {
      id: 101,
      uid: UIDS.requester,
      firstName: 'Rita',
      lastName: 'Requester',
      email: 'rita@msp.example',
      userType: 'TECHNICIAN' as const,
    },
    {
      id: 102,
      uid: UIDS.approver,
      firstName: 'Alice',
      lastName: 'Approver',
      email: 'alice@msp.example',
      userType: 'TECHNICIAN' as const,
    },
    {
      id: 103,
      uid: UIDS.approver2,
      firstName: 'Bob',
      lastName: 'Approver',
      email: 'bob@msp.example',
      userType: 'TECHNICIAN' as const,
    },
    {
      id: 104,
      uid: UIDS.outsider,
      firstName: 'Olga',
      lastName: 'Outsider',
      email: 'olga@msp.example',
      userType: 'TECHNICIAN' as const,
    },
  ];
}

export const NINJAONE_IDS = { UIDS, CLIENT_ID, CLIENT_SECRET, WEBHOOK_SECRET, ORGANIZATION, FORM };

const { statuses } = ninjaoneConfigSchema.parse({});

/** NinjaOne through its fake: a ticket per request, approval by a technician setting "Approved". */
export const ninjaoneDriver: ConformanceDriver = {
  id: 'ninjaone',
  start: async () => (await startNinjaoneVendor()).vendor,
};

/**
 * The driver's fake and its VendorFake view; `extra` adds to the fake (devices and scripts for the
 * provider's scenarios), and `fake` is handed back for what the view does not show (script runs).
 */
export async function startNinjaoneVendor(
  extra: Partial<FakeNinjaOneOptions> = {},
): Promise<{ vendor: VendorFake; fake: FakeNinjaOne }> {
  const fake = new FakeNinjaOne({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    users: ninjaoneUsers(),
    roles: [
      { id: 7, name: 'credential-approvers', members: [101, 102, 103] },
      { id: 8, name: 'Help desk', members: [104] },
    ],
    organizations: [{ id: ORGANIZATION, name: 'Acme Dental' }],
    forms: [
      { id: 1, name: 'Default' },
      { id: FORM, name: 'Credential request' },
    ],
    statuses: CREDGATE_STATUSES,
    ...extra,
  });
  const url = await fake.start();
  const env = {
    NINJAONE_BASE_URL: url,
    NINJAONE_CLIENT_ID: CLIENT_ID,
    NINJAONE_CLIENT_SECRET: CLIENT_SECRET,
    NINJAONE_WEBHOOK_SECRET: WEBHOOK_SECRET,
  };
  const config = ninjaoneConfigSchema.parse({ webhookSecret: WEBHOOK_SECRET, ticketForms: [FORM], boardId: 1 });
  const vendor: VendorFake = {
    env,
    config: { ninjaone: { ticketForms: [FORM], boardId: 1 } },
    // What `credgate ninjaone register-webhook` sends with PUT /v2/webhook (tested on its own).
    setWebhook: (hook) => {
      fake.state.webhook = webhookConfiguration(config, hook.replace(/\/webhooks\/ninjaone$/, ''));
    },
    async fileRequest(as, summary, facts) {
      const description = Object.entries(facts)
        .map(([k, v]) => `${k}: ${v}`)
        .join('\n');
      const { id, delivery } = await fake.createTicket(UIDS[as], {
        subject: summary,
        description,
        clientId: ORGANIZATION,
        ticketFormId: FORM,
      });
      return { ticket: String(id), delivery };
    },
    approve: (as, ticket) => fake.setStatusAs(UIDS[as], Number(ticket), 2002),
    close: (as, ticket) => fake.setStatusAs(UIDS[as], Number(ticket), 6000),
    position: (ticket) => positionOf(fake.state.status(fake.statusOf(Number(ticket))), statuses),
    comments: (ticket) =>
      fake
        .comments(Number(ticket))
        .filter((c) => c.by === undefined)
        .map((c) => readable(htmlToText(c.htmlBody || c.body))),
    redeliverLast: () => fake.redeliverLast(),
    deliverForged: (ticket) => fake.deliverForged(Number(ticket)),
    violations: fake.violations,
    stop: () => fake.stop(),
  };
  return { vendor, fake };
}
