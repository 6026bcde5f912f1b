import { ServiceDeskClient, Version2Client, Version3Client } from 'jira.js';
import { CredgateError } from '../../src/util/errors';
import { parseDuration } from '../../src/policy/parse-duration';
import { failureOf } from '../kit';
import type { AdfDoc } from '../../src/render/wiki-to-adf';
import type { JiraConfig } from './schema';
import type { JiraComment, JiraHistory, JiraIssue, JsmApproval } from './types';

/**
 * One function per Jira REST endpoint credgate calls, through jira.js. Reads use REST v2, which
 * Cloud and Data Center both serve; ADF comments use v3 (Cloud only); Jira Service Management
 * approvals use the servicedeskapi (both). Every failure becomes a CredgateError here, once, with no
 * header or token in its message.
 */
export interface JiraClient {
  myself(): Promise<{ accountId?: string; name?: string }>;
  getIssue(idOrKey: string, fields: string[]): Promise<JiraIssue>;
  getChangelog(idOrKey: string): Promise<JiraHistory[]>;
  getComments(idOrKey: string): Promise<JiraComment[]>;
  /** `internal`: a Jira Service Management internal note, which the customer does not see. */
  addComment(idOrKey: string, body: string | AdfDoc, options?: { internal?: boolean }): Promise<void>;
  getTransitions(idOrKey: string): Promise<{ id: string; name: string; to: string }[]>;
  doTransition(idOrKey: string, transitionId: string): Promise<void>;
  getUserGroups(userId: string): Promise<string[]>;
  searchIssues(jql: string): Promise<{ id: string; key: string }[]>;
  /** Every JSM approval of a customer request, oldest first; not-found when the issue is no request. */
  getApprovals(idOrKey: string): Promise<JsmApproval[]>;
  /** Creates an issue: a wiki-markup description through v2, an ADF one through v3 (Cloud). */
  createIssue(input: {
    project: string;
    issueType: string;
    summary: string;
    description: string | AdfDoc;
  }): Promise<{ id: string; key: string }>;
  /** Whether credgate's account holds each project permission (`credgate doctor`). */
  myPermissions(projectKey: string, keys: string[]): Promise<Record<string, boolean>>;
  /** The statuses of each issue type's workflow in a project. */
  projectStatuses(projectKey: string): Promise<{ issueType: string; statuses: string[] }[]>;
  /** Every field the site has, with its schema type. */
  fields(): Promise<{ id: string; name: string; type: string }[]>;
  /** How many people a group has; not-found when it does not exist or credgate may not read it. */
  groupSize(group: string): Promise<number>;
}

const PAGE = 100;

export function createJiraClient(config: JiraConfig): JiraClient {
  const timeout = parseDuration(config.requestTimeout) ?? 10_000;
  const auth = config.apiToken
    ? { authentication: { basic: { email: config.email ?? '', apiToken: config.apiToken } } }
    : { baseRequestConfig: { timeout, headers: { Authorization: `Bearer ${config.personalAccessToken}` } } };
  const options = { host: config.baseUrl as string, baseRequestConfig: { timeout }, ...auth };
  const v2 = new Version2Client(options);
  const v3 = new Version3Client(options);
  const sd = new ServiceDeskClient(options);
  const dc = config.flavor === 'datacenter';

  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw toCredgateError(what, err);
    }
  };

  return {
    myself: () => call('GET myself', () => v2.myself.getCurrentUser()),

    getIssue: (idOrKey, fields) =>
      call(`GET issue ${idOrKey}`, () => v2.issues.getIssue({ issueIdOrKey: idOrKey, fields }) as Promise<JiraIssue>),

    async getChangelog(idOrKey) {
      if (dc) {
        // Data Center has no /changelog resource; the issue's changelog expansion holds it.
        const issue = await call(`GET issue ${idOrKey} changelog`, () =>
          v2.issues.getIssue({ issueIdOrKey: idOrKey, fields: ['status'], expand: 'changelog' }),
        );
        return ((issue as { changelog?: { histories?: JiraHistory[] } }).changelog?.histories ?? []) as JiraHistory[];
      }
      const all: JiraHistory[] = [];
      for (let startAt = 0; ; startAt += PAGE) {
        const page = await call(`GET changelog ${idOrKey}`, () =>
          v2.issues.getChangeLogs({ issueIdOrKey: idOrKey, startAt, maxResults: PAGE }),
        );
        const values = (page.values ?? []) as unknown as JiraHistory[];
        all.push(...values);
        if (page.isLast !== false || values.length === 0) return all;
      }
    },

    async getComments(idOrKey) {
      const all: JiraComment[] = [];
      for (let startAt = 0; ; startAt += PAGE) {
        const page = await call(`GET comments ${idOrKey}`, () =>
          v2.issueComments.getComments({ issueIdOrKey: idOrKey, startAt, maxResults: PAGE, orderBy: 'created' }),
        );
        const comments = (page.comments ?? []) as JiraComment[];
        all.push(...comments);
        if (comments.length === 0 || startAt + comments.length >= (page.total ?? 0)) return all;
      }
    },

    addComment: (idOrKey, body, options = {}) =>
      call(`POST comment ${idOrKey}`, async () => {
        // An internal note is the platform comment with the entity property JSM reads for visibility,
        // sd.public.comment = {internal: true} (Cloud and Data Center), rather than the servicedeskapi's
        // POST /rest/servicedeskapi/request/{id}/comment {body, public: false}: one endpoint for both
        // visibilities, ADF in v3 (the servicedeskapi takes a plain string), and hasComment keeps
        // reading the same comments. A project without JSM stores the property and shows the comment.
        const properties = options.internal ? [{ key: 'sd.public.comment', value: { internal: true } }] : undefined;
        if (typeof body === 'string')
          await v2.issueComments.addComment({ issueIdOrKey: idOrKey, comment: body, properties });
        else await v3.issueComments.addComment({ issueIdOrKey: idOrKey, comment: body as never, properties });
      }),

    getTransitions: (idOrKey) =>
      call(`GET transitions ${idOrKey}`, async () => {
        const res = await v2.issues.getTransitions({ issueIdOrKey: idOrKey });
        return (res.transitions ?? []).map((t) => ({ id: String(t.id), name: t.name ?? '', to: t.to?.name ?? '' }));
      }),

    doTransition: (idOrKey, transitionId) =>
      call(`POST transition ${idOrKey}`, async () => {
        await v2.issues.doTransition({ issueIdOrKey: idOrKey, transition: { id: transitionId } });
      }),

    getUserGroups: (userId) =>
      call('GET user groups', async () => {
        if (dc) {
          // Data Center has no /user/groups; jira.js's getUser drops `username`, so call it directly.
          const user = await v2.sendRequest<{ groups?: { items?: { name?: string }[] } }>(
            { url: '/rest/api/2/user', method: 'GET', params: { username: userId, expand: 'groups' } },
            undefined as never,
          );
          return ((user as { groups?: { items?: { name?: string }[] } }).groups?.items ?? []).map((g) => g.name ?? '');
        }
        const groups = await v2.users.getUserGroups({ accountId: userId });
        return groups.map((g) => g.name ?? '');
      }),

    async searchIssues(jql) {
      if (dc) {
        const res = await call('search issues', () =>
          v2.issueSearch.searchForIssuesUsingJqlPost({ jql, fields: ['status'], maxResults: PAGE }),
        );
        return (res.issues ?? []).map((i) => ({ id: String(i.id), key: String(i.key) }));
      }
      // Cloud retired /search for /search/jql, which pages with a token instead of startAt.
      const found: { id: string; key: string }[] = [];
      let nextPageToken: string | undefined;
      do {
        const res = await call('search issues', () =>
          v3.issueSearch.searchForIssuesUsingJqlEnhancedSearchPost({
            jql,
            fields: ['status'],
            maxResults: PAGE,
            nextPageToken,
          }),
        );
        for (const i of res.issues ?? []) found.push({ id: String(i.id), key: String(i.key) });
        nextPageToken = res.nextPageToken ?? undefined;
      } while (nextPageToken);
      return found;
    },

    createIssue: (input) =>
      call(`POST issue in ${input.project}`, async () => {
        const fields = {
          project: { key: input.project },
          issuetype: { name: input.issueType },
          summary: input.summary,
        };
        const created =
          typeof input.description === 'string'
            ? await v2.issues.createIssue({ fields: { ...fields, description: input.description } })
            : await v3.issues.createIssue({ fields: { ...fields, description: input.description as never } });
        return { id: String(created.id), key: String(created.key) };
      }),

    myPermissions: (projectKey, keys) =>
      call(`GET mypermissions ${projectKey}`, async () => {
        const res = await v2.permissions.getMyPermissions({ projectKey, permissions: keys.join(',') });
        const granted = (res.permissions ?? {}) as Record<string, { havePermission?: boolean } | undefined>;
        const held: Record<string, boolean> = {};
        for (const key of keys) held[key] = Boolean(granted[key]?.havePermission);
        return held;
      }),

    projectStatuses: (projectKey) =>
      call(`GET project ${projectKey} statuses`, async () => {
        const types = await v2.projects.getAllStatuses(projectKey);
        return types.map((t) => ({ issueType: t.name ?? '', statuses: (t.statuses ?? []).map((s) => s.name ?? '') }));
      }),

    fields: () =>
      call('GET fields', async () =>
        (await v2.issueFields.getFields()).map((f) => ({
          id: f.id ?? '',
          name: f.name ?? '',
          type: f.schema?.type ?? 'unknown',
        })),
      ),

    groupSize: (group) =>
      call(`GET group ${group} members`, async () => {
        const page = await v2.groups.getUsersFromGroup({ groupname: group, maxResults: 1 });
        return page.total ?? page.values?.length ?? 0;
      }),

    async getApprovals(idOrKey) {
      // The servicedeskapi pages with start/limit and says isLastPage. Approvals are not an
      // experimental endpoint (jira.js, generated from the current spec, sends no X-ExperimentalApi).
      const all: JsmApproval[] = [];
      for (let start = 0; ; start += PAGE) {
        const page = await call(`GET approvals ${idOrKey}`, () =>
          sd.request.getApprovals({ issueIdOrKey: idOrKey, start, limit: PAGE }),
        );
        const values = (page.values ?? []) as unknown as JsmApproval[];
        all.push(...values);
        if (page.isLastPage !== false || values.length === 0) return all;
      }
    },
  };
}

/** Maps a failed jira.js call to an error kind: its HttpException holds the status, the axios error its cause. */
export function toCredgateError(what: string, err: unknown): CredgateError {
  if (err instanceof CredgateError) return err;
  const e = err as {
    status?: number;
    cause?: { response?: { headers?: unknown; data?: unknown } };
    response?: { headers?: unknown };
    code?: string;
  };
  return failureOf(
    {
      status: typeof e?.status === 'number' ? e.status : undefined,
      headers: e?.cause?.response?.headers ?? e?.response?.headers,
      data: e?.cause?.response?.data,
      code: e?.code,
    },
    { system: 'Jira', what, detail: jiraMessage, authHint: 'check JIRA_EMAIL, the API token and its permissions' },
  );
}

/**
 * Jira's own error text, cut short: it is for logs, never for comments. The platform API answers
 * {errorMessages, errors}; the servicedeskapi answers {errorMessage, i18nErrorMessage}.
 */
function jiraMessage(data: unknown): string {
  if (!data || typeof data !== 'object') return '';
  const d = data as { errorMessages?: unknown[]; errors?: Record<string, unknown>; errorMessage?: unknown };
  const parts = [
    ...(d.errorMessages ?? []),
    ...Object.entries(d.errors ?? {}).map(([k, v]) => `${k}: ${v}`),
    ...(typeof d.errorMessage === 'string' ? [d.errorMessage] : []),
  ];
  return parts.map(String).join('; ').slice(0, 300);
}
