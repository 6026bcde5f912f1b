import { readable } from '../../helpers/harness';
import { RT_QUEUE, RT_WEBHOOK_SECRET, sharedRt, type RtDelivery, type RtInstance, type RtUser } from '../../helpers/rt';
import { attachmentText, positionOf } from '../../../connectors/rt/mappers';
import { rtConfigSchema } from '../../../connectors/rt/schema';
import type { RtAttachment, RtPage } from '../../../connectors/rt/types';
import type { AsyncVendorFake, ConformanceDriver, DeliveryResult, Role } from '../driver';

/** The people of the scenarios, as the test RT's users (test/helpers/rt/test-instance.initialdata). */
export const RT_USERS: Record<Role, RtUser> = {
  requester: 'rita',
  approver: 'alice',
  approver2: 'bob',
  outsider: 'olga',
};
export const RT_STATUSES = rtConfigSchema.parse({}).statuses;

/** credgate's settings for the test RT: its URL and token, the queue, the fact custom fields. */
export function rtServiceSettings(rt: RtInstance) {
  return {
    env: { RT_BASE_URL: rt.url, RT_TOKEN: rt.token, RT_WEBHOOK_SECRET },
    config: {
      rt: {
        queues: [RT_QUEUE],
        fields: {
          systems: 'Target systems',
          account: 'Account',
          access: 'Access',
          justification: 'Justification',
          duration: 'Duration',
        },
      },
    },
  };
}

/** Waits for the Scrip's next delivery about a ticket after `seen`, and what credgate answered it. */
export async function nextDelivery(rt: RtInstance, ticket: string, seen: number): Promise<DeliveryResult | undefined> {
  const about = (d: RtDelivery) => String(JSON.parse(d.body.toString('utf8')).ticket) === ticket;
  const end = Date.now() + 20_000;
  while (Date.now() < end) {
    const fresh = rt.deliveries.slice(seen).filter(about);
    const last = fresh[fresh.length - 1];
    if (last?.answer) return last.answer;
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
}

/** What credgate wrote on a ticket (comments and correspondence), as a person reads it. */
export async function credgateMessages(rt: RtInstance, ticket: string): Promise<string[]> {
  const res = await rt.api.get<RtPage<RtAttachment>>(`/ticket/${ticket}/attachments`, {
    params: { fields: 'TransactionId,ContentType,Content,Creator,Created', per_page: 100 },
  });
  return res.data.items
    .filter((a) => a.Creator?.id === 'credgate' && /^text\//.test(a.ContentType ?? ''))
    .map((a) => readable(attachmentText(a)));
}

/** Request Tracker 5, the real one: people act over REST 2.0, RT's own Scrip delivers the webhooks. */
export const rtDriver: ConformanceDriver<AsyncVendorFake> = {
  id: 'rt',
  // Every REST call is a Perl request to RT; on a machine shared with the rest of the suite a step
  // (webhook, read-back, comment, status) takes seconds.
  patience: { stepMs: 45_000, scenarioMs: 180_000 },
  prepare: async () => {
    await sharedRt();
  },
  async start() {
    const rt = await sharedRt();
    await rt.reset();
    const setStatus = async (as: Role, ticket: string, status: string) => {
      const seen = rt.deliveries.length;
      await rt.as(RT_USERS[as]).put(`/ticket/${ticket}`, { Status: status });
      return nextDelivery(rt, ticket, seen);
    };
    return {
      ...rtServiceSettings(rt),
      setWebhook: (url) => rt.setWebhookTarget(url),
      async fileRequest(as, summary, facts) {
        const seen = rt.deliveries.length;
        const content = Object.entries(facts)
          .map(([k, v]) => `${k}: ${v}`)
          .join('\n');
        const res = await rt.as(RT_USERS[as]).post('/ticket', {
          Queue: RT_QUEUE,
          Subject: summary,
          Requestor: RT_USERS[as],
          Content: content,
        });
        const ticket = String(res.data.id);
        return { ticket, delivery: await nextDelivery(rt, ticket, seen) };
      },
      approve: (as, ticket) => setStatus(as, ticket, RT_STATUSES.approved),
      close: (as, ticket) => setStatus(as, ticket, RT_STATUSES.closed[0]),
      position: async (ticket) => positionOf((await rt.api.get(`/ticket/${ticket}`)).data.Status, RT_STATUSES),
      comments: (ticket) => credgateMessages(rt, ticket),
      async redeliverLast() {
        const last = rt.deliveries[rt.deliveries.length - 1];
        return last ? rt.forward(last) : undefined;
      },
      deliverForged: (ticket) =>
        rt.forward({
          body: Buffer.from(JSON.stringify({ ticket: Number(ticket), transactions: [999_999], types: ['Status'] })),
          headers: { 'content-type': 'application/json', 'x-credgate-signature': `sha256=${'0'.repeat(64)}` },
        }),
      violations: [],
      stop: async () => rt.setWebhookTarget(null),
    };
  },
};
