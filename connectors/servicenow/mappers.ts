import { createHash } from 'node:crypto';
import type { Actor, StatusChange, TicketReply, TicketSnapshot, WorkflowPosition } from '../../src/domain/ticket';
import type { ParsedDelivery } from '../types';
import { CredgateError } from '../../src/util/errors';
import type { ServiceNowConfig } from './schema';
import type { SnAudit, SnField, SnJournalEntry, SnRecord, SnWebhook } from './types';
import { positionOfStatus, statusFor } from '../kit/positions';

/** Pure translations from ServiceNow's JSON to credgate's types. */

export const CONNECTOR_ID = 'servicenow';

const SYS_ID = /^[0-9a-f]{32}$/;

/** A webhook value read as text: only strings and numbers (String() of an object can throw). */
const textOf = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

/** A field's stored value: a sys_id for references, the choice value for choices. */
export function fieldValue(f: SnField): string {
  if (f === null || f === undefined) return '';
  if (typeof f === 'string') return f;
  return typeof f.value === 'string' ? f.value : '';
}

/** What a person sees: the label of a choice, the name of a referenced record. */
export function fieldDisplay(f: SnField): string {
  if (f === null || f === undefined) return '';
  if (typeof f === 'string') return f;
  return typeof f.display_value === 'string' ? f.display_value : fieldValue(f);
}

/** ServiceNow's `yyyy-MM-dd HH:mm:ss` (UTC in the API's stored values) as ISO 8601. */
export function isoTime(glide: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})$/.exec(glide.trim());
  return m ? `${m[1]}T${m[2]}Z` : glide;
}

/**
 * Reads the body of credgate's Business Rule. Redeliveries of one update carry the same
 * sys_mod_count, so `<table>:<sys_id>:<sys_mod_count>` is the dedupe key.
 */
export function parseWebhook(
  rawBody: Buffer,
  selfUser: string | null,
  config: Pick<ServiceNowConfig, 'table'>,
): ParsedDelivery {
  let body: SnWebhook;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new CredgateError('bad-input', 'the body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new CredgateError('bad-input', 'the body is not a JSON object');
  }
  const sysId = textOf(body.sys_id);
  if (!SYS_ID.test(sysId))
    throw new CredgateError(
      'bad-input',
      'the body has no "sys_id" (32 hex characters): is it the Business Rule from the readme?',
    );
  const table = textOf(body.table);
  const modCount = textOf(body.sys_mod_count);
  const deliveryId = /^\d+$/.test(modCount)
    ? `${table || config.table}:${sysId}:${modCount}`
    : 'sha256:' + createHash('sha256').update(rawBody).digest('hex');
  if (table && table !== config.table)
    return { deliveryId, tickets: [], ignored: `table ${table} is not the configured table ${config.table}` };
  const by = textOf(body.updated_by);
  if (selfUser && by === selfUser) return { deliveryId, tickets: [], ignored: 'caused by credgate itself' };
  return { deliveryId, tickets: [{ connector: CONNECTOR_ID, id: sysId, key: textOf(body.number) || sysId }] };
}

type States = ServiceNowConfig['states'];

/** State values are the choice field's stored values ("103"), compared exactly. */
export function positionOf(value: string, states: States): WorkflowPosition {
  const v = value.trim();
  return positionOfStatus((state) => state === v, states, states.closed);
}

export function stateValueFor(position: WorkflowPosition, states: States): string | null {
  return statusFor(position, states);
}

/** The fields credgate reads (dot-walked for the requester, whom it identifies by user_name). */
export function recordFields(config: ServiceNowConfig): string[] {
  const r = config.reporterField;
  return [
    'sys_id',
    'number',
    'short_description',
    'description',
    config.stateField,
    config.categoryField,
    'assignment_group',
    r,
    `${r}.user_name`,
    `${r}.email`,
    ...Object.values(config.fields).filter((f): f is string => Boolean(f)),
  ];
}

/** True when the record is one credgate handles under this configuration. */
export function inScope(record: SnRecord, config: ServiceNowConfig): boolean {
  const group = fieldDisplay(record.assignment_group).toLowerCase();
  const category = record[config.categoryField];
  const categories = [fieldValue(category), fieldDisplay(category)].map((c) => c.toLowerCase());
  return (
    (!config.assignmentGroups.length || config.assignmentGroups.some((g) => g.toLowerCase() === group)) &&
    (!config.categories.length || config.categories.some((c) => categories.includes(c.toLowerCase())))
  );
}

/** The requester as credgate identifies people here: by user_name (sys_audit and journals record it). */
export function reporterOf(record: SnRecord, config: ServiceNowConfig): Actor | null {
  const id = fieldValue(record[`${config.reporterField}.user_name`]);
  if (!id) return null;
  const email = fieldValue(record[`${config.reporterField}.email`]);
  return { id, displayName: fieldDisplay(record[config.reporterField]) || id, ...(email ? { email } : {}) };
}

export function toSnapshot(record: SnRecord, journal: SnJournalEntry[], config: ServiceNowConfig): TicketSnapshot {
  const sysId = fieldValue(record.sys_id);
  const number = fieldValue(record.number) || sysId;
  const state = record[config.stateField];
  const mappedFacts: Record<string, string> = {};
  for (const [fact, field] of Object.entries(config.fields)) {
    const value = fieldDisplay(record[field as string]);
    if (value) mappedFacts[fact] = value;
  }
  const replies: TicketReply[] = journal
    .filter((j) => j.sys_created_by)
    .map((j) => ({
      id: j.sys_id || undefined,
      author: { id: j.sys_created_by, displayName: j.sys_created_by },
      body: j.value ?? '',
      at: isoTime(j.sys_created_on),
    }));
  return {
    ref: { connector: CONNECTOR_ID, id: sysId, key: number },
    url: config.instanceUrl
      ? `${config.instanceUrl.replace(/\/+$/, '')}/${config.table}.do?sys_id=${sysId}`
      : undefined,
    status: fieldDisplay(state),
    position: positionOf(fieldValue(state), config.states),
    summary: fieldDisplay(record.short_description),
    description: fieldDisplay(record.description),
    project: fieldDisplay(record.assignment_group),
    issueType: fieldDisplay(record[config.categoryField]),
    labels: [],
    reporter: reporterOf(record, config),
    mappedFacts,
    replies,
  };
}

/**
 * State changes from sys_audit, oldest first. Each audit row has a stable sys_id; rows written in
 * the same second are ordered by the record's update count (record_checkpoint).
 */
export function toStatusChanges(
  audits: SnAudit[],
  selfUser: string | null,
  states: States,
  labels: ReadonlyMap<string, string>,
  people: ReadonlyMap<string, Actor>,
): StatusChange[] {
  const label = (v: string) => labels.get(v) ?? v;
  return audits
    .filter((a) => a.user && a.sys_id)
    .map((a) => ({ a, at: isoTime(a.sys_created_on), n: Number(a.record_checkpoint ?? 0) || 0 }))
    .sort((x, y) => Date.parse(x.at) - Date.parse(y.at) || x.n - y.n)
    .map(({ a, at }) => ({
      id: a.sys_id,
      actor: people.get(a.user) ?? { id: a.user, displayName: a.user },
      from: label(a.oldvalue ?? ''),
      to: label(a.newvalue ?? ''),
      position: positionOf(a.newvalue ?? '', states),
      at,
      bySelf: selfUser !== null && a.user === selfUser,
    }));
}

/** Work notes come back as stored; the text escaper's word joiners are invisible, so compare without them. */
export const journalText = (s: string): string => s.replace(/\u2060/g, '');

/**
 * A ticket from a Table API record (GET /api/now/table/<table>/<sys_id>?sysparm_display_value=all,
 * as `{ "result": {...} }` or the bare record), without any API call: for `credgate simulate`.
 * The Business Rule's own body names a ticket but holds none of its content, so it gives null.
 */
export function snapshotFromRecord(body: unknown, config: ServiceNowConfig): TicketSnapshot | null {
  const maybe = (body as { result?: unknown })?.result ?? body;
  if (!maybe || typeof maybe !== 'object' || Array.isArray(maybe)) return null;
  const record = maybe as SnRecord;
  if (!SYS_ID.test(fieldValue(record.sys_id)) || record.short_description === undefined) return null;
  return toSnapshot(record, [], config);
}
