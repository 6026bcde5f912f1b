import { createHash } from 'node:crypto';
import type { Actor, StatusChange, TicketRef, TicketReply, TicketSnapshot, WorkflowPosition } from '../../src/domain/ticket';
import type { ParsedDelivery } from '../types';
import { CredgateError } from '../../src/util/errors';
import type { JiraConfig } from './schema';
import type { JiraComment, JiraHistory, JiraIssue, JiraUser, JiraWebhook } from './types';

/** Pure translations from Jira's JSON to credgate's types. */

export const CONNECTOR_ID = 'jira';

/** Events that can change a request; everything else is acknowledged and ignored. */
const HANDLED = new Set(['jira:issue_created', 'jira:issue_updated', 'comment_created', 'comment_updated']);

/** Cloud identifies people by accountId; Data Center by username (`name`). */
export const actorOf = (u: JiraUser | null | undefined): Actor | null => {
  const id = u?.accountId ?? u?.name ?? u?.key;
  return id ? { id, displayName: u?.displayName ?? id, ...(u?.emailAddress ? { email: u.emailAddress } : {}) } : null;
};

export function parseWebhook(rawBody: Buffer, deliveryHeader: string | undefined, selfId: string | null, config: JiraConfig): ParsedDelivery {
  let body: JiraWebhook;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new CredgateError('bad-input', 'the body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || typeof body.webhookEvent !== 'string') {
    throw new CredgateError('bad-input', 'the body is not a Jira webhook: "webhookEvent" is missing');
  }
  const deliveryId = deliveryHeader?.trim() || 'sha256:' + createHash('sha256').update(rawBody).digest('hex');
  if (!HANDLED.has(body.webhookEvent)) return { deliveryId, tickets: [], ignored: `event ${body.webhookEvent} is not handled` };

  const actor = actorOf(body.user) ?? actorOf(body.comment?.author);
  if (selfId && actor?.id === selfId) return { deliveryId, tickets: [], ignored: 'caused by credgate itself' };

  const project = body.issue?.fields?.project?.key;
  if (project && config.projects.length && !config.projects.includes(project)) {
    return { deliveryId, tickets: [], ignored: `project ${project} is not configured` };
  }
  const ref = ticketOfWebhook(body);
  if (!ref) throw new CredgateError('bad-input', `the ${body.webhookEvent} delivery names no issue`);
  return { deliveryId, tickets: [ref] };
}

/** The issue a delivery concerns. Data Center's comment_created has no `issue`: read it from comment.self. */
function ticketOfWebhook(body: JiraWebhook): TicketRef | null {
  const id = body.issue?.id ?? /\/issue\/(\d+)\/comment\//.exec(body.comment?.self ?? '')?.[1];
  if (!id || !/^\d+$/.test(String(id))) return null;
  return { connector: CONNECTOR_ID, id: String(id), key: body.issue?.key ?? String(id) };
}

export function positionOf(status: string, statuses: JiraConfig['statuses']): WorkflowPosition {
  const s = status.trim().toLowerCase();
  const is = (name: string) => name.trim().toLowerCase() === s;
  // Order matters where an operator maps two positions to one name (expired and declined, say).
  if (is(statuses.approved)) return 'approved';
  if (is(statuses.declined)) return 'declined';
  if (is(statuses.pendingApproval)) return 'pending-approval';
  if (is(statuses.awaitingInfo)) return 'awaiting-info';
  if (is(statuses.granted)) return 'granted';
  if (is(statuses.revoked)) return 'revoked';
  if (is(statuses.expired)) return 'expired';
  if (statuses.closed.some(is)) return 'closed';
  return 'other';
}

export function statusNameFor(position: WorkflowPosition, statuses: JiraConfig['statuses']): string | null {
  const names: Partial<Record<WorkflowPosition, string>> = {
    'awaiting-info': statuses.awaitingInfo,
    'pending-approval': statuses.pendingApproval,
    approved: statuses.approved,
    declined: statuses.declined,
    granted: statuses.granted,
    revoked: statuses.revoked,
    expired: statuses.expired,
  };
  return names[position] ?? null;
}

export function toSnapshot(issue: JiraIssue, comments: JiraComment[], config: JiraConfig): TicketSnapshot {
  const f = issue.fields;
  const status = f.status?.name ?? '';
  const mappedFacts: Record<string, string> = {};
  for (const [fact, fieldId] of Object.entries(config.fields)) {
    const value = fieldText(f[fieldId as string]);
    if (value) mappedFacts[fact] = value;
  }
  const replies: TicketReply[] = comments.flatMap((c) => {
    const author = actorOf(c.author);
    return author ? [{ author, body: fieldText(c.body), at: c.created ?? '' }] : [];
  });
  return {
    ref: { connector: CONNECTOR_ID, id: issue.id, key: issue.key },
    url: config.baseUrl ? `${config.baseUrl.replace(/\/+$/, '')}/browse/${issue.key}` : undefined,
    status,
    position: positionOf(status, config.statuses),
    summary: f.summary ?? '',
    description: fieldText(f.description),
    project: f.project?.key ?? '',
    issueType: f.issuetype?.name ?? '',
    labels: Array.isArray(f.labels) ? f.labels.map(String) : [],
    reporter: actorOf(f.reporter),
    mappedFacts,
    replies,
  };
}

/** True when the issue is one credgate handles under this configuration. */
export function inScope(issue: JiraIssue, config: JiraConfig): boolean {
  const project = issue.fields.project?.key ?? '';
  const type = issue.fields.issuetype?.name ?? '';
  return (
    (!config.projects.length || config.projects.includes(project)) &&
    (!config.issueTypes.length || config.issueTypes.some((t) => t.toLowerCase() === type.toLowerCase()))
  );
}

export function toStatusChanges(histories: JiraHistory[], selfId: string | null, statuses: JiraConfig['statuses']): StatusChange[] {
  const changes: StatusChange[] = [];
  for (const h of histories) {
    // "Status" on create, "status" on update: fieldId is the reliable one (see fixtures README).
    const item = h.items.find((i) => (i.fieldId ?? i.field ?? '').toLowerCase() === 'status');
    const actor = actorOf(h.author);
    if (!item || !actor) continue;
    const to = item.toString ?? '';
    changes.push({
      id: String(h.id),
      actor,
      from: item.fromString ?? '',
      to,
      position: positionOf(to, statuses),
      at: h.created,
      bySelf: selfId !== null && actor.id === selfId,
    });
  }
  return changes.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || Number(a.id) - Number(b.id));
}

/** Any Jira field value as plain text: strings, numbers, options, users, arrays, ADF documents. */
export function fieldText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(fieldText).filter(Boolean).join(', ');
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (o.type === 'doc') return adfText(o).trim();
    for (const k of ['value', 'name', 'displayName', 'key']) if (typeof o[k] === 'string') return o[k] as string;
  }
  return '';
}

/** Plain text of an Atlassian Document Format node: one line per block. */
export function adfText(node: Record<string, unknown>): string {
  if (node.type === 'text') return String(node.text ?? '');
  if (node.type === 'hardBreak') return '\n';
  if (node.type === 'mention') return String((node.attrs as Record<string, unknown> | undefined)?.text ?? '');
  const children = Array.isArray(node.content) ? (node.content as Record<string, unknown>[]) : [];
  const inner = children.map(adfText).join('');
  const block = ['paragraph', 'heading', 'listItem', 'codeBlock', 'blockquote', 'tableRow'].includes(String(node.type));
  return block ? inner.replace(/\n+$/, '') + '\n' : inner;
}

/** The snapshot a webhook body describes, without any API call: for `credgate simulate` only. */
export function snapshotFromWebhook(body: unknown, config: JiraConfig): TicketSnapshot | null {
  const hook = body as JiraWebhook;
  const issue = hook?.issue;
  if (!issue?.id || !issue.fields) return null;
  return toSnapshot({ id: String(issue.id), key: issue.key ?? String(issue.id), fields: issue.fields }, [], config);
}
