import type { Connector, ConnectorContext } from '../types';
import { cachedLookup, configuredGroups, orNullIfNotFound } from '../kit';
import type { ConnectorDefinition } from '../index';
import type { Actor, TicketRef, WorkflowPosition } from '../../src/domain/ticket';
import { CredgateError } from '../../src/util/errors';
import { parseDuration } from '../../src/policy/parse-duration';
import { createServiceNowClient, type ServiceNowClient } from './client';
import { verifyServiceNowDelivery } from './verify';
import { servicenowChecks } from './doctor-checks';
import {
  CONNECTOR_ID,
  fieldValue,
  inScope,
  journalText,
  parseWebhook,
  positionOf,
  recordFields,
  snapshotFromRecord,
  stateValueFor,
  toSnapshot,
  toStatusChanges,
} from './mappers';
import {
  isServiceNowConfigured,
  SERVICENOW_ENABLE_HINT,
  servicenowConfigSchema,
  servicenowFromEnv,
  type ServiceNowConfig,
} from './schema';

/**
 * The ServiceNow connector: a Business Rule prompts it, the Table API answers. Approvals are
 * changes of the state field, read back from sys_audit; comments are work notes.
 */
export function createServiceNowConnector(
  config: ServiceNowConfig,
  ctx: ConnectorContext,
  client: ServiceNowClient = createServiceNowClient(config),
): Connector {
  const selfUser = config.username ?? null;
  const ttl = parseDuration(config.groupCacheTtl) ?? 300_000;
  const groups = cachedLookup<string[]>(ttl, ctx.now);
  const people = cachedLookup<Actor>(ttl, ctx.now);
  let labels: Map<string, string> | null = null;

  /** Labels of the state field's values, for comments ("moved to Approved"); values if unreadable. */
  const stateLabels = async (): Promise<Map<string, string>> => {
    if (labels) return labels;
    try {
      labels = new Map((await client.getChoices(config.table, config.stateField)).map((c) => [c.value, c.label]));
    } catch (err) {
      ctx.log.warn(
        { connector: CONNECTOR_ID, err: (err as Error).message },
        'state labels unreadable (sys_choice); comments show state values',
      );
      return new Map();
    }
    return labels;
  };

  const person = (userName: string): Promise<Actor> =>
    people(userName, async () => {
      const u = await client.findUser(userName);
      return { id: userName, displayName: u?.name || userName, ...(u?.email ? { email: u.email } : {}) };
    });

  return {
    id: CONNECTOR_ID,
    markup: 'text',
    // Work notes are a journal field; ServiceNow's multi-line text fields default to 4,000 characters
    // (docs: "Journal field type", platform administration), and instances often keep that default.
    maxCommentLength: 4_000,

    async start() {
      // Proves the credentials before the first delivery; a missing user is a configuration error.
      const me = await client.findUser(selfUser ?? '');
      if (!me)
        throw new CredgateError(
          'config',
          `ServiceNow has no user "${selfUser}" (SERVICENOW_USERNAME must be credgate's user_name)`,
        );
      ctx.log.info(
        { connector: CONNECTOR_ID, selfUser, table: config.table },
        'ServiceNow connector ready; changes by this user are ignored',
      );
    },

    verify: (delivery) => verifyServiceNowDelivery(delivery, config, ctx.now()),
    checks: (needs) => servicenowChecks(config, client, needs),

    parse: (delivery) => parseWebhook(delivery.rawBody, selfUser, config),

    async fetchTicket(ref) {
      const record = await orNullIfNotFound(() => client.getRecord(config.table, ref.id, recordFields(config)));
      if (!record || !inScope(record, config)) return null;
      const journal = await client.getJournal(config.table, ref.id, ['comments', 'work_notes']);
      return toSnapshot(record, journal, config);
    },

    async fetchStatusChanges(ref) {
      const audits = await client.getAudit(config.table, ref.id, config.stateField);
      const names = new Map<string, Actor>();
      for (const a of audits)
        if (a.user && a.user !== selfUser && !names.has(a.user)) names.set(a.user, await person(a.user));
      return toStatusChanges(audits, selfUser, config.states, await stateLabels(), names);
    },

    async groupsOf(actor: Actor) {
      if (config.groupMembers) return configuredGroups(config.groupMembers, actor);
      return groups(actor.id, () => client.getUserGroups(actor.id));
    },

    async postComment(ref: TicketRef, body: string) {
      await client.updateRecord(config.table, ref.id, { [config.commentField]: body });
    },

    async hasComment(ref: TicketRef, marker: string) {
      const entries = await client.getJournal(config.table, ref.id, [config.commentField]);
      const wanted = journalText(marker);
      return entries.some((e) => journalText(e.value ?? '').includes(wanted));
    },

    async setStatus(ref: TicketRef, position: WorkflowPosition) {
      const value = stateValueFor(position, config.states);
      if (!value) return;
      const record = await client.getRecord(config.table, ref.id, [config.stateField]);
      if (fieldValue(record[config.stateField]) === value) return;
      await client.updateRecord(config.table, ref.id, { [config.stateField]: value });
    },

    async listOpenTickets(positions: WorkflowPosition[]) {
      const values = [
        ...new Set(positions.map((p) => stateValueFor(p, config.states)).filter((v): v is string => Boolean(v))),
      ];
      if (!values.length) return [];
      // A name holding ^ or , cannot be written in an encoded query; such groups are scoped by fetchTicket alone.
      const names = config.assignmentGroups.filter((g) => !/[\^,]/.test(g));
      const groupScope =
        names.length && names.length === config.assignmentGroups.length
          ? `^assignment_group.nameIN${names.join(',')}`
          : '';
      const rows = await client.queryRecords(config.table, `${config.stateField}IN${values.join(',')}${groupScope}`, [
        'sys_id',
        'number',
        config.stateField,
      ]);
      return rows
        .filter((r) => positionOf(fieldValue(r[config.stateField]), config.states) !== 'other')
        .map((r) => ({
          connector: CONNECTOR_ID,
          id: fieldValue(r.sys_id),
          key: fieldValue(r.number) || fieldValue(r.sys_id),
        }));
    },
  };
}

/** The registry entry (connectors/index.ts). */
export const servicenowConnector: ConnectorDefinition<ServiceNowConfig> = {
  id: CONNECTOR_ID,
  configSchema: servicenowConfigSchema,
  fromEnv: servicenowFromEnv,
  isConfigured: isServiceNowConfigured,
  enableHint: SERVICENOW_ENABLE_HINT,
  create: createServiceNowConnector,
  snapshotFromPayload: snapshotFromRecord,
};
