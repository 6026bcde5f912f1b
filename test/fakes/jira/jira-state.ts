/**
 * The fake Jira's in-memory state: users, groups, workflow, projects and issues. Mutations return a
 * `Mutation` describing what happened, from which the fake builds webhook deliveries.
 */
import type {
  ChangelogHistory,
  ChangelogItem,
  CreateIssueInput,
  FakeComment,
  FakeJiraOptions,
  FakeUser,
  StatusCategoryKey,
  UserRef,
} from './types';
import { jiraTime, plainText } from './jira-format';
import { accountIdOf, changeItem, jiraItem } from './changelog-items';
import { ServiceDeskState } from './service-desk-state';

export { displayString } from './changelog-items';

export interface IssueState {
  id: string;
  key: string;
  projectKey: string;
  issueType: string;
  status: string;
  summary: string;
  /** string, ADF document or null, as last written. */
  description: unknown;
  labels: string[];
  reporterId: string;
  creatorId: string;
  assigneeId: string | null;
  /** Every other field (customfield_*, priority, ...), as written. */
  extra: Record<string, unknown>;
  created: string;
  updated: string;
  statusCategoryChanged: string;
  comments: FakeComment[];
  histories: ChangelogHistory[];
}

export type Mutation =
  | { kind: 'created'; issue: IssueState; actorId: string; changelog: { id: string; items: ChangelogItem[] } }
  | {
      kind: 'updated';
      issue: IssueState;
      actorId: string;
      history: ChangelogHistory;
      eventType: 'issue_generic' | 'issue_updated';
    }
  | { kind: 'commented'; issue: IssueState; comment: FakeComment };

/** createIssue's input; REST creates may carry an ADF description and a reporter. */
export type NewIssue = Omit<CreateIssueInput, 'description'> & { description?: unknown; reporterId?: string };

export interface Project {
  id: string;
  key: string;
  name: string;
}

/** Thrown by control-API misuse (unknown user, issue, status): a bug in the test, not in credgate. */
export class FakeSetupError extends Error {}

const DONE_NAMES = /^(done|closed|resolved|declined|rejected|cancell?ed|won't do|access revoked)$/i;

export class JiraState {
  baseUrl = 'http://127.0.0.1';
  readonly issues: IssueState[] = [];
  readonly projects: Project[] = [];
  /** Jira Service Management approvals (options.approvalStep). */
  readonly serviceDesk: ServiceDeskState;
  private readonly issueTypes: string[] = [];
  private readonly statusCategories: Record<string, StatusCategoryKey>;
  private readonly declaredGroups: string[];
  private nextIssueId = 10000;
  private nextCommentId = 10000;
  private nextHistoryId = 10100;
  private readonly counters = new Map<string, number>();

  constructor(private readonly options: FakeJiraOptions) {
    if (options.statuses.length === 0) throw new FakeSetupError('FakeJira needs at least one status');
    this.statusCategories = {};
    options.statuses.forEach((name, i) => {
      this.statusCategories[name] =
        options.statusCategories?.[name] ?? (i === 0 ? 'new' : DONE_NAMES.test(name) ? 'done' : 'indeterminate');
    });
    this.declaredGroups = options.groups ?? [];
    this.serviceDesk = new ServiceDeskState(options.approvalStep, () => this.now());
    for (const key of options.projects ?? []) this.ensureProject(key);
    for (const name of options.issueTypes ?? []) this.issueTypeId(name);
  }

  /** Every issue type known so far (declared or used), in order of first appearance. */
  knownIssueTypes(): string[] {
    return [...this.issueTypes];
  }

  /** The workflow's statuses, in order (one workflow for every project and issue type). */
  get statusNames(): string[] {
    return [...this.options.statuses];
  }

  /** Whether the service account holds a project permission (GET /mypermissions). */
  botHolds(permission: string): boolean {
    return this.options.botPermissions === undefined || this.options.botPermissions.includes(permission);
  }

  /** Custom fields as GET /field lists them: the ids of `fieldNames`, typed by `fieldTypes`. */
  customFields(): Array<{ id: string; name: string; type: string }> {
    return Object.entries(this.options.fieldNames ?? {}).map(([id, name]) => ({
      id,
      name,
      type: this.options.fieldTypes?.[id] ?? 'string',
    }));
  }

  /** True when every status may move to every other one (no `transitions` option). */
  get globalWorkflow(): boolean {
    return this.options.transitions === undefined;
  }

  now(): Date {
    return this.options.now ? this.options.now() : new Date();
  }

  get serviceAccountId(): string {
    return this.options.serviceAccountId;
  }

  // ---- users and groups ---------------------------------------------------------------------

  /** The user with that accountId; the service account exists even when not listed in `users`. */
  user(accountId: string): FakeUser | undefined {
    const found = this.options.users.find((u) => u.accountId === accountId);
    if (found || accountId !== this.options.serviceAccountId) return found;
    return { accountId, displayName: 'credgate', groups: [] };
  }

  requireUser(accountId: string): FakeUser {
    const found = this.user(accountId);
    if (!found) throw new FakeSetupError(`FakeJira: unknown user '${accountId}'`);
    return found;
  }

  findUser(by: { accountId?: string; username?: string; key?: string }): FakeUser | undefined {
    if (by.accountId !== undefined) return this.user(by.accountId);
    const name = by.username ?? by.key;
    return this.options.users.find((u) => u.name !== undefined && u.name === name);
  }

  userRef(accountId: string): UserRef {
    const user = this.user(accountId);
    return { accountId, displayName: user?.displayName ?? accountId };
  }

  groupNames(): string[] {
    const all = new Set(this.declaredGroups);
    for (const user of this.options.users) for (const g of user.groups) all.add(g);
    return [...all];
  }

  members(group: string): FakeUser[] {
    return this.options.users.filter((u) => u.groups.includes(group));
  }

  // ---- workflow -------------------------------------------------------------------------------

  /** The configured spelling of a status name (Jira matches names case-insensitively). */
  statusName(name: string): string | undefined {
    return this.options.statuses.find((s) => s.toLowerCase() === name.toLowerCase());
  }

  statusId(name: string): string {
    return String(10000 + this.options.statuses.indexOf(name));
  }

  statusById(id: string): string | undefined {
    return this.options.statuses.find((s) => this.statusId(s) === id);
  }

  statusCategory(name: string): StatusCategoryKey {
    return this.statusCategories[name] ?? 'indeterminate';
  }

  /** Global-transition style: the transition into a status has the same id from every status. */
  transitionId(target: string): string {
    return String(11 + 10 * this.options.statuses.indexOf(target));
  }

  availableTransitions(from: string): Array<{ id: string; to: string }> {
    const targets = this.options.transitions
      ? (this.options.transitions[from] ?? [])
      : this.options.statuses.filter((s) => s !== from);
    return targets
      .map((t) => this.statusName(t))
      .filter((t): t is string => t !== undefined)
      .map((to) => ({ id: this.transitionId(to), to }));
  }

  // ---- projects and issue types --------------------------------------------------------------

  project(keyOrId: string): Project | undefined {
    const wanted = keyOrId.toUpperCase();
    return this.projects.find((p) => p.key === wanted || p.id === keyOrId);
  }

  ensureProject(key: string): Project {
    const existing = this.project(key);
    if (existing) return existing;
    const project = { id: String(10000 + this.projects.length), key: key.toUpperCase(), name: key.toUpperCase() };
    this.projects.push(project);
    return project;
  }

  issueTypeId(name: string): string {
    if (!this.issueTypes.includes(name)) this.issueTypes.push(name);
    return String(10001 + this.issueTypes.indexOf(name));
  }

  issueTypeById(id: string): string | undefined {
    return this.issueTypes.find((t) => this.issueTypeId(t) === id);
  }

  // ---- issues --------------------------------------------------------------------------------

  findIssue(idOrKey: string): IssueState | undefined {
    const wanted = idOrKey.toUpperCase();
    return this.issues.find((i) => i.key === wanted || i.id === idOrKey);
  }

  requireIssue(idOrKey: string): IssueState {
    const issue = this.findIssue(idOrKey);
    if (!issue) throw new FakeSetupError(`FakeJira: unknown issue '${idOrKey}'`);
    return issue;
  }

  createIssue(actorId: string, input: NewIssue): Extract<Mutation, { kind: 'created' }> {
    this.requireUser(actorId);
    const project = this.ensureProject(input.project);
    const status = input.status === undefined ? this.options.statuses[0] : this.statusName(input.status);
    if (status === undefined) throw new FakeSetupError(`FakeJira: unknown status '${input.status}'`);
    const reporterId = input.reporterId ?? actorId;
    const number = (this.counters.get(project.key) ?? 0) + 1;
    this.counters.set(project.key, number);
    const now = jiraTime(this.now());
    this.issueTypeId(input.issueType);
    const issue: IssueState = {
      id: String(this.nextIssueId++),
      key: `${project.key}-${number}`,
      projectKey: project.key,
      issueType: input.issueType,
      status,
      summary: input.summary,
      description: input.description ?? null,
      labels: [...(input.labels ?? [])],
      reporterId,
      creatorId: actorId,
      assigneeId: null,
      extra: { ...(input.fields ?? {}) },
      created: now,
      updated: now,
      statusCategoryChanged: now,
      comments: [],
      histories: [],
    };
    this.issues.push(issue);
    this.serviceDesk.entered(issue.id, status);
    // Jira Cloud sends a changelog with jira:issue_created (see fixtures/jira-cloud/issue_created.json);
    // it is not part of the issue's history.
    const items: ChangelogItem[] = [];
    const description = plainText(issue.description);
    if (description !== null) items.push(jiraItem('description', null, null, null, description));
    items.push(jiraItem('reporter', null, null, reporterId, this.userRef(reporterId).displayName));
    items.push({ ...jiraItem('status', null, null, this.statusId(status), status), field: 'Status' });
    items.push(jiraItem('summary', null, null, null, issue.summary));
    return { kind: 'created', issue, actorId, changelog: { id: String(this.nextHistoryId++), items } };
  }

  /** Moves the issue; `extraItems` (from fields set on the transition screen) join the same history. */
  transition(actorId: string, issue: IssueState, target: string, extraItems: ChangelogItem[] = []): Mutation {
    const from = issue.status;
    issue.status = target;
    this.serviceDesk.entered(issue.id, target);
    const now = jiraTime(this.now());
    if (this.statusCategory(from) !== this.statusCategory(target)) issue.statusCategoryChanged = now;
    const items = [...extraItems, jiraItem('status', this.statusId(from), from, this.statusId(target), target)];
    return { kind: 'updated', issue, actorId, history: this.record(actorId, issue, items), eventType: 'issue_generic' };
  }

  /** Sets fields; returns the changelog items (empty when nothing changed). Unknown system fields land in `extra`. */
  applyFields(issue: IssueState, fields: Record<string, unknown>): ChangelogItem[] {
    const items: ChangelogItem[] = [];
    for (const [fieldId, value] of Object.entries(fields)) {
      const before = this.fieldValue(issue, fieldId);
      const userField = fieldId === 'assignee' || fieldId === 'reporter';
      if (JSON.stringify(before) === JSON.stringify(userField ? accountIdOf(value) : (value ?? null))) continue;
      if (fieldId === 'summary') issue.summary = String(value ?? '');
      else if (fieldId === 'description') issue.description = value ?? null;
      else if (fieldId === 'labels') issue.labels = Array.isArray(value) ? value.map(String) : [];
      else if (fieldId === 'assignee') issue.assigneeId = accountIdOf(value);
      else if (fieldId === 'reporter') issue.reporterId = accountIdOf(value) ?? issue.reporterId;
      else issue.extra[fieldId] = value;
      items.push(
        changeItem(fieldId, before, value ?? null, (id) => this.userRef(id).displayName, this.options.fieldNames ?? {}),
      );
    }
    return items;
  }

  edit(actorId: string, issue: IssueState, fields: Record<string, unknown>): Mutation | undefined {
    const items = this.applyFields(issue, fields);
    if (items.length === 0) return undefined;
    return { kind: 'updated', issue, actorId, history: this.record(actorId, issue, items), eventType: 'issue_updated' };
  }

  comment(
    actorId: string,
    issue: IssueState,
    body: unknown,
    properties?: FakeComment['properties'],
  ): Extract<Mutation, { kind: 'commented' }> {
    const now = jiraTime(this.now());
    const comment: FakeComment = {
      id: String(this.nextCommentId++),
      author: this.userRef(actorId),
      body,
      created: now,
      updated: now,
      ...(properties ? { properties } : {}),
    };
    issue.comments.push(comment);
    issue.updated = now;
    return { kind: 'commented', issue, comment };
  }

  /** Raw value of a field as stored (accountIds for user fields). */
  fieldValue(issue: IssueState, fieldId: string): unknown {
    switch (fieldId) {
      case 'summary':
        return issue.summary;
      case 'description':
        return issue.description;
      case 'labels':
        return issue.labels;
      case 'assignee':
        return issue.assigneeId;
      case 'reporter':
        return issue.reporterId;
      case 'status':
        return issue.status;
      default:
        return issue.extra[fieldId] ?? null;
    }
  }

  private record(actorId: string, issue: IssueState, items: ChangelogItem[]): ChangelogHistory {
    const created = jiraTime(this.now());
    const history: ChangelogHistory = {
      id: String(this.nextHistoryId++),
      author: this.userRef(actorId),
      created,
      items,
    };
    issue.histories.push(history);
    issue.updated = created;
    return history;
  }
}
