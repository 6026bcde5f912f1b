import type { CommentAudience, Connector, ConnectorContext } from '../types';
import { cachedLookup, configuredGroups, header, orNullIfNotFound } from '../kit';
import type { ConnectorDefinition } from '../index';
import type { Actor, TicketRef, WorkflowPosition } from '../../src/domain/ticket';
import { parseDuration } from '../../src/policy/parse-duration';
import { createGenericClient, type GenericClient } from './client';
import { verifyGenericDelivery } from './verify';
import { readOne } from './json-path';
import {
  CONNECTOR_ID,
  parseWebhook,
  positionOf,
  readableComment,
  scalarText,
  snapshotFromPayload,
  toGroups,
  toHistory,
  toReplies,
  toSnapshot,
  toStatusChanges,
  valueFor,
  valueText,
} from './mappers';
import {
  GENERIC_ENABLE_HINT,
  genericConfigSchema,
  genericFromEnv,
  isGenericConfigured,
  type GenericConfig,
  type GenericRequests,
} from './schema';
import type { RequestView } from './types';

/**
 * The generic connector: any ticketing system that can POST JSON, described by configuration
 * (JSON paths in, templated HTTP requests out). It translates; it never decides.
 */
export function createGenericConnector(
  config: GenericConfig,
  ctx: ConnectorContext,
  options: { client?: GenericClient } = {},
): Connector {
  const client = options.client ?? createGenericClient(config);
  const requests = config.api?.requests as GenericRequests;
  const ttl = parseDuration(config.groupCacheTtl) ?? 300_000;
  const groups = cachedLookup<string[]>(ttl, ctx.now);
  let selfId: string | null = config.selfId ?? null;
  const view = (ref: TicketRef, extra: Partial<RequestView> = {}): RequestView => ({
    ticket: { id: ref.id, key: ref.key },
    ...extra,
  });

  /** The ticket object getTicket answers, or null when the system says it does not exist. */
  async function ticketOf(ref: TicketRef): Promise<unknown | null> {
    const doc = await orNullIfNotFound(() => client.getTicket(view(ref)));
    return doc === null ? null : (readOne(doc, requests.getTicket.responseMapping.ticket) ?? null);
  }
  const commentsOf = async (ref: TicketRef, ticket: unknown) =>
    requests.getComments ? client.getComments(view(ref)) : ticket;

  return {
    id: CONNECTOR_ID,
    markup: config.markup,
    howToApprove: `An approver moves this ticket to "${valueFor('approved', config.statuses)}"; to decline, to "${valueFor('declined', config.statuses) ?? 'the declined status'}"`,

    async start() {
      if (requests.getSelf) {
        selfId = scalarText(readOne(await client.getSelf(), requests.getSelf.responseMapping.id)) || selfId;
      }
      ctx.log.info(
        { connector: CONNECTOR_ID, system: config.name, selfId },
        selfId ? 'generic connector ready; events by this account are ignored' : 'generic connector ready',
      );
    },

    verify: (delivery) => verifyGenericDelivery(delivery, config),

    parse(delivery) {
      const name = config.webhook.deliveryIdHeader;
      return parseWebhook(delivery.rawBody, name ? header(delivery.headers, name) : undefined, selfId, config);
    },

    async fetchTicket(ref) {
      const ticket = await ticketOf(ref);
      if (!ticket || typeof ticket !== 'object') return null;
      return toSnapshot(ticket, await commentsOf(ref, ticket), ref, config);
    },

    async fetchStatusChanges(ref) {
      const items = toHistory(
        await client.getHistory(view(ref)),
        requests.getHistory.responseMapping,
        config.personFields,
      );
      return toStatusChanges(items, selfId, config.statuses);
    },

    async groupsOf(actor: Actor) {
      if (config.groupMembers) return configuredGroups(config.groupMembers, actor);
      if (!requests.getGroups) return [];
      const lookup = requests.getGroups;
      return groups(actor.id, async () => {
        const doc = await client.getGroups({
          ticket: { id: '', key: '' },
          actor: { id: actor.id, displayName: actor.displayName, email: actor.email ?? null },
        });
        return toGroups(doc, lookup.responseMapping.groups);
      });
    },

    async postComment(ref: TicketRef, body: string, audience: CommentAudience = 'requester') {
      await client.postComment(view(ref, { body, markup: config.markup, audience, forAgents: audience === 'agents' }));
    },

    async hasComment(ref: TicketRef, marker: string) {
      const ticket = await ticketOf(ref);
      if (!ticket) return false;
      const wanted = marker.replace(/\u2060/g, '');
      return toReplies(await commentsOf(ref, ticket), config).some((r) =>
        readableComment(r.body, config.markup).includes(wanted),
      );
    },

    async setStatus(ref: TicketRef, position: WorkflowPosition) {
      const status = valueFor(position, config.statuses);
      if (!status) return;
      const ticket = await ticketOf(ref);
      // Already there (under this value or another one meaning the same position): nothing to do.
      if (ticket && positionOf(valueText(readOne(ticket, config.statusPath)), config.statuses) === position) return;
      await client.setStatus(view(ref, { status, position }));
    },
  };
}

/** The generic connector as the registry lists it (connectors/index.ts). */
export const genericConnector: ConnectorDefinition<GenericConfig> = {
  id: CONNECTOR_ID,
  configSchema: genericConfigSchema,
  fromEnv: genericFromEnv,
  isConfigured: isGenericConfigured,
  enableHint: GENERIC_ENABLE_HINT,
  create: (config, ctx) => createGenericConnector(config, ctx),
  snapshotFromPayload,
};
