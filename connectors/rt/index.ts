import type { Connector, ConnectorContext } from '../types';
import type { ConnectorDefinition } from '../index';
import type { Actor, TicketRef, WorkflowPosition } from '../../src/domain/ticket';
import { CredgateError } from '../../src/util/errors';
import { parseDuration } from '../../src/policy/parse-duration';
import { cachedLookup, configuredGroups, orNullIfNotFound } from '../kit';
import { createRtClient, type RtClient } from './client';
import { verifyRtDelivery } from './verify';
import {
  CONNECTOR_ID,
  actorOf,
  attachmentText,
  capHtml,
  htmlToText,
  inScope,
  openTicketsQuery,
  parseWebhook,
  positionOf,
  snapshotFromTicket,
  statusFor,
  toSnapshot,
  toStatusChanges,
} from './mappers';
import { RT_ENABLE_HINT, isRtConfigured, rtConfigSchema, rtFromEnv, type RtConfig } from './schema';
import type { RtLink, RtTransaction } from './types';

/**
 * The Request Tracker 5 connector: the credgate Scrip prompts it, REST 2.0 answers. Approvals are
 * status changes read back from the ticket's history; credgate writes HTML comments (internal) or
 * correspondence (to the requestors) per audience, and moves tickets through the queue's lifecycle.
 */
export function createRtConnector(
  config: RtConfig,
  ctx: ConnectorContext,
  client: RtClient = createRtClient(config),
): Connector {
  let selfName: string | null = config.user ?? null;
  const ttl = parseDuration(config.groupCacheTtl) ?? 300_000;
  const queueNames = cachedLookup<string>(24 * 3_600_000, ctx.now);
  const people = cachedLookup<Actor>(ttl, ctx.now);
  const groupTable = cachedLookup<Map<string, Set<string>>>(ttl, ctx.now);

  const queueName = (link: RtLink) => queueNames(link.id, () => client.getQueueName(link.id));

  /** Names and emails of the people a ticket's history mentions (RT links users by name only). */
  const peopleOf = async (links: (RtLink | undefined)[]): Promise<Map<string, Actor>> => {
    const names = [...new Set(links.filter((l): l is RtLink => l?.type === 'user').map((l) => l.id))];
    const found = await Promise.all(
      names.map((name) =>
        people(name, async () => {
          const u = await orNullIfNotFound(() => client.getUser(name));
          return {
            id: name,
            displayName: u?.RealName || name,
            ...(u?.EmailAddress ? { email: u.EmailAddress } : {}),
          };
        }),
      ),
    );
    return new Map(found.map((a) => [a.id, a]));
  };

  /** Every user-defined group credgate may see, by name, with its users (nested groups expanded). */
  const groups = () =>
    groupTable('all', async () => {
      const records = await Promise.all((await client.listGroups()).map((g) => client.getGroup(g.id)));
      const byId = new Map(records.map((g) => [String(g.id), g]));
      const usersOf = (id: string, seen: Set<string>): string[] => {
        if (seen.has(id)) return [];
        seen.add(id);
        return (byId.get(id)?.Members ?? []).flatMap((m) =>
          m.type === 'user' ? [m.id] : m.type === 'group' ? usersOf(String(m.id), seen) : [],
        );
      };
      return new Map(records.map((g) => [g.Name, new Set(usersOf(String(g.id), new Set()))]));
    });

  const history = (id: string): Promise<RtTransaction[]> => client.getHistory(id);

  return {
    id: CONNECTOR_ID,
    markup: 'html',
    howToApprove: `set the ticket's status to "${config.statuses.approved}" (or "${config.statuses.declined}")`,

    async start() {
      if (!selfName) {
        // An auth token reads "1-<user id>-<secret>": its owner is credgate's RT user.
        const owner = /^\d+-(\d+)-/.exec(config.token ?? '')?.[1];
        const me = owner ? await orNullIfNotFound(() => client.getUser(owner)) : null;
        if (!me?.Name)
          throw new CredgateError('config', "cannot tell credgate's RT user from RT_TOKEN: set RT_USER to its name");
        selfName = me.Name;
      }
      ctx.log.info(
        { connector: CONNECTOR_ID, user: selfName },
        "Request Tracker connector ready; changes by this user are credgate's own",
      );
    },

    verify: (delivery) => verifyRtDelivery(delivery, config),

    parse: (delivery) => parseWebhook(delivery.rawBody),

    async fetchTicket(ref) {
      const ticket = await orNullIfNotFound(() => client.getTicket(ref.id));
      if (!ticket) return null;
      const queue = await queueName(ticket.Queue);
      if (!inScope(queue, config)) return null;
      const [txns, attachments] = await Promise.all([history(ref.id), client.getAttachments(ref.id)]);
      const names = await peopleOf([ticket.Creator, ...(ticket.Requestor ?? []), ...txns.map((x) => x.Creator)]);
      return toSnapshot({ ticket, queueName: queue, history: txns, attachments, people: names, selfName }, config);
    },

    async fetchLinkedTicket(key) {
      // People write RT tickets as "#123", "RT#123" or "123".
      const id = /^(?:rt)?\s*#?\s*(\d+)$/i.exec(key.trim())?.[1];
      const absent = { key: key.trim(), found: false, open: false, status: '', assignee: null };
      if (!id) return absent;
      const ticket = await orNullIfNotFound(() => client.getTicket(id));
      if (!ticket) return absent;
      const owner = ticket.Owner?.type === 'user' && ticket.Owner.id !== 'Nobody' ? ticket.Owner : undefined;
      const names = await peopleOf([owner]);
      return {
        key: `#${ticket.id}`,
        found: true,
        // RT's default lifecycle: these statuses are inactive (the ticket is over).
        open: !['resolved', 'rejected', 'deleted'].includes(ticket.Status.toLowerCase()),
        status: ticket.Status,
        assignee: owner ? actorOf(owner, names) : null,
      };
    },

    async fetchStatusChanges(ref) {
      const txns = await history(ref.id);
      return toStatusChanges(txns, await peopleOf(txns.map((x) => x.Creator)), selfName, config.statuses);
    },

    async groupsOf(actor: Actor) {
      if (config.groupMembers) return configuredGroups(config.groupMembers, actor);
      const table = await groups();
      return [...table].filter(([, members]) => members.has(actor.id)).map(([name]) => name);
    },

    async postComment(ref: TicketRef, body: string, audience = 'agents') {
      await client.addMessage(ref.id, config.replies[audience], capHtml(body));
    },

    async hasComment(ref: TicketRef, marker: string) {
      const wanted = htmlToText(marker);
      return (await client.getAttachments(ref.id)).some(
        (a) => a.Creator?.id === selfName && attachmentText(a).includes(wanted),
      );
    },

    async setStatus(ref: TicketRef, position: WorkflowPosition) {
      const status = statusFor(position, config.statuses);
      if (!status) return;
      const ticket = await client.getTicket(ref.id);
      if (ticket.Status.toLowerCase() === status.toLowerCase()) return;
      await client.setStatus(ref.id, status);
    },

    async listOpenTickets(positions: WorkflowPosition[]) {
      const statuses = [
        ...new Set(positions.map((p) => statusFor(p, config.statuses)).filter((s): s is string => Boolean(s))),
      ];
      if (!statuses.length) return [];
      const tickets = await client.searchTickets(openTicketsQuery(config.queues, statuses));
      return tickets
        .filter((t) => positionOf(t.Status, config.statuses) !== 'other')
        .map((t) => ({ connector: CONNECTOR_ID, id: String(t.id), key: `#${t.id}` }));
    },

    async createTicket(input) {
      const id = await client.createTicket(input.project, input.summary, capHtml(input.description));
      return { connector: CONNECTOR_ID, id, key: `#${id}` };
    },
  };
}

/** The registry entry (connectors/index.ts). */
export const rtConnector: ConnectorDefinition<RtConfig> = {
  id: CONNECTOR_ID,
  configSchema: rtConfigSchema,
  fromEnv: rtFromEnv,
  isConfigured: isRtConfigured,
  enableHint: RT_ENABLE_HINT,
  create: createRtConnector,
  snapshotFromPayload: snapshotFromTicket,
};
