/**
 * One handler per contract operation (keyed by operationId). Requests reach a handler only after
 * auth and the contract checks passed (see fake-jira.ts), so handlers deal with Jira's semantics:
 * unknown issues, workflow, JQL, pagination.
 */
import type { ApiVersion } from './contract-validator';
import type { IssueState, JiraState, Mutation } from './jira-state';
import { commentJson, historyJson, issueJson, statusJson, userJson } from './jira-render';
import { searchIssues } from './jira-search';
import { JqlError } from './jql';
import { jiraError, plainText } from './jira-format';
import { serviceDeskHandlers } from './servicedesk-handlers';
import { doctorHandlers } from './doctor-handlers';

export interface RestContext {
  version: ApiVersion;
  pathParams: Record<string, string>;
  query: Record<string, string | string[]>;
  body: unknown;
  state: JiraState;
  fieldNames: Record<string, string>;
  /** A mutation made through REST (delivered as a webhook only with echoOwnEvents). */
  emit(mutation: Mutation): void;
  /** A request Jira would reject as malformed: recorded as a contract violation. */
  violation(message: string): void;
}

export interface RestResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

type Handler = (ctx: RestContext) => RestResult;

const COMMENT_LIMIT = 32_767;

const NO_ISSUE: RestResult = {
  status: 404,
  body: jiraError(['Issue does not exist or you do not have permission to see it.']),
};

function one(ctx: RestContext, name: string): string | undefined {
  const v = ctx.query[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Array parameters arrive repeated (fields=a&fields=b) or comma-separated (fields=a,b). */
function list(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const parts = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(','));
  return parts.map((p) => p.trim()).filter(Boolean);
}

function int(value: unknown, fallback: number): number {
  return value === undefined || value === null || value === '' ? fallback : Number(value);
}

function withIssue(fn: (ctx: RestContext, issue: IssueState) => RestResult): Handler {
  return (ctx) => {
    const issue = ctx.state.findIssue(ctx.pathParams.issueIdOrKey ?? '');
    return issue ? fn(ctx, issue) : NO_ISSUE;
  };
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/**
 * Applies a `fields` + `update` pair (edit, transition screen). `update.comment: [{add: {body}}]`
 * adds a comment; other update operations are set/add/remove on the field's value.
 */
function applyUpdate(
  ctx: RestContext,
  issue: IssueState,
  body: Record<string, unknown>,
): { fields: Record<string, unknown>; comments: unknown[] } {
  const fields: Record<string, unknown> = { ...record(body.fields) };
  const comments: unknown[] = [];
  for (const [fieldId, ops] of Object.entries(record(body.update))) {
    for (const op of Array.isArray(ops) ? ops.map(record) : []) {
      if (fieldId === 'comment' && 'add' in op) {
        comments.push(record(op.add).body);
        continue;
      }
      const current = fieldId in fields ? fields[fieldId] : ctx.state.fieldValue(issue, fieldId);
      if ('set' in op) fields[fieldId] = op.set;
      else if ('add' in op) fields[fieldId] = [...(Array.isArray(current) ? current : []), op.add];
      else if ('remove' in op)
        fields[fieldId] = (Array.isArray(current) ? current : []).filter(
          (v) => JSON.stringify(v) !== JSON.stringify(op.remove),
        );
    }
  }
  return { fields, comments };
}

/** Jira answers bad JQL with 400; recorded as a violation because credgate sent a query Jira rejects. */
function jqlRejected(ctx: RestContext, error: JqlError): RestResult {
  ctx.violation(`JQL rejected: ${error.message}`);
  return { status: 400, body: jiraError([error.message]) };
}

function searchResult(
  ctx: RestContext,
  jql: string,
  startAt: number,
  maxResults: number,
  fields: string[] | undefined,
  expand: string[] | undefined,
): RestResult {
  try {
    const found = searchIssues(ctx.state, jql, ctx.fieldNames);
    const page = found.slice(startAt, startAt + maxResults);
    const issues = page.map((i) =>
      issueJson(ctx.state, i, ctx.version, { fields, defaultFields: ['*navigable'], expand }),
    );
    return { status: 200, body: { expand: 'schema,names', startAt, maxResults, total: found.length, issues } };
  } catch (error) {
    if (error instanceof JqlError) return jqlRejected(ctx, error);
    throw error;
  }
}

function enhancedSearch(ctx: RestContext, params: Record<string, unknown>): RestResult {
  const start =
    params.nextPageToken === undefined ? 0 : Number(Buffer.from(String(params.nextPageToken), 'base64url').toString());
  if (!Number.isInteger(start) || start < 0) return { status: 400, body: jiraError(['The nextPageToken is invalid.']) };
  const maxResults = Math.min(int(params.maxResults, 50), 5000);
  try {
    const found = searchIssues(ctx.state, String(params.jql), ctx.fieldNames);
    const page = found.slice(start, start + maxResults);
    // The enhanced search returns only issue ids unless fields are asked for.
    const fields = list(params.fields);
    const issues = page.map((i) =>
      fields ? issueJson(ctx.state, i, ctx.version, { fields, expand: list(params.expand) }) : { id: i.id },
    );
    const isLast = start + maxResults >= found.length;
    const body: Record<string, unknown> = { issues, isLast };
    if (!isLast) body.nextPageToken = Buffer.from(String(start + maxResults)).toString('base64url');
    return { status: 200, body };
  } catch (error) {
    if (error instanceof JqlError) return jqlRejected(ctx, error);
    throw error;
  }
}

/** The transitions available from the issue's status, as GET .../transitions and expand=transitions list them. */
function transitionsJson(ctx: RestContext, issue: IssueState, only?: string): unknown[] {
  return ctx.state
    .availableTransitions(issue.status)
    .filter((t) => only === undefined || t.id === only)
    .map((t) => ({
      id: t.id,
      name: t.to,
      to: statusJson(ctx.state, t.to, ctx.version),
      hasScreen: false,
      isGlobal: ctx.state.globalWorkflow,
      isInitial: false,
      isAvailable: true,
      isConditional: false,
      isLooped: false,
    }));
}

export const handlers: Record<string, Handler> = {
  getCurrentUser: (ctx) => ({
    status: 200,
    body: {
      ...userJson(ctx.state, ctx.state.serviceAccountId, ctx.version),
      locale: 'en_US',
      groups: { size: ctx.state.user(ctx.state.serviceAccountId)?.groups.length ?? 0, items: [] },
      applicationRoles: { size: 1, items: [] },
      expand: 'groups,applicationRoles',
    },
  }),

  getIssue: withIssue((ctx, issue) => {
    const expand = list(ctx.query.expand);
    const body = issueJson(ctx.state, issue, ctx.version, { fields: list(ctx.query.fields), expand });
    // expand=transitions: the transitions GET .../transitions would list, inside the issue.
    if (expand?.includes('transitions')) body.transitions = transitionsJson(ctx, issue);
    return { status: 200, body };
  }),

  editIssue: withIssue((ctx, issue) => {
    const { fields, comments } = applyUpdate(ctx, issue, record(ctx.body));
    const mutation = ctx.state.edit(ctx.state.serviceAccountId, issue, fields);
    if (mutation) ctx.emit(mutation);
    for (const body of comments) ctx.emit(ctx.state.comment(ctx.state.serviceAccountId, issue, body));
    return { status: 204 };
  }),

  getChangeLogs: withIssue((ctx, issue) => {
    const startAt = int(one(ctx, 'startAt'), 0);
    const maxResults = int(one(ctx, 'maxResults'), 100);
    const values = issue.histories
      .slice(startAt, startAt + maxResults)
      .map((h) => historyJson(ctx.state, h, ctx.version));
    return {
      status: 200,
      body: {
        self: `${ctx.state.baseUrl}/rest/api/${ctx.version}/issue/${issue.key}/changelog?maxResults=${maxResults}&startAt=${startAt}`,
        maxResults,
        startAt,
        total: issue.histories.length,
        isLast: startAt + maxResults >= issue.histories.length,
        values,
      },
    };
  }),

  getComments: withIssue((ctx, issue) => {
    const startAt = int(one(ctx, 'startAt'), 0);
    const maxResults = int(one(ctx, 'maxResults'), 50);
    const ordered = one(ctx, 'orderBy') === '-created' ? [...issue.comments].reverse() : issue.comments;
    const comments = ordered
      .slice(startAt, startAt + maxResults)
      .map((c) => commentJson(ctx.state, issue, c, ctx.version));
    return { status: 200, body: { startAt, maxResults, total: issue.comments.length, comments } };
  }),

  addComment: withIssue((ctx, issue) => {
    const { body, properties } = record(ctx.body);
    // Jira's text-field limit (jira.text.field.character.limit, 32,767 by default); for ADF the
    // text it holds is measured, which is what the limit counts.
    const length = (plainText(body) ?? '').length;
    if (length > COMMENT_LIMIT) {
      ctx.violation(`addComment: a comment of ${length} characters exceeds Jira's limit of ${COMMENT_LIMIT}`);
      return {
        status: 400,
        body: jiraError([], {
          comment: `The entered text is too long. It exceeds the allowed limit of ${COMMENT_LIMIT.toLocaleString('en-US')} characters.`,
        }),
      };
    }
    // The contract checked the shape ([{key, value}]); JSM reads sd.public.comment from it.
    const mutation = ctx.state.comment(
      ctx.state.serviceAccountId,
      issue,
      body,
      Array.isArray(properties) ? (properties as { key: string; value: unknown }[]) : undefined,
    );
    ctx.emit(mutation);
    return { status: 201, body: commentJson(ctx.state, issue, mutation.comment, ctx.version) };
  }),

  getTransitions: withIssue((ctx, issue) => ({
    status: 200,
    body: { expand: 'transitions', transitions: transitionsJson(ctx, issue, one(ctx, 'transitionId')) },
  })),

  doTransition: withIssue((ctx, issue) => {
    const body = record(ctx.body);
    const id = String(record(body.transition).id);
    const transition = ctx.state.availableTransitions(issue.status).find((t) => t.id === id);
    if (!transition) return { status: 400, body: jiraError([`Transition id '${id}' is not valid for this issue.`]) };
    const { fields, comments } = applyUpdate(ctx, issue, body);
    const items = ctx.state.applyFields(issue, fields);
    ctx.emit(ctx.state.transition(ctx.state.serviceAccountId, issue, transition.to, items));
    for (const comment of comments) ctx.emit(ctx.state.comment(ctx.state.serviceAccountId, issue, comment));
    return { status: 204 };
  }),

  getUserGroups: (ctx) => {
    const by = { accountId: one(ctx, 'accountId'), username: one(ctx, 'username'), key: one(ctx, 'key') };
    const user = ctx.state.findUser(by);
    if (!user) {
      const who = by.accountId !== undefined ? `accountId '${by.accountId}'` : `username '${by.username ?? by.key}'`;
      return { status: 404, body: jiraError([`The user with ${who} does not exist.`]) };
    }
    return { status: 200, body: user.groups.map((name) => groupRef(ctx, name)) };
  },

  getUser: (ctx) => {
    const by = { accountId: one(ctx, 'accountId'), username: one(ctx, 'username'), key: one(ctx, 'key') };
    const user = ctx.state.findUser(by);
    if (!user)
      return {
        status: 404,
        body: jiraError([`The user named '${by.accountId ?? by.username ?? by.key}' does not exist.`]),
      };
    const expand = list(ctx.query.expand) ?? [];
    const groups = user.groups.map((name) => groupRef(ctx, name));
    return {
      status: 200,
      body: {
        ...userJson(ctx.state, user.accountId, ctx.version),
        locale: 'en_US',
        groups: { size: groups.length, items: expand.includes('groups') ? groups : [] },
        applicationRoles: { size: 1, items: [] },
        expand: 'groups,applicationRoles',
      },
    };
  },

  getUsersFromGroup: (ctx) => {
    const wanted = one(ctx, 'groupname') ?? one(ctx, 'groupId');
    const name = ctx.state.groupNames().find((g) => g === wanted || groupId(g) === wanted);
    if (name === undefined) return { status: 404, body: jiraError([`The group '${wanted}' does not exist.`]) };
    const startAt = int(one(ctx, 'startAt'), 0);
    const maxResults = int(one(ctx, 'maxResults'), 50);
    const members = ctx.state.members(name);
    const values = members
      .slice(startAt, startAt + maxResults)
      .map((u) => userJson(ctx.state, u.accountId, ctx.version));
    const isLast = startAt + maxResults >= members.length;
    const self = `${ctx.state.baseUrl}/rest/api/${ctx.version}/group/member?groupId=${groupId(name)}&includeInactiveUsers=false&maxResults=${maxResults}&startAt=${startAt}`;
    const body: Record<string, unknown> = { self, maxResults, startAt, total: members.length, isLast, values };
    if (!isLast) body.nextPage = self.replace(/startAt=\d+/, `startAt=${startAt + maxResults}`);
    return { status: 200, body };
  },

  searchForIssuesUsingJql: (ctx) =>
    searchResult(
      ctx,
      one(ctx, 'jql') ?? '',
      int(one(ctx, 'startAt'), 0),
      Math.min(int(one(ctx, 'maxResults'), 50), 100),
      list(ctx.query.fields),
      list(ctx.query.expand),
    ),

  searchForIssuesUsingJqlPost: (ctx) => {
    const b = record(ctx.body);
    return searchResult(
      ctx,
      typeof b.jql === 'string' ? b.jql : '',
      int(b.startAt, 0),
      Math.min(int(b.maxResults, 50), 100),
      list(b.fields),
      list(b.expand),
    );
  },

  searchAndReconsileIssuesUsingJql: (ctx) =>
    enhancedSearch(ctx, {
      ...ctx.query,
      jql: one(ctx, 'jql'),
      nextPageToken: one(ctx, 'nextPageToken'),
      maxResults: one(ctx, 'maxResults'),
    }),

  searchAndReconsileIssuesUsingJqlPost: (ctx) => enhancedSearch(ctx, record(ctx.body)),

  createIssue: (ctx) => {
    const fields = { ...record(record(ctx.body).fields) };
    const project = record(fields.project);
    const issueType = record(fields.issuetype);
    const projectKey =
      typeof project.key === 'string'
        ? project.key
        : typeof project.id === 'string'
          ? ctx.state.project(project.id)?.key
          : undefined;
    const typeName =
      typeof issueType.name === 'string'
        ? issueType.name
        : typeof issueType.id === 'string'
          ? ctx.state.issueTypeById(issueType.id)
          : undefined;
    const errors: Record<string, string> = {};
    if (!projectKey || !ctx.state.project(projectKey)) errors.project = 'valid project is required';
    if (!typeName) errors.issuetype = 'valid issue type is required';
    if (typeof fields.summary !== 'string' || fields.summary.trim() === '')
      errors.summary = 'You must specify a summary of the issue.';
    if (Object.keys(errors).length > 0 || !projectKey || !typeName) {
      ctx.violation(`createIssue: ${JSON.stringify(errors)}`);
      return { status: 400, body: jiraError([], errors) };
    }
    const reporterId =
      fields.reporter === undefined
        ? undefined
        : String(record(fields.reporter).accountId ?? record(fields.reporter).id ?? '');
    const { project: _p, issuetype: _t, summary, description, labels, reporter: _r, ...rest } = fields;
    const mutation = ctx.state.createIssue(ctx.state.serviceAccountId, {
      project: projectKey,
      issueType: typeName,
      summary: String(summary),
      description,
      labels: Array.isArray(labels) ? labels.map(String) : [],
      fields: rest,
      reporterId,
    });
    ctx.emit(mutation);
    return {
      status: 201,
      body: {
        id: mutation.issue.id,
        key: mutation.issue.key,
        self: `${ctx.state.baseUrl}/rest/api/${ctx.version}/issue/${mutation.issue.id}`,
      },
    };
  },

  ...serviceDeskHandlers,
  ...doctorHandlers,
};

/** A stable, UUID-shaped id per group name (Cloud identifies groups by groupId). */
export function groupId(name: string): string {
  let h = 0x811c9dc5;
  const hex: string[] = [];
  for (let round = 0; round < 4; round++) {
    for (const ch of `${round}:${name}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    hex.push(h.toString(16).padStart(8, '0'));
  }
  const s = hex.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

function groupRef(ctx: RestContext, name: string): Record<string, string> {
  return {
    name,
    groupId: groupId(name),
    self: `${ctx.state.baseUrl}/rest/api/${ctx.version}/group?groupId=${groupId(name)}`,
  };
}
