import type { CommentAudience, Connector, ConnectorContext } from '../types';
import { cachedLookup, configuredGroups, header, orNullIfNotFound } from '../kit';
import type { ConnectorDefinition } from '../index';
import type { Actor, TicketRef, WorkflowPosition } from '../../src/domain/ticket';
import { CredgateError } from '../../src/util/errors';
import { parseDuration } from '../../src/policy/parse-duration';
import { createZendeskClient, type ZendeskClient } from './client';
import { verifyZendeskDelivery } from './verify';
import { zendeskChecks } from './doctor-checks';
import {
  CONNECTOR_ID,
  commentMentions,
  customFieldValue,
  idText,
  inScope,
  parseWebhook,
  snapshotFromPayload,
  toSnapshot,
  toStatusChanges,
  valueFor,
} from './mappers';
import {
  isZendeskConfigured,
  ZENDESK_ENABLE_HINT,
  zendeskBaseUrl,
  zendeskConfigSchema,
  zendeskFromEnv,
  type ZendeskConfig,
} from './schema';
import type { ZendeskUser } from './types';

/** Options for tests: a client against a fake. */
export interface ZendeskConnectorOptions {
  client?: ZendeskClient;
}

/**
 * The Zendesk connector: translates between Zendesk Support and credgate's core. Approvals are a
 * drop-down custom field (`zendesk.approvalField`), read back from the ticket's audits; comments
 * are HTML, private notes unless requesters must read theirs as public replies.
 */
export function createZendeskConnector(
  config: ZendeskConfig,
  ctx: ConnectorContext,
  options: ZendeskConnectorOptions = {},
): Connector {
  const client = options.client ?? createZendeskClient(config);
  const ttl = parseDuration(config.groupCacheTtl) ?? 300_000;
  const baseUrl = zendeskBaseUrl(config);
  const approvalField = config.approvalField as string;
  let selfId: string | null = null;
  let optionNames = new Map<string, string>();
  let fieldTitle = 'Credential approval';

  const users = cachedLookup<ZendeskUser>(ttl, ctx.now);
  const groupNames = cachedLookup<Map<string, string>>(ttl, ctx.now);
  const formNames = cachedLookup<string>(ttl, ctx.now);
  const memberships = cachedLookup<string[]>(ttl, ctx.now);

  /** Users by id: cached ones, plus one show_many call for those the cache lacks. */
  async function usersById(ids: unknown[]): Promise<Map<string, ZendeskUser>> {
    const out = new Map<string, ZendeskUser>();
    const missing = [...new Set(ids.map(idText).filter(Boolean))].filter((id) => {
      const hit = users.peek(id);
      if (hit) out.set(id, hit);
      return !hit;
    });
    if (missing.length) {
      for (const u of await client.showManyUsers(missing)) {
        users.put(idText(u.id), u);
        out.set(idText(u.id), u);
      }
    }
    return out;
  }

  const groupsById = () =>
    groupNames(
      'all',
      async () => new Map((await client.listGroups()).map((g) => [idText(g.id), g.name] as [string, string])),
    );

  return {
    id: CONNECTOR_ID,
    markup: 'html',
    // Zendesk caps a comment body at about 65,000 characters depending on encoding and markup
    // (Zendesk support community, "Comments size", 2022); kept under it with room for the HTML.
    maxCommentLength: 60_000,
    // The field's own title and option names, once start() has read them.
    get howToApprove() {
      const name = (v: string) => optionNames.get(v) ?? v;
      return `An approver sets "${fieldTitle}" to "${name(config.statuses.approved)}" on this ticket; to decline, to "${name(config.statuses.declined)}"`;
    },

    async start() {
      const me = await client.me();
      selfId = idText(me.id) || null;
      // Fail early, naming what to fix, when the approval field does not offer the configured values.
      const field = await client.getTicketField(approvalField);
      const options = field.custom_field_options ?? [];
      const wanted = [
        config.statuses.awaitingInfo,
        config.statuses.pendingApproval,
        config.statuses.approved,
        config.statuses.declined,
        config.statuses.granted,
        config.statuses.revoked,
        config.statuses.expired,
      ];
      const missing = [...new Set(wanted)].filter((v) => !options.some((o) => o.value === v));
      if (missing.length) {
        throw new CredgateError(
          'config',
          `the Zendesk field ${approvalField} ("${field.title ?? ''}") has no option with the value(s) ${missing.join(', ')}; its options are ${options.map((o) => `${o.name}=${o.value}`).join(', ') || 'none'} (zendesk.statuses names option values)`,
        );
      }
      optionNames = new Map(options.map((o) => [o.value, o.name]));
      fieldTitle = field.title || fieldTitle;
      ctx.log.info(
        { connector: CONNECTOR_ID, selfId, approvalField },
        'Zendesk connector ready; events by this account are ignored',
      );
    },

    verify: (delivery) => verifyZendeskDelivery(delivery, config, ctx.now()),
    checks: (needs) => zendeskChecks(config, client, needs),

    parse: (delivery) =>
      parseWebhook(delivery.rawBody, header(delivery.headers, 'x-zendesk-webhook-invocation-id'), selfId, config),

    async fetchTicket(ref) {
      const ticket = await orNullIfNotFound(() => client.getTicket(ref.id));
      if (!ticket || !inScope(ticket, config)) return null;
      const comments = await client.listComments(ref.id);
      const users = await usersById([ticket.requester_id, ...comments.map((c) => c.author_id)]);
      const form = idText(ticket.ticket_form_id);
      const formName = form
        ? await formNames(form, async () => (await client.getTicketForm(form)).name ?? '')
        : undefined;
      const group = idText(ticket.group_id);
      const groupName = group ? (await groupsById()).get(group) : undefined;
      return toSnapshot(ticket, comments, { users, formName, groupName, baseUrl }, config);
    },

    async fetchStatusChanges(ref) {
      const audits = await client.listAudits(ref.id);
      const users = await usersById(audits.map((a) => a.author_id));
      return toStatusChanges(audits, users, selfId, config, optionNames);
    },

    async groupsOf(actor: Actor) {
      if (config.groupMembers) return configuredGroups(config.groupMembers, actor);
      return memberships(actor.id, async () => {
        const names = await groupsById();
        const mine = await client.listGroupMemberships(actor.id);
        return mine.map((m) => names.get(idText(m.group_id))).filter((n): n is string => Boolean(n));
      });
    },

    async postComment(ref: TicketRef, body: string, audience: CommentAudience = 'requester') {
      // Private (an internal note) unless the operator wants requesters, who may be end-users, to see theirs.
      const isPublic = audience === 'requester' && config.requesterComments === 'public';
      await client.updateTicket(ref.id, { comment: { html_body: body, public: isPublic } });
    },

    async hasComment(ref: TicketRef, marker: string) {
      return (await client.listComments(ref.id)).some((c) => commentMentions(c, marker));
    },

    async setStatus(ref: TicketRef, position: WorkflowPosition) {
      const value = valueFor(position, config.statuses);
      if (!value) return;
      const ticket = await client.getTicket(ref.id);
      if (customFieldValue(ticket, approvalField) === value) return;
      await client.updateTicket(ref.id, { custom_fields: [{ id: Number(approvalField), value }] });
    },
  };
}

/** Zendesk as the registry lists it (connectors/index.ts). */
export const zendeskConnector: ConnectorDefinition<ZendeskConfig> = {
  id: CONNECTOR_ID,
  configSchema: zendeskConfigSchema,
  fromEnv: zendeskFromEnv,
  isConfigured: isZendeskConfigured,
  enableHint: ZENDESK_ENABLE_HINT,
  create: (config, ctx) => createZendeskConnector(config, ctx),
  snapshotFromPayload,
};
