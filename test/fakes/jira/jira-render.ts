/** Renders the fake's state as Jira's REST API (v2 or v3) and webhooks show it. */
import type { ApiVersion } from './contract-validator';
import type { IssueState, JiraState } from './jira-state';
import type { ChangelogHistory, FakeComment } from './types';
import { richText } from './jira-format';

const CATEGORIES = {
  new: { id: 2, key: 'new', colorName: 'blue-gray', name: 'To Do' },
  indeterminate: { id: 4, key: 'indeterminate', colorName: 'yellow', name: 'In Progress' },
  done: { id: 3, key: 'done', colorName: 'green', name: 'Done' },
} as const;

function api(state: JiraState, version: ApiVersion): string {
  return `${state.baseUrl}/rest/api/${version}`;
}

function avatarUrls(accountId: string): Record<string, string> {
  const base = `https://avatar-management.example.invalid/${encodeURIComponent(accountId)}`;
  return { '48x48': `${base}?s=48`, '24x24': `${base}?s=24`, '16x16': `${base}?s=16`, '32x32': `${base}?s=32` };
}

/** A user as Cloud shows it; `name`/`key` only for users with a DC username. */
export function userJson(state: JiraState, accountId: string, version: ApiVersion = 2): Record<string, unknown> {
  const user = state.user(accountId);
  const out: Record<string, unknown> = {
    self: `${api(state, version)}/user?accountId=${encodeURIComponent(accountId)}`,
  };
  if (user?.name) Object.assign(out, { name: user.name, key: user.name });
  out.accountId = accountId;
  if (user?.emailAddress) out.emailAddress = user.emailAddress;
  Object.assign(out, {
    avatarUrls: avatarUrls(accountId),
    displayName: user?.displayName ?? accountId,
    active: user !== undefined,
    timeZone: 'Etc/UTC',
    accountType: 'atlassian',
  });
  return out;
}

export function statusCategoryJson(state: JiraState, status: string, version: ApiVersion = 2): Record<string, unknown> {
  const category = CATEGORIES[state.statusCategory(status)];
  return { self: `${api(state, version)}/statuscategory/${category.id}`, ...category };
}

export function statusJson(state: JiraState, status: string, version: ApiVersion = 2): Record<string, unknown> {
  const id = state.statusId(status);
  return {
    self: `${api(state, version)}/status/${id}`,
    description: '',
    iconUrl: `${state.baseUrl}/images/icons/statuses/generic.png`,
    name: status,
    id,
    statusCategory: statusCategoryJson(state, status, version),
  };
}

export function issueTypeJson(state: JiraState, name: string, version: ApiVersion = 2): Record<string, unknown> {
  const id = state.issueTypeId(name);
  return {
    self: `${api(state, version)}/issuetype/${id}`,
    id,
    description: '',
    iconUrl: `${state.baseUrl}/images/icons/issuetypes/task.svg`,
    name,
    subtask: false,
    avatarId: 10318,
  };
}

export function projectJson(state: JiraState, key: string, version: ApiVersion = 2): Record<string, unknown> {
  const project = state.ensureProject(key);
  return {
    self: `${api(state, version)}/project/${project.id}`,
    id: project.id,
    key: project.key,
    name: project.name,
    projectTypeKey: 'service_desk',
    simplified: false,
  };
}

export function priorityJson(state: JiraState, version: ApiVersion = 2): Record<string, unknown> {
  return {
    self: `${api(state, version)}/priority/3`,
    iconUrl: `${state.baseUrl}/images/icons/priorities/medium.svg`,
    name: 'Medium',
    id: '3',
  };
}

/** JSM keeps a comment from the customer when its sd.public.comment property says {internal: true}. */
export function isPublic(comment: FakeComment): boolean {
  const visibility = comment.properties?.find((p) => p.key === 'sd.public.comment')?.value as
    | { internal?: unknown }
    | undefined;
  return visibility?.internal !== true;
}

export function commentJson(
  state: JiraState,
  issue: IssueState,
  comment: FakeComment,
  version: ApiVersion,
): Record<string, unknown> {
  return {
    self: `${api(state, version)}/issue/${issue.id}/comment/${comment.id}`,
    id: comment.id,
    author: userJson(state, comment.author.accountId, version),
    body: richText(comment.body, version),
    updateAuthor: userJson(state, comment.author.accountId, version),
    created: comment.created,
    updated: comment.updated,
    jsdPublic: isPublic(comment),
  };
}

export function historyJson(state: JiraState, history: ChangelogHistory, version: ApiVersion): Record<string, unknown> {
  return {
    id: history.id,
    author: userJson(state, history.author.accountId, version),
    created: history.created,
    items: history.items,
  };
}

/** Every field of the issue (what `fields=*all` returns). */
export function allFields(state: JiraState, issue: IssueState, version: ApiVersion): Record<string, unknown> {
  const user = (id: string | null): unknown => (id === null ? null : userJson(state, id, version));
  const fields: Record<string, unknown> = {
    statuscategorychangedate: issue.statusCategoryChanged,
    issuetype: issueTypeJson(state, issue.issueType, version),
    project: projectJson(state, issue.projectKey, version),
    resolution: null,
    resolutiondate: null,
    created: issue.created,
    updated: issue.updated,
    priority: priorityJson(state, version),
    labels: [...issue.labels],
    assignee: user(issue.assigneeId),
    status: statusJson(state, issue.status, version),
    description: richText(issue.description, version),
    summary: issue.summary,
    creator: user(issue.creatorId),
    reporter: user(issue.reporterId),
    comment: {
      comments: issue.comments.map((c) => commentJson(state, issue, c, version)),
      self: `${api(state, version)}/issue/${issue.id}/comment`,
      maxResults: issue.comments.length,
      total: issue.comments.length,
      startAt: 0,
    },
  };
  for (const [id, value] of Object.entries(issue.extra)) fields[id] = value;
  return fields;
}

/**
 * The fields selected by a `fields` parameter (Jira's rules, loosely): `*all`/`*navigable` for
 * everything (navigable leaves out the comment), names to include, `-name` to exclude.
 */
export function selectFields(
  all: Record<string, unknown>,
  wanted: string[] | undefined,
  fallback: string[],
): Record<string, unknown> {
  const list = wanted && wanted.length > 0 ? wanted : fallback;
  const includes = list.filter((f) => !f.startsWith('-'));
  const excludes = new Set(list.filter((f) => f.startsWith('-')).map((f) => f.slice(1)));
  let keys: string[];
  if (includes.includes('*all')) keys = Object.keys(all);
  else if (includes.includes('*navigable')) keys = Object.keys(all).filter((k) => k !== 'comment');
  else keys = includes.filter((k) => k in all);
  const out: Record<string, unknown> = {};
  for (const key of keys) if (!excludes.has(key)) out[key] = all[key];
  return out;
}

/** How many histories Jira Cloud puts in an issue's `expand=changelog`. */
export const CHANGELOG_EXPAND_LIMIT = 100;

export interface IssueRenderOptions {
  fields?: string[];
  defaultFields?: string[];
  expand?: string[];
}

export function issueJson(
  state: JiraState,
  issue: IssueState,
  version: ApiVersion,
  options: IssueRenderOptions = {},
): Record<string, unknown> {
  const out: Record<string, unknown> = {
    expand: 'renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations',
    id: issue.id,
    self: `${api(state, version)}/issue/${issue.id}`,
    key: issue.key,
    fields: selectFields(allFields(state, issue, version), options.fields, options.defaultFields ?? ['*all']),
  };
  if (options.expand?.includes('changelog')) {
    // Jira Cloud lists the newest histories first here (unlike GET .../changelog), at most 100 of
    // them, with the full count in `total`: a longer history is paged through GET .../changelog.
    const histories = [...issue.histories].reverse().slice(0, CHANGELOG_EXPAND_LIMIT);
    out.changelog = {
      startAt: 0,
      maxResults: histories.length,
      total: issue.histories.length,
      histories: histories.map((h) => historyJson(state, h, version)),
    };
  }
  return out;
}

/** The issue as a webhook shows it: v2 representation, all fields. */
export function webhookIssueJson(state: JiraState, issue: IssueState): Record<string, unknown> {
  const { comment: _comment, ...fields } = allFields(state, issue, 2);
  return { id: issue.id, self: `${api(state, 2)}/issue/${issue.id}`, key: issue.key, fields };
}

/** comment_created carries a slim issue (see fixtures/jira-cloud/comment_created.json). */
export function slimIssueJson(state: JiraState, issue: IssueState): Record<string, unknown> {
  const all = allFields(state, issue, 2);
  const fields: Record<string, unknown> = {};
  for (const key of ['summary', 'issuetype', 'project', 'assignee', 'priority', 'status']) fields[key] = all[key];
  return { id: issue.id, self: `${api(state, 2)}/issue/${issue.id}`, key: issue.key, fields };
}
