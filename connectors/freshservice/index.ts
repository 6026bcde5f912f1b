import type { Connector, ConnectorContext } from '../types';
import { cachedLookup, configuredGroups, orNullIfNotFound } from '../kit';
import type { ConnectorDefinition } from '../index';
import type { Actor, TicketRef, WorkflowPosition } from '../../src/domain/ticket';
import { CredgateError } from '../../src/util/errors';
import { parseDuration } from '../../src/policy/parse-duration';
import { createFreshserviceClient, type FreshserviceClient } from './client';
import { verifyFreshserviceDelivery } from './verify';
import {
  CONNECTOR_ID,
  htmlToText,
  inScope,
  parseWebhook,
  positionOfId,
  snapshotFromTicket,
  statusFor,
  ticketKey,
  toSnapshot,
  toStatusChanges,
} from './mappers';
import {
  FRESHSERVICE_ENABLE_HINT,
  freshserviceConfigSchema,
  freshserviceFromEnv,
  isFreshserviceConfigured,
  type FreshserviceConfig,
} from './schema';

/**
 * The Freshservice connector: a Workflow Automator webhook prompts it, API v2 answers. Approvals
 * are status changes, read back from the ticket's activities; comments are private notes in HTML.
 */
export function createFreshserviceConnector(
  config: FreshserviceConfig,
  ctx: ConnectorContext,
  client: FreshserviceClient = createFreshserviceClient(config),
): Connector {
  let selfId: string | null = config.agentId ?? null;
  const ttl = parseDuration(config.groupCacheTtl) ?? 300_000;
  const memberships = cachedLookup<string[]>(ttl, ctx.now);
  const groupNames = cachedLookup<Map<number, string>>(ttl, ctx.now);

  const namesOfGroups = () =>
    groupNames('all', async () => new Map((await client.getGroups()).map((g) => [g.id, g.name])));

  return {
    id: CONNECTOR_ID,
    markup: 'html',

    async start() {
      if (!selfId) {
        const me = config.agentEmail ? await client.findAgentByEmail(config.agentEmail) : null;
        if (!me)
          throw new CredgateError('config', 'Freshservice has no agent with the configured FRESHSERVICE_AGENT_EMAIL');
        selfId = String(me.id);
      } else if (!(await client.getAgent(selfId))) {
        throw new CredgateError(
          'config',
          `Freshservice has no agent ${selfId} (FRESHSERVICE_AGENT_ID must be the API key's agent)`,
        );
      }
      ctx.log.info(
        { connector: CONNECTOR_ID, agentId: selfId },
        "Freshservice connector ready; changes by this agent are credgate's own",
      );
    },

    verify: (delivery) => verifyFreshserviceDelivery(delivery, config),

    parse: (delivery) => parseWebhook(delivery.rawBody, ctx.now()),

    async fetchTicket(ref) {
      const ticket = await orNullIfNotFound(() => client.getTicket(ref.id));
      if (!ticket || !inScope(ticket, config)) return null;
      return toSnapshot(ticket, await client.getConversations(ref.id), config);
    },

    async fetchStatusChanges(ref) {
      return toStatusChanges(await client.getActivities(ref.id), selfId, config.statuses);
    },

    async groupsOf(actor: Actor) {
      if (config.groupMembers) return configuredGroups(config.groupMembers, actor);
      return memberships(actor.id, async () => {
        const agent = /^\d+$/.test(actor.id) ? await client.getAgent(actor.id) : null;
        const ids = agent?.member_of ?? agent?.group_ids ?? [];
        const names = ids.length ? await namesOfGroups() : new Map<number, string>();
        return ids.map((id) => names.get(id)).filter((n): n is string => Boolean(n));
      });
    },

    async postComment(ref: TicketRef, body: string) {
      await client.addNote(ref.id, body, true);
    },

    async hasComment(ref: TicketRef, marker: string) {
      const wanted = htmlToText(marker);
      return (await client.getConversations(ref.id)).some((c) =>
        htmlToText(c.body ?? c.body_text ?? '').includes(wanted),
      );
    },

    async setStatus(ref: TicketRef, position: WorkflowPosition) {
      const status = statusFor(position, config.statuses);
      if (!status) return;
      const ticket = await client.getTicket(ref.id);
      if (ticket.status === status.id) return;
      await client.updateTicket(ref.id, { status: status.id });
    },

    async listOpenTickets(positions: WorkflowPosition[]) {
      const ids = [
        ...new Set(
          positions.map((p) => statusFor(p, config.statuses)?.id).filter((id): id is number => id !== undefined),
        ),
      ];
      if (!ids.length) return [];
      const tickets = await client.filterTickets(ids.map((id) => `status:${id}`).join(' OR '));
      return tickets
        .filter((t) => positionOfId(t.status, config.statuses) !== 'other')
        .map((t) => ({ connector: CONNECTOR_ID, id: String(t.id), key: ticketKey(t) }));
    },
  };
}

/** The registry entry (connectors/index.ts). */
export const freshserviceConnector: ConnectorDefinition<FreshserviceConfig> = {
  id: CONNECTOR_ID,
  configSchema: freshserviceConfigSchema,
  fromEnv: freshserviceFromEnv,
  isConfigured: isFreshserviceConfigured,
  enableHint: FRESHSERVICE_ENABLE_HINT,
  create: createFreshserviceConnector,
  snapshotFromPayload: snapshotFromTicket,
};
