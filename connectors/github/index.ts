import type { CommentAudience, Connector, ConnectorContext } from '../types';
import { cachedLookup, configuredGroups, header, orNullIfNotFound } from '../kit';
import type { ConnectorDefinition } from '../index';
import type { Actor, TicketRef, WorkflowPosition } from '../../src/domain/ticket';
import { CredgateError } from '../../src/util/errors';
import { parseDuration } from '../../src/policy/parse-duration';
import { createGithubClient, type GithubClient } from './client';
import { createGithubVerifier } from './verify';
import {
  CONNECTOR_ID,
  inScope,
  issueAddress,
  parseWebhook,
  repositoryServed,
  snapshotFromWebhook,
  textOf,
  toSnapshot,
  toStatusChanges,
} from './mappers';
import { labelFor, positionLabels, TERMINAL_POSITIONS } from './positions';
import { resolveGroups } from './groups';
import { GITHUB_ENABLE_HINT, githubConfigSchema, githubFromEnv, isGithubConfigured, type GithubConfig } from './schema';
import type { GithubComment, IssueAddress } from './types';
import { githubChecks } from './doctor-checks';
import { registerGithubWebhooks } from './register-webhook';

/**
 * The GitHub Issues connector: requests are issues (filed from the issue form or labelled),
 * approvals are `/approve` and `/deny <reason>` comments, and positions are credgate's labels
 * plus the issue's open/closed state.
 */
export function createGithubConnector(
  config: GithubConfig,
  ctx: ConnectorContext,
  client: GithubClient = createGithubClient(config, ctx.now),
): Connector {
  let selfLogin: string | null = config.login ?? null;
  const verify = createGithubVerifier(config);
  const groups = cachedLookup<string[]>(parseDuration(config.groupCacheTtl) ?? 300_000, ctx.now);
  const repoOf = (a: IssueAddress) => `${a.owner}/${a.repo}`;
  // credgate reads a ticket, then at once its history: the comments fetchTicket just read serve
  // fetchStatusChanges once, within a moment, instead of a second listing.
  const justRead = new Map<string, { comments: GithubComment[]; at: number }>();
  const commentsOf = async (ref: TicketRef, at: IssueAddress) => {
    const memo = justRead.get(ref.id);
    justRead.delete(ref.id);
    return memo && ctx.now() - memo.at < 2_000 ? memo.comments : client.listComments(at);
  };

  /** The account credgate acts as: configured, or read from GET /app or GET /user once. */
  const login = async (): Promise<string> => {
    if (!selfLogin) {
      const app = await client.getAuthenticatedApp();
      // An app acts as "<slug>[bot]" in deliveries, comments and events.
      selfLogin = app ? `${app.slug}[bot]` : await ownLogin(client);
    }
    return selfLogin;
  };

  return {
    id: CONNECTOR_ID,
    markup: 'markdown',
    // "body is too long (maximum is 65536 characters)": GitHub's limit on issue and comment bodies.
    maxCommentLength: 65_536,
    howToApprove: 'An approver comments /approve on this issue; to decline, /deny followed by the reason',
    commentCommands: ['approve', 'deny'],

    async start() {
      ctx.log.info(
        { connector: CONNECTOR_ID, selfLogin: await login() },
        'GitHub connector ready; events by this account are ignored',
      );
    },

    verify: (delivery) => verify(delivery),

    checks: (needs) => githubChecks(config, client, needs, login),
    registerWebhook: (publicUrl) => registerGithubWebhooks(config, client, publicUrl),

    parse(delivery) {
      const parsed = parseWebhook(
        delivery.rawBody,
        {
          event: header(delivery.headers, 'x-github-event'),
          delivery: header(delivery.headers, 'x-github-delivery'),
          contentType: header(delivery.headers, 'content-type'),
        },
        selfLogin,
        config,
      );
      // A GitHub App's delivery names its installation: remembered so no lookup is needed.
      if (parsed.installationId && parsed.tickets[0])
        client.rememberInstallation(issueAddress(parsed.tickets[0]).owner, parsed.installationId);
      return {
        deliveryId: parsed.deliveryId,
        tickets: parsed.tickets,
        ...(parsed.ignored ? { ignored: parsed.ignored } : {}),
      };
    },

    async fetchTicket(ref) {
      const at = issueAddress(ref);
      if (!repositoryServed(repoOf(at), config)) return null;
      // Deleted (404), transferred or gone (410): nothing left to act on.
      const issue = await orNullIfNotFound(() => client.getIssue(at));
      // A transferred issue answers (through a redirect) as another issue: the request cannot follow it.
      if (!issue || issue.number !== at.number || !inScope(issue, config)) return null;
      const comments = await client.listComments(at);
      justRead.set(ref.id, { comments, at: ctx.now() });
      return toSnapshot(issue, comments, repoOf(at), config);
    },

    async fetchStatusChanges(ref) {
      const at = issueAddress(ref);
      const [comments, events] = await Promise.all([commentsOf(ref, at), client.listEvents(at)]);
      return toStatusChanges(comments, events, selfLogin, config);
    },

    async groupsOf(actor: Actor) {
      if (config.groupMembers) return configuredGroups(config.groupMembers, actor, true);
      return groups(actor.id.toLowerCase(), () => resolveGroups(actor.id, config, client));
    },

    async postComment(ref: TicketRef, body: string, _audience?: CommentAudience, mentions: Actor[] = []) {
      // Logins are [A-Za-z0-9-]: anything else is not a login and is left out rather than escaped.
      const cc = mentions.map((a) => a.id).filter((id) => /^[A-Za-z0-9-]{1,39}$/.test(id));
      await client.createComment(
        issueAddress(ref),
        cc.length ? `${body}\n\ncc ${cc.map((id) => `@${id}`).join(' ')}` : body,
      );
    },

    async hasComment(ref: TicketRef, marker: string) {
      const wanted = unescapeMarkdown(marker);
      const comments = await client.listComments(issueAddress(ref));
      return comments.some((c) => unescapeMarkdown(textOf(c.body)).includes(wanted));
    },

    /**
     * Swaps credgate's labels (the new one first, so the issue is never without a position) and
     * closes the issue when the request has ended: revoked as completed, declined and expired as
     * not planned. Positions before the end never reopen a closed issue: a person closed it.
     */
    async setStatus(ref: TicketRef, position: WorkflowPosition) {
      const target = labelFor(position, config.labels);
      if (!target) return;
      const at = issueAddress(ref);
      const issue = await client.getIssue(at);
      const present = (issue.labels ?? []).map((l) => (typeof l === 'string' ? l : l.name));
      const has = (name: string) => present.some((p) => p.toLowerCase() === name.toLowerCase());
      if (!has(target)) await client.addLabels(at, [target]);
      for (const stale of positionLabels(config.labels).filter(
        (l) => l.toLowerCase() !== target.toLowerCase() && has(l),
      )) {
        // Someone removed it in the meantime (not found): that is where we wanted to be.
        await orNullIfNotFound(() =>
          client.removeLabel(at, present.find((p) => p.toLowerCase() === stale.toLowerCase()) as string),
        );
      }
      if (TERMINAL_POSITIONS.includes(position) && issue.state !== 'closed') {
        await client.closeIssue(at, position === 'revoked' ? 'completed' : 'not_planned');
      }
    },

    async listOpenTickets(positions: WorkflowPosition[]) {
      const labels = [
        ...new Set(positions.map((p) => labelFor(p, config.labels)).filter((l): l is string => Boolean(l))),
      ];
      const found = new Map<string, TicketRef>();
      for (const full of config.repositories) {
        const [owner, repo] = full.split('/');
        for (const label of labels) {
          for (const issue of await client.listOpenIssuesWithLabel({ owner, repo }, label)) {
            if (issue.pull_request) continue;
            const ref = {
              connector: CONNECTOR_ID,
              id: `${full.toLowerCase()}#${issue.number}`,
              key: `${full}#${issue.number}`,
            };
            found.set(ref.id, ref);
          }
        }
      }
      return [...found.values()];
    },
  };
}

/** The token's account. Some tokens may not read it (Actions' GITHUB_TOKEN): then `github.login` says it. */
async function ownLogin(client: GithubClient): Promise<string> {
  try {
    return (await client.getAuthenticatedUser()).login;
  } catch (err) {
    if (err instanceof CredgateError && err.kind === 'auth') {
      throw new CredgateError(
        'config',
        `${err.message}; credgate cannot read its own login with this token: set github.login (e.g. github-actions[bot])`,
      );
    }
    throw err;
  }
}

/** Comments come back as stored; compare without Markdown escapes and word joiners so markers match. */
const unescapeMarkdown = (s: string) => s.replace(/\\(.)/g, '$1').replace(/\u2060/g, '');

/** The registry entry (connectors/index.ts). */
export const githubConnector: ConnectorDefinition<GithubConfig> = {
  id: CONNECTOR_ID,
  configSchema: githubConfigSchema,
  fromEnv: githubFromEnv,
  isConfigured: isGithubConfigured,
  enableHint: GITHUB_ENABLE_HINT,
  create: (config, ctx) => createGithubConnector(config, ctx),
  snapshotFromPayload: snapshotFromWebhook,
};
