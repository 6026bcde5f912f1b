import { createHash } from 'node:crypto';
import type { Actor, StatusChange, TicketRef, TicketReply, TicketSnapshot } from '../../src/domain/ticket';
import type { FactName } from '../../src/domain/request';
import { aliasIndex } from '../../src/policy/extract-facts';
import { CredgateError } from '../../src/util/errors';
import type { ParsedDelivery } from '../types';
import { hasFormSections, normalizeLabel, parseIssueForm } from './issue-form';
import { labelFor, positionLabels, positionOfIssue, positionOfLabel } from './positions';
import type { GithubConfig } from './schema';
import type { GithubComment, GithubIssue, GithubIssueEvent, GithubUser, GithubWebhook, IssueAddress } from './types';

/** Pure translations from GitHub's JSON to credgate's types. */

export const CONNECTOR_ID = 'github';

/** Events and actions that can change a request; everything else is acknowledged and ignored. */
const HANDLED: Record<string, string[]> = {
  issues: ['opened', 'edited', 'labeled', 'unlabeled', 'closed', 'reopened'],
  issue_comment: ['created', 'edited'],
};

/** The headers of a delivery that parsing needs (https://docs.github.com/en/webhooks/webhook-events-and-payloads#delivery-headers). */
export interface DeliveryHeaders {
  event?: string;
  delivery?: string;
  contentType?: string;
}

/** People are identified by login: it is what the teams and permission endpoints take. */
export const actorOf = (u: GithubUser | null | undefined): Actor | null => {
  const login = textOf(u?.login);
  if (!login) return null;
  const name = textOf(u?.name);
  const email = textOf(u?.email);
  return { id: login, displayName: name || login, ...(email ? { email } : {}) };
};

/** Repository names are case-insensitive on GitHub: ids are lower case so every path agrees. */
export function ticketRef(repoFullName: string, number: number): TicketRef {
  return { connector: CONNECTOR_ID, id: `${repoFullName.toLowerCase()}#${number}`, key: `${repoFullName}#${number}` };
}

/** The REST address of a ticket; throws on an id credgate did not make. */
export function issueAddress(ref: TicketRef): IssueAddress {
  const m = /^([^/#\s]+)\/([^/#\s]+)#(\d+)$/.exec(ref.id);
  if (!m) throw new CredgateError('bad-input', `"${ref.id}" is not a GitHub issue id (owner/repo#number)`);
  return { owner: m[1], repo: m[2], number: Number(m[3]) };
}

/** A parsed delivery, plus the app installation it names (GitHub App deliveries only). */
export interface GithubParsedDelivery extends ParsedDelivery {
  installationId?: number;
}

export function parseWebhook(
  rawBody: Buffer,
  headers: DeliveryHeaders,
  selfLogin: string | null,
  config: GithubConfig,
): GithubParsedDelivery {
  const body = readBody(rawBody, headers.contentType);
  const deliveryId = headers.delivery?.trim() || 'sha256:' + createHash('sha256').update(rawBody).digest('hex');
  const event = headers.event?.trim();
  if (!event) throw new CredgateError('bad-input', 'the delivery has no X-GitHub-Event header');
  const ignore = (reason: string): ParsedDelivery => ({ deliveryId, tickets: [], ignored: reason });

  const action = textOf(body.action);
  if (!HANDLED[event]) return ignore(`event ${event} is not handled`);
  if (!HANDLED[event].includes(action)) return ignore(`${event}.${action || '(no action)'} is not handled`);

  const sender = textOf(body.sender?.login);
  if (selfLogin && sender.toLowerCase() === selfLogin.toLowerCase()) return ignore('caused by credgate itself');

  const repo = textOf(body.repository?.full_name);
  if (!/^[^/\s]+\/[^/\s]+$/.test(repo))
    throw new CredgateError('bad-input', `the ${event} delivery names no repository`);
  if (!repositoryServed(repo, config)) return ignore(`repository ${repo} is not configured`);

  const issue = body.issue;
  const number = issue && typeof issue === 'object' ? issue.number : undefined;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 1)
    throw new CredgateError('bad-input', `the ${event} delivery names no issue`);
  if (issue?.pull_request) return ignore('a pull request, not an issue');
  if (!inScope(issue as GithubIssue, config)) return ignore('not a credential request');
  const installationId = body.installation?.id;
  return {
    deliveryId,
    tickets: [ticketRef(repo, number)],
    ...(typeof installationId === 'number' ? { installationId } : {}),
  };
}

/** GitHub posts JSON, or `payload=<JSON>` when the webhook's content type is form-encoded. */
function readBody(rawBody: Buffer, contentType: string | undefined): GithubWebhook {
  let text = rawBody.toString('utf8');
  if (/x-www-form-urlencoded/i.test(contentType ?? '')) text = new URLSearchParams(text).get('payload') ?? '';
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new CredgateError('bad-input', 'the body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new CredgateError('bad-input', 'the body is not a GitHub webhook payload');
  return body as GithubWebhook;
}

export const repositoryServed = (fullName: string, config: Pick<GithubConfig, 'repositories'>): boolean =>
  !config.repositories.length || config.repositories.some((r) => r.toLowerCase() === fullName.toLowerCase());

/** Names of an issue's labels (the API sends objects; some payloads send bare strings). */
export const labelNames = (issue: Pick<GithubIssue, 'labels'>): string[] =>
  (Array.isArray(issue.labels) ? issue.labels : [])
    .map((l) => (typeof l === 'string' ? l : textOf(l?.name)))
    .filter(Boolean);

/**
 * In scope: the request label, one of credgate's own labels (it handled the issue before), or a
 * body written by the issue form (at least two of the facts' headings).
 */
export function inScope(issue: GithubIssue, config: GithubConfig): boolean {
  if (issue.pull_request) return false;
  const names = labelNames(issue).map((n) => n.toLowerCase());
  const ours = [config.requestLabel, ...positionLabels(config.labels)].map((n) => n.toLowerCase());
  if (names.some((n) => ours.includes(n))) return true;
  return hasFormSections(typeof issue.body === 'string' ? issue.body : '', factHeadings(config).keys());
}

/** Form heading (normalized) → fact: the policy's default labels and aliases, plus `formFields`. */
export function factHeadings(config: Pick<GithubConfig, 'formFields'>): Map<string, FactName> {
  const index = new Map<string, FactName>();
  for (const [alias, fact] of aliasIndex({})) index.set(normalizeLabel(alias), fact);
  for (const [fact, heading] of Object.entries(config.formFields))
    if (heading) index.set(normalizeLabel(heading), fact as FactName);
  return index;
}

/** The facts an issue-form body answers; empty answers (`_No response_`) are left out. */
export function formFacts(
  body: string | null | undefined,
  config: Pick<GithubConfig, 'formFields'>,
): Record<string, string> {
  const index = factHeadings(config);
  const facts: Record<string, string> = {};
  for (const section of parseIssueForm(body)) {
    const fact = index.get(normalizeLabel(section.label));
    if (fact && section.value.trim() && !(fact in facts)) facts[fact] = section.value.trim();
  }
  return facts;
}

export function toSnapshot(
  issue: GithubIssue,
  comments: GithubComment[],
  repoFullName: string,
  config: GithubConfig,
): TicketSnapshot {
  const labels = labelNames(issue);
  const position = positionOfIssue(issue.state, labels, config.labels);
  const replies: TicketReply[] = comments.flatMap((c) => {
    const author = actorOf(c.user);
    return author
      ? [{ id: c.id === undefined ? undefined : String(c.id), author, body: textOf(c.body), at: c.created_at }]
      : [];
  });
  return {
    ref: ticketRef(repoFullName, issue.number),
    url: textOf(issue.html_url) || undefined,
    status: labelFor(position, config.labels) ?? issue.state,
    position,
    summary: textOf(issue.title),
    description: textOf(issue.body),
    project: repoFullName,
    issueType: config.issueType,
    labels,
    reporter: actorOf(issue.user),
    mappedFacts: formFacts(textOf(issue.body), config),
    replies,
  };
}

/** `/approve` or `/deny <reason>` on the first non-empty line of a comment. */
export function commandOf(body: string | null | undefined): { command: 'approve' | 'deny'; reason: string } | null {
  const first =
    (body ?? '')
      .split(/\r?\n/)
      .find((l) => l.trim())
      ?.trim() ?? '';
  const m = /^\/(approve|deny)(?:\s+(.*))?$/i.exec(first);
  return m ? { command: m[1].toLowerCase() as 'approve' | 'deny', reason: (m[2] ?? '').trim().slice(0, 200) } : null;
}

/**
 * The issue's approval-relevant history, oldest first: `/approve` and `/deny` comments, credgate
 * labels a person added, and closes. Everything else (edits, other labels, reopens) is not a change
 * of position. Ids say where they come from, because comment and event ids are separate sequences.
 */
export function toStatusChanges(
  comments: GithubComment[],
  events: GithubIssueEvent[],
  selfLogin: string | null,
  config: GithubConfig,
): StatusChange[] {
  const self = selfLogin?.toLowerCase() ?? null;
  const bySelf = (a: Actor) => self !== null && a.id.toLowerCase() === self;
  const changes: (StatusChange & { seq: number })[] = [];
  for (const c of comments) {
    const cmd = commandOf(c.body);
    const actor = actorOf(c.user);
    if (!cmd || !actor) continue;
    const to = cmd.command === 'approve' ? 'approved' : cmd.reason ? `declined (${cmd.reason})` : 'declined';
    const position = cmd.command === 'approve' ? 'approved' : 'declined';
    changes.push({
      id: `comment-${c.id}`,
      actor,
      from: '',
      to,
      position,
      at: c.created_at,
      bySelf: bySelf(actor),
      seq: c.id,
    });
  }
  for (const e of events) {
    const actor = actorOf(e.actor);
    if (!actor) continue;
    if (e.event === 'closed') {
      changes.push({
        id: `event-${e.id}`,
        actor,
        from: 'open',
        to: 'closed',
        position: 'closed',
        at: e.created_at,
        bySelf: bySelf(actor),
        seq: e.id,
      });
    } else if (e.event === 'labeled' && e.label?.name) {
      const position = positionOfLabel(e.label.name, config.labels);
      if (position)
        changes.push({
          id: `event-${e.id}`,
          actor,
          from: '',
          to: e.label.name,
          position,
          at: e.created_at,
          bySelf: bySelf(actor),
          seq: e.id,
        });
    }
  }
  return changes
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.seq - b.seq)
    .map(({ seq: _seq, ...change }) => change);
}

/** The snapshot a webhook body describes, without any API call: for `credgate simulate` only. */
export function snapshotFromWebhook(body: unknown, config: GithubConfig): TicketSnapshot | null {
  const hook = body as GithubWebhook;
  const repo = textOf(hook?.repository?.full_name);
  const issue = hook?.issue;
  if (!repo || !issue || typeof issue.number !== 'number') return null;
  return toSnapshot(issue, [], repo, config);
}

/**
 * A payload value read as text. A signed body is still untrusted JSON: only strings and numbers
 * are read, so an object where a string belongs cannot throw in String() or a template literal.
 */
export const textOf = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
