import type { Connector, ConnectorContext } from '../types';
import type { ConnectorDefinition } from '../index';
import { cachedLookup, configuredGroups, orNullIfNotFound, statusFor } from '../kit';
import type { Actor, TicketRef, WorkflowPosition } from '../../src/domain/ticket';
import { CredgateError, isCredgateError } from '../../src/util/errors';
import { parseDuration } from '../../src/policy/parse-duration';
import { createNinjaoneClient, type NinjaoneClient } from './client';
import { verifyNinjaoneDelivery } from './verify';
import {
  CONNECTOR_ID,
  findStatus,
  htmlToText,
  parseWebhook,
  positionOf,
  snapshotFromTicket,
  toSnapshot,
  toStatusChanges,
} from './mappers';
import {
  NINJAONE_ENABLE_HINT,
  ninjaoneConfigSchema,
  ninjaoneFromEnv,
  isNinjaoneConfigured,
  type NinjaoneConfig,
} from './schema';
import type { NjStatus, NjTicket, NjUser } from './types';

/** A status update re-reads the ticket's version and tries again this often when someone saved it meanwhile. */
const VERSION_ATTEMPTS = 4;

/**
 * The NinjaOne Ticketing connector: an activity notification (webhook) prompts it, the Public API
 * answers. Approvals are status changes by technicians, read back from the ticket's log entries;
 * comments are public or internal per message, posted as multipart.
 */
export function createNinjaoneConnector(
  config: NinjaoneConfig,
  ctx: ConnectorContext,
  client: NinjaoneClient = createNinjaoneClient(config, ctx.log),
): Connector {
  const ttl = parseDuration(config.groupCacheTtl) ?? 300_000;
  const usersCache = cachedLookup<Map<string, NjUser>>(ttl, ctx.now);
  const statusCache = cachedLookup<NjStatus[]>(ttl, ctx.now);
  const namesCache = cachedLookup<string>(ttl, ctx.now);
  const rolesCache = cachedLookup<{ name: string; members: number[] }[]>(ttl, ctx.now);

  const users = () => usersCache('users', async () => new Map((await client.getUsers()).map((u) => [u.uid, u])));
  const statuses = () => statusCache('statuses', () => client.getStatuses());
  const organizationName = (id: number) =>
    namesCache(`organization:${id}`, async () => (await client.getOrganization(id)).name ?? `organization ${id}`);
  const formName = (id: number) =>
    namesCache(
      `form:${id}`,
      async () => (await client.getTicketForms()).find((f) => f.id === id)?.name ?? `form ${id}`,
    );
  const roles = () =>
    rolesCache('roles', async () =>
      (await client.getTechnicianRoles()).map((r) => ({ name: r.name, members: (r.members ?? []).map((m) => m.id) })),
    );

  const inScope = (t: NjTicket) =>
    !t.deleted &&
    (!config.ticketForms.length || config.ticketForms.includes(t.ticketFormId)) &&
    (!config.organizations.length || config.organizations.includes(t.clientId));

  const statusNamed = async (position: WorkflowPosition): Promise<NjStatus | null> => {
    const name = statusFor(position, config.statuses);
    if (!name) return null;
    const status = findStatus(await statuses(), name);
    if (!status)
      throw new CredgateError(
        'config',
        `NinjaOne has no ticket status named "${name}" (ninjaone.statuses): create it under Administration → Ticketing → Statuses`,
      );
    return status;
  };

  return {
    id: CONNECTOR_ID,
    markup: 'html',
    howToApprove: `set the ticket's status to "${config.statuses.approved}" (or "${config.statuses.declined}")`,

    async start() {
      const all = await statuses();
      const missing = (['pendingApproval', 'approved', 'declined', 'granted', 'revoked'] as const)
        .map((k) => config.statuses[k])
        .filter((name) => !findStatus(all, name));
      if (missing.length)
        throw new CredgateError(
          'config',
          `NinjaOne has no ticket status named ${missing.map((m) => `"${m}"`).join(', ')} (ninjaone.statuses): create them under Administration → Ticketing → Statuses`,
        );
      ctx.log.info({ connector: CONNECTOR_ID, statuses: all.length }, 'NinjaOne connector ready');
    },

    verify: (delivery) => verifyNinjaoneDelivery(delivery, config),

    parse: (delivery) => parseWebhook(delivery.rawBody),

    async fetchTicket(ref) {
      const ticket = await orNullIfNotFound(() => client.getTicket(ref.id));
      if (!ticket || !inScope(ticket)) return null;
      const [entries, people, organization, form] = await Promise.all([
        client.getLogEntries(ref.id),
        users(),
        organizationName(ticket.clientId),
        formName(ticket.ticketFormId),
      ]);
      return toSnapshot(ticket, entries, config, { users: people, organization, form });
    },

    async fetchStatusChanges(ref) {
      const [entries, all, people] = await Promise.all([client.getLogEntries(ref.id), statuses(), users()]);
      return toStatusChanges(entries, all, people, config);
    },

    async groupsOf(actor: Actor) {
      if (config.groupMembers) return configuredGroups(config.groupMembers, actor);
      const user = (await users()).get(actor.id);
      // End users hold no technician role: they never approve.
      if (!user || user.userType === 'END_USER') return [];
      return (await roles()).filter((r) => r.members.includes(user.id)).map((r) => r.name);
    },

    async postComment(ref: TicketRef, body: string, audience) {
      await client.addComment(ref.id, {
        public: config.publicComments && audience !== 'agents',
        body: htmlToText(body),
        htmlBody: body,
      });
    },

    async hasComment(ref: TicketRef, marker: string) {
      const wanted = htmlToText(marker);
      return (await client.getLogEntries(ref.id)).some(
        (e) => e.type === 'COMMENT' && (e.body ?? htmlToText(e.htmlBody ?? '')).includes(wanted),
      );
    },

    async setStatus(ref: TicketRef, position: WorkflowPosition) {
      const status = await statusNamed(position);
      if (!status) return;
      for (let attempt = 1; ; attempt++) {
        const t = await client.getTicket(ref.id);
        if (t.status?.statusId === status.statusId) return;
        try {
          // UpdateTicket requires these fields; they are sent back as read, with the version read.
          await client.updateTicket(ref.id, {
            version: t.version,
            clientId: t.clientId,
            ticketFormId: t.ticketFormId,
            requesterUid: t.requesterUid ?? '',
            subject: t.subject ?? '',
            status: String(status.statusId),
            ...(t.nodeId ? { nodeId: t.nodeId } : {}),
            ...(t.locationId ? { locationId: t.locationId } : {}),
          });
          return;
        } catch (err) {
          // Someone saved the ticket between the read and the write: read its new version.
          if (!isCredgateError(err, 'conflict')) throw err;
          if (attempt >= VERSION_ATTEMPTS)
            throw new CredgateError(
              'transient',
              `NinjaOne ticket ${ref.id} kept changing while credgate set its status (${VERSION_ATTEMPTS} version conflicts)`,
            );
        }
      }
    },

    async listOpenTickets(positions: WorkflowPosition[]) {
      if (config.boardId === undefined) return [];
      const rows = await client.runBoard(config.boardId);
      const all = await statuses();
      return rows
        .filter((row) => {
          const s = typeof row.status === 'string' ? findStatus(all, row.status) : (row.status ?? undefined);
          return positions.includes(positionOf(s, config.statuses));
        })
        .map((row) => ({ connector: CONNECTOR_ID, id: String(row.id), key: `#${row.id}` }));
    },
  };
}

/** The registry entry (connectors/index.ts). */
export const ninjaoneConnector: ConnectorDefinition<NinjaoneConfig> = {
  id: CONNECTOR_ID,
  configSchema: ninjaoneConfigSchema,
  fromEnv: ninjaoneFromEnv,
  isConfigured: isNinjaoneConfigured,
  enableHint: NINJAONE_ENABLE_HINT,
  create: createNinjaoneConnector,
  snapshotFromPayload: snapshotFromTicket,
};
