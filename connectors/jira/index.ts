import type { CommentAudience, Connector, ConnectorContext, NewTicket } from '../types';
import { cachedLookup, configuredGroups, header, orNullIfNotFound, readVendorData } from '../kit';
import { jiraCommentsSchema, jiraHistoriesSchema, jiraIssueSchema } from './rest-schema';
import type { Actor, TicketRef, WorkflowPosition } from '../../src/domain/ticket';
import { CredgateError } from '../../src/util/errors';
import { parseDuration } from '../../src/policy/parse-duration';
import { wikiToAdf, type AdfInline, type AdfParagraph } from '../../src/render/wiki-to-adf';
import { createJiraClient, type JiraClient } from './client';
import { verifyJiraDelivery } from './verify';
import {
  CONNECTOR_ID,
  fieldText,
  inScope,
  parseWebhook,
  statusNameFor,
  toSnapshot,
  toStatusChanges,
  withApprovalChanges,
} from './mappers';
import type { JiraConfig } from './schema';
import { jiraChecks } from './doctor-checks';

const BASE_FIELDS = ['summary', 'description', 'status', 'reporter', 'issuetype', 'project', 'labels'];

/**
 * The Jira connector: translates between Jira (Cloud or Data Center) and credgate's core, with Jira
 * Service Management's native approvals and internal comments when `serviceManagement` says so.
 */
export function createJiraConnector(
  config: JiraConfig,
  ctx: ConnectorContext,
  client: JiraClient = createJiraClient(config),
): Connector {
  let selfId: string | null = null;
  const groups = cachedLookup<string[]>(parseDuration(config.groupCacheTtl) ?? 300_000, ctx.now);

  /** JSM approvals of a request. An issue of a project that is no service desk has none: JSM answers 404. */
  const approvalsOf = async (ref: TicketRef) => {
    const approvals = await orNullIfNotFound(() => client.getApprovals(ref.id));
    if (approvals) return approvals;
    ctx.log.debug(
      { connector: CONNECTOR_ID, ticket: ref.key },
      'not a Jira Service Management request: no JSM approvals to read',
    );
    return [];
  };

  return {
    id: CONNECTOR_ID,
    markup: 'jira-wiki',
    // Jira refuses a comment over 32,767 characters ("The entered text is too long. It exceeds the
    // allowed limit of 32,767 characters."): the limit of its text fields (jira.text.field.character.limit).
    maxCommentLength: 32_767,
    howToApprove: config.serviceManagement.approvals
      ? `An approver approves it in Jira Service Management, or moves this ticket to "${config.statuses.approved}"; to decline, declines it there or moves it to "${config.statuses.declined}"`
      : `An approver moves this ticket to "${config.statuses.approved}"; to decline, to "${config.statuses.declined}"`,

    async start() {
      const me = await client.myself();
      selfId = me.accountId ?? me.name ?? null;
      ctx.log.info({ connector: CONNECTOR_ID, selfId }, 'Jira connector ready; events by this account are ignored');
    },

    verify: (delivery) => verifyJiraDelivery(delivery, config),

    parse: (delivery) =>
      parseWebhook(delivery.rawBody, header(delivery.headers, 'x-atlassian-webhook-identifier'), selfId, config),

    async fetchTicket(ref) {
      const issue = await orNullIfNotFound(() =>
        client.getIssue(ref.id, [
          ...BASE_FIELDS,
          ...Object.values(config.fields).filter((f): f is string => Boolean(f)),
        ]),
      );
      if (!issue) return null;
      readVendorData(jiraIssueSchema, issue, `Jira GET issue ${ref.key}`);
      if (!inScope(issue, config)) return null;
      const comments = readVendorData(
        jiraCommentsSchema,
        await client.getComments(issue.id),
        `Jira GET comments ${issue.key}`,
      );
      return toSnapshot(issue, comments, config);
    },

    async fetchStatusChanges(ref) {
      const histories = readVendorData(
        jiraHistoriesSchema,
        await client.getChangelog(ref.id),
        `Jira GET changelog ${ref.key}`,
      );
      const transitions = toStatusChanges(histories, selfId, config.statuses);
      if (!config.serviceManagement.approvals) return transitions;
      return withApprovalChanges(transitions, await approvalsOf(ref), selfId, config.statuses);
    },

    async groupsOf(actor: Actor) {
      if (config.groupMembers) return configuredGroups(config.groupMembers, actor);
      return groups(actor.id, () => client.getUserGroups(actor.id));
    },

    async postComment(ref: TicketRef, body: string, audience: CommentAudience = 'requester', mentions: Actor[] = []) {
      // Questions and outcomes stay visible to the customer on the portal; bookkeeping may be internal.
      const internal = config.serviceManagement.internalComments && audience === 'agents';
      // Ids come from Jira's own API (accountIds, DC usernames); anything else is left out.
      const cc = mentions.filter((a) => /^[A-Za-z0-9:._@-]{1,128}$/.test(a.id));
      if (config.commentFormat === 'adf') {
        const doc = wikiToAdf(body);
        if (cc.length) doc.content.push(mentionParagraph(cc));
        await client.addComment(ref.id, doc, { internal });
        return;
      }
      const tags = cc.map((a) => (config.flavor === 'cloud' ? `[~accountid:${a.id}]` : `[~${a.id}]`));
      await client.addComment(ref.id, tags.length ? `${body}\ncc ${tags.join(', ')}` : body, { internal });
    },

    async hasComment(ref: TicketRef, marker: string) {
      const comments = await client.getComments(ref.id);
      const wanted = unescapeWiki(marker);
      return comments.some((c) => unescapeWiki(fieldText(c.body)).includes(wanted));
    },

    async setStatus(ref: TicketRef, position: WorkflowPosition) {
      const name = statusNameFor(position, config.statuses);
      if (!name) return;
      const issue = await client.getIssue(ref.id, ['status']);
      if ((issue.fields.status?.name ?? '').toLowerCase() === name.toLowerCase()) return;
      const transitions = await client.getTransitions(ref.id);
      const match =
        transitions.find((t) => t.to.toLowerCase() === name.toLowerCase()) ??
        transitions.find((t) => t.name.toLowerCase() === name.toLowerCase());
      if (!match) {
        throw new CredgateError(
          'permanent',
          `the Jira workflow has no transition from "${issue.fields.status?.name}" to "${name}" for ${ref.key}; available: ${transitions.map((t) => t.to).join(', ') || 'none'}`,
        );
      }
      await client.doTransition(ref.id, match.id);
    },

    checks: (needs) => jiraChecks(config, client, needs),

    async createTicket(input: NewTicket) {
      const description = config.commentFormat === 'adf' ? wikiToAdf(input.description) : input.description;
      const created = await client.createIssue({
        project: input.project,
        issueType: input.issueType,
        summary: input.summary,
        description,
      });
      return { connector: CONNECTOR_ID, id: created.id, key: created.key };
    },

    async listOpenTickets(positions: WorkflowPosition[]) {
      const names = positions.map((p) => statusNameFor(p, config.statuses)).filter((n): n is string => Boolean(n));
      if (!names.length) return [];
      const scope = config.projects.length ? `project in (${config.projects.map(quote).join(', ')}) AND ` : '';
      const found = await client.searchIssues(`${scope}status in (${names.map(quote).join(', ')})`);
      return found.map((i) => ({ connector: CONNECTOR_ID, id: i.id, key: i.key }));
    },
  };
}

const quote = (s: string) => `"${s.replace(/["\\]/g, '\\$&')}"`;

/** Comments come back as stored; compare without wiki escapes so markers match either way. */
const unescapeWiki = (s: string) => s.replace(/\\(.)/g, '$1');

/** "cc @Alice, @Bob" as ADF mention nodes: Jira notifies each person mentioned. */
function mentionParagraph(actors: Actor[]): AdfParagraph {
  const content: AdfInline[] = [{ type: 'text', text: 'cc ' }];
  actors.forEach((a, i) => {
    if (i) content.push({ type: 'text', text: ', ' });
    content.push({ type: 'mention', attrs: { id: a.id, text: `@${a.displayName}` } });
  });
  return { type: 'paragraph', content };
}
