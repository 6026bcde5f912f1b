import { createHash } from 'node:crypto';
import type {
  Actor,
  StatusChange,
  TicketRef,
  TicketReply,
  TicketSnapshot,
  WorkflowPosition,
} from '../../src/domain/ticket';
import type { ParsedDelivery } from '../types';
import { CredgateError } from '../../src/util/errors';
import { positionOfName, statusFor } from '../kit/positions';
import type { JiraConfig } from './schema';
import type { JiraComment, JiraHistory, JiraIssue, JiraUser, JiraWebhook, JsmApproval, JsmDate } from './types';

/** Pure translations from Jira's JSON to credgate's types. */

export const CONNECTOR_ID = 'jira';

/** Events that can change a request; everything else is acknowledged and ignored. */
const HANDLED = new Set(['jira:issue_created', 'jira:issue_updated', 'comment_created', 'comment_updated']);

/** Cloud identifies people by accountId; Data Center by username (`name`). */
export const actorOf = (u: JiraUser | null | undefined): Actor | null => {
  const id = textOf(u?.accountId) || textOf(u?.name) || textOf(u?.key);
  const email = textOf(u?.emailAddress);
  return id ? { id, displayName: textOf(u?.displayName) || id, ...(email ? { email } : {}) } : null;
};

export function parseWebhook(
  rawBody: Buffer,
  deliveryHeader: string | undefined,
  selfId: string | null,
  config: JiraConfig,
): ParsedDelivery {
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
  if (!HANDLED.has(body.webhookEvent))
    return { deliveryId, tickets: [], ignored: `event ${body.webhookEvent} is not handled` };

  const actor = actorOf(body.user) ?? actorOf(body.comment?.author);
  if (selfId && actor?.id === selfId) return { deliveryId, tickets: [], ignored: 'caused by credgate itself' };

  const project = textOf(body.issue?.fields?.project?.key);
  if (project && config.projects.length && !config.projects.includes(project)) {
    return { deliveryId, tickets: [], ignored: `project ${project} is not configured` };
  }
  const ref = ticketOfWebhook(body);
  if (!ref) throw new CredgateError('bad-input', `the ${body.webhookEvent} delivery names no issue`);
  return { deliveryId, tickets: [ref] };
}

/** The issue a delivery concerns. Data Center's comment_created has no `issue`: read it from comment.self. */
function ticketOfWebhook(body: JiraWebhook): TicketRef | null {
  const issueId = body.issue?.id as unknown;
  const id =
    issueId !== undefined && issueId !== null
      ? textOf(issueId)
      : (/\/issue\/(\d+)\/comment\//.exec(textOf(body.comment?.self))?.[1] ?? '');
  if (!/^\d+$/.test(id)) return null;
  return { connector: CONNECTOR_ID, id, key: textOf(body.issue?.key) || id };
}

/**
 * A webhook value read as text. A signed body is still untrusted JSON: only strings and numbers are
 * read, because String() or a template literal of an object such as {"toString": 1} throws (a 500
 * where a 400 or a 202 is due).
 */
const textOf = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

export function positionOf(status: string, statuses: JiraConfig['statuses']): WorkflowPosition {
  return positionOfName(status, statuses, statuses.closed);
}

export function statusNameFor(position: WorkflowPosition, statuses: JiraConfig['statuses']): string | null {
  return statusFor(position, statuses);
}

export function toSnapshot(issue: JiraIssue, comments: JiraComment[], config: JiraConfig): TicketSnapshot {
  const f = issue.fields;
  const status = textOf(f.status?.name);
  const mappedFacts: Record<string, string> = {};
  for (const [fact, fieldId] of Object.entries(config.fields)) {
    const value = fieldText(f[fieldId as string]);
    if (value) mappedFacts[fact] = value;
  }
  const replies: TicketReply[] = comments.flatMap((c) => {
    const author = actorOf(c.author);
    return author ? [{ id: textOf(c.id) || undefined, author, body: fieldText(c.body), at: textOf(c.created) }] : [];
  });
  return {
    ref: { connector: CONNECTOR_ID, id: issue.id, key: issue.key },
    url: config.baseUrl ? `${config.baseUrl.replace(/\/+$/, '')}/browse/${issue.key}` : undefined,
    status,
    position: positionOf(status, config.statuses),
    summary: textOf(f.summary),
    description: fieldText(f.description),
    project: textOf(f.project?.key),
    issueType: textOf(f.issuetype?.name),
    labels: Array.isArray(f.labels) ? f.labels.map(textOf).filter(Boolean) : [],
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

export function toStatusChanges(
  histories: JiraHistory[],
  selfId: string | null,
  statuses: JiraConfig['statuses'],
): StatusChange[] {
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

/** JSM decisions that are status changes; `pending` is none. */
const JSM_DECISIONS: Record<string, 'approved' | 'declined'> = { approved: 'approved', declined: 'declined' };

/**
 * How long after a JSM approval completes the approval step's own transition may land in the
 * changelog (JSM makes it at once, in the same request), and the clock slack between the two.
 */
const APPROVAL_TRANSITION_WINDOW_MS = 60_000;
const APPROVAL_TRANSITION_SLACK_MS = 1_000;

/** A JSM date as an ISO instant: epochMillis when given (unambiguous), else iso8601. */
function jsmInstant(date: JsmDate | undefined): string | null {
  if (typeof date?.epochMillis === 'number' && Number.isFinite(date.epochMillis))
    return new Date(date.epochMillis).toISOString();
  const parsed = Date.parse(typeof date?.iso8601 === 'string' ? date.iso8601 : '');
  return Number.isNaN(parsed) ? null : new Date(parsed).toISOString();
}

/**
 * One StatusChange per decision an approver made on a Jira Service Management approval (undecided
 * approvers make none). The id `jsm-approval:<approvalId>:<approver>` is stable across reads, so the
 * core judges each decision once. JSM records no time per approver: `at` is the approval's
 * completedDate, or its createdDate while other approvers have still to answer.
 */
export function toApprovalChanges(
  approvals: JsmApproval[],
  selfId: string | null,
  statuses: JiraConfig['statuses'],
): StatusChange[] {
  const changes: StatusChange[] = [];
  for (const approval of approvals) {
    const at = jsmInstant(approval.completedDate) ?? jsmInstant(approval.createdDate);
    if (!approval.id || !at) continue;
    for (const { approver, approverDecision } of approval.approvers ?? []) {
      const position = JSM_DECISIONS[String(approverDecision ?? '').toLowerCase()];
      const actor = actorOf(approver);
      if (!position || !actor) continue;
      changes.push({
        id: `jsm-approval:${approval.id}:${actor.id}`,
        actor,
        from: approval.name ?? '',
        // What the decision stands for, in the operator's words: the comment on a refusal names it.
        to: position === 'approved' ? statuses.approved : statuses.declined,
        position,
        at,
        bySelf: selfId !== null && actor.id === selfId,
      });
    }
  }
  return changes;
}

/**
 * Transitions and JSM approval decisions as one history, oldest first. When a JSM approval
 * completes, JSM itself moves the request along the approval step's approve or decline transition.
 * That transition is the decision's consequence, not a second approval (judged as one, the approver
 * would be refused as "already approved"), so for each completed approval the earliest transition to
 * the same position within a minute of its completedDate is left out. Every other transition to the
 * approved status is still an approval, judged as before.
 */
export function withApprovalChanges(
  transitions: StatusChange[],
  approvals: JsmApproval[],
  selfId: string | null,
  statuses: JiraConfig['statuses'],
): StatusChange[] {
  const consequences = new Set<StatusChange>();
  for (const approval of approvals) {
    const position = JSM_DECISIONS[String(approval.finalDecision ?? '').toLowerCase()];
    const completed = jsmInstant(approval.completedDate);
    if (!position || !completed) continue;
    const done = Date.parse(completed);
    const candidates = transitions.filter((t) => {
      const lag = Date.parse(t.at) - done;
      return (
        !t.bySelf &&
        t.position === position &&
        !consequences.has(t) &&
        lag >= -APPROVAL_TRANSITION_SLACK_MS &&
        lag <= APPROVAL_TRANSITION_WINDOW_MS
      );
    });
    // JSM makes the step's transition as the approver whose answer decided it: prefer a
    // transition by one of the deciding approvers (someone else's attempt moments earlier, a
    // requester trying to approve, say, is still judged), then the one closest in time.
    const deciders = new Set(
      (approval.approvers ?? [])
        .filter((a) => JSM_DECISIONS[String(a.approverDecision ?? '').toLowerCase()] === position)
        .map((a) => actorOf(a.approver)?.id)
        .filter(Boolean),
    );
    const byDecider = candidates.filter((t) => deciders.has(t.actor.id));
    const closest = (list: StatusChange[]) =>
      list.sort((x, y) => Math.abs(Date.parse(x.at) - done) - Math.abs(Date.parse(y.at) - done))[0];
    const echo = closest(byDecider) ?? closest(candidates);
    if (echo) consequences.add(echo);
  }
  return [...transitions.filter((t) => !consequences.has(t)), ...toApprovalChanges(approvals, selfId, statuses)].sort(
    (a, b) => Date.parse(a.at) - Date.parse(b.at) || a.id.localeCompare(b.id, 'en', { numeric: true }),
  );
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
  if (!node || typeof node !== 'object') return '';
  if (node.type === 'text') return textOf(node.text);
  if (node.type === 'hardBreak') return '\n';
  if (node.type === 'mention') return textOf((node.attrs as Record<string, unknown> | undefined)?.text);
  const children = Array.isArray(node.content) ? (node.content as Record<string, unknown>[]) : [];
  const inner = children.map(adfText).join('');
  const block = ['paragraph', 'heading', 'listItem', 'codeBlock', 'blockquote', 'tableRow'].includes(
    node.type as string,
  );
  return block ? inner.replace(/\n+$/, '') + '\n' : inner;
}

/** The snapshot a webhook body describes, without any API call: for `credgate simulate` only. */
export function snapshotFromWebhook(body: unknown, config: JiraConfig): TicketSnapshot | null {
  const hook = body as JiraWebhook;
  const issue = hook?.issue;
  const id = textOf(issue?.id);
  if (!id || !issue?.fields || typeof issue.fields !== 'object') return null;
  return toSnapshot({ id, key: textOf(issue.key) || id, fields: issue.fields }, [], config);
}
