/**
 * The fake GitHub's data: users, organizations, teams, repositories with their labels and issues,
 * each issue's comments and events. Mutations record the issue events GitHub would record and
 * return the webhook deliveries GitHub would send; rendering to JSON is in github-json.ts.
 */
import type { FakeGithubOptions, FakeGithubUser, NewIssue, RepoRole } from './types';

export interface StoredLabel {
  id: number;
  name: string;
  color: string;
  description: string | null;
}

export interface StoredComment {
  id: number;
  user: string;
  body: string;
  createdAt: string;
  updatedAt: string;
}

export interface StoredEvent {
  id: number;
  actor: string;
  event: 'labeled' | 'unlabeled' | 'closed' | 'reopened' | 'renamed';
  createdAt: string;
  label?: { name: string; color: string };
  stateReason?: string | null;
}

export interface StoredIssue {
  id: number;
  number: number;
  title: string;
  body: string | null;
  user: string;
  labels: string[];
  state: 'open' | 'closed';
  stateReason: string | null;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  closedBy: string | null;
  comments: StoredComment[];
  events: StoredEvent[];
}

export interface StoredRepo {
  id: number;
  owner: string;
  name: string;
  fullName: string;
  labels: StoredLabel[];
  issues: StoredIssue[];
  collaborators: Map<string, RepoRole>;
  /** Repository webhooks (GET/POST/PATCH /repos/{owner}/{repo}/hooks); the secret is write-only. */
  hooks: StoredHook[];
}

export interface StoredHook {
  id: number;
  active: boolean;
  events: string[];
  config: { url: string; content_type: 'json' | 'form'; insecure_ssl: '0' | '1'; secret?: string };
  createdAt: string;
  updatedAt: string;
}

/** A webhook GitHub would send after a mutation. */
export interface Emitted {
  event: 'issues' | 'issue_comment';
  action: string;
  repo: StoredRepo;
  issue: StoredIssue;
  sender: string;
  comment?: StoredComment;
  label?: StoredLabel;
  changes?: Record<string, { from: string }>;
}

export class FakeSetupError extends Error {}

/** GitHub timestamps: ISO 8601 to the second, UTC. */
export const githubTime = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export class GithubState {
  baseUrl = 'http://127.0.0.1';
  readonly users = new Map<string, FakeGithubUser & { id: number }>();
  readonly orgs = new Map<string, number>();
  readonly repos: StoredRepo[] = [];
  readonly teams: { org: string; slug: string; id: number; members: Set<string>; pending: Set<string> }[] = [];
  private seq = 1000;
  private idSeq = 5_000_000;

  constructor(
    options: FakeGithubOptions,
    readonly now: () => Date,
  ) {
    for (const u of options.users) this.users.set(u.login.toLowerCase(), { ...u, id: this.nextId() });
    if (options.app) {
      const login = `${options.app.slug}[bot]`;
      this.users.set(login.toLowerCase(), { login, type: 'Bot', id: this.nextId() });
    }
    for (const o of options.orgs ?? []) this.orgs.set(o.toLowerCase(), this.nextId());
    for (const r of options.repositories) {
      const [owner, name] = r.fullName.split('/');
      const collaborators = new Map<string, RepoRole>();
      for (const [login, role] of Object.entries(r.collaborators ?? {})) collaborators.set(login.toLowerCase(), role);
      this.repos.push({
        id: this.nextId(),
        owner,
        name,
        fullName: r.fullName,
        labels: [],
        issues: [],
        collaborators,
        hooks: [],
      });
    }
    for (const t of options.teams ?? []) {
      this.teams.push({
        org: t.org,
        slug: t.slug,
        id: this.nextId(),
        members: new Set(t.members.map((m) => m.toLowerCase())),
        pending: new Set((t.pending ?? []).map((m) => m.toLowerCase())),
      });
    }
  }

  nextId(): number {
    return ++this.idSeq;
  }

  /** Comments and events share one sequence, so ids order them as they happened. */
  private nextSeq(): number {
    return ++this.seq;
  }

  time(): string {
    return githubTime(this.now());
  }

  user(login: string): (FakeGithubUser & { id: number }) | undefined {
    return this.users.get(login.toLowerCase());
  }

  requireUser(login: string): FakeGithubUser & { id: number } {
    const u = this.user(login);
    if (!u) throw new FakeSetupError(`FakeGitHub: unknown user '${login}'`);
    return u;
  }

  repo(owner: string, name: string): StoredRepo | undefined {
    return this.repos.find((r) => same(r.owner, owner) && same(r.name, name));
  }

  issue(repo: StoredRepo, number: number): StoredIssue | undefined {
    return repo.issues.find((i) => i.number === number);
  }

  /** 'owner/repo#n' → the repository and issue (the control API's ticket handle). */
  requireTicket(ticket: string): { repo: StoredRepo; issue: StoredIssue } {
    const m = /^([^/]+)\/([^#]+)#(\d+)$/.exec(ticket);
    const repo = m ? this.repo(m[1], m[2]) : undefined;
    const issue = repo && m ? this.issue(repo, Number(m[3])) : undefined;
    if (!repo || !issue) throw new FakeSetupError(`FakeGitHub: unknown issue '${ticket}'`);
    return { repo, issue };
  }

  /** GitHub creates a label the first time an issue is given it. */
  ensureLabel(repo: StoredRepo, name: string): StoredLabel {
    const found = repo.labels.find((l) => same(l.name, name));
    if (found) return found;
    const label = { id: this.nextId(), name, color: 'ededed', description: null };
    repo.labels.push(label);
    return label;
  }

  createIssue(as: string, repo: StoredRepo, input: NewIssue): { issue: StoredIssue; emitted: Emitted[] } {
    const login = this.requireUser(as).login;
    const at = this.time();
    const issue: StoredIssue = {
      id: this.nextId(),
      number: repo.issues.length + 1,
      title: input.title,
      body: input.body ?? null,
      user: login,
      labels: [],
      state: 'open',
      stateReason: null,
      createdAt: at,
      updatedAt: at,
      closedAt: null,
      closedBy: null,
      comments: [],
      events: [],
    };
    repo.issues.push(issue);
    const emitted: Emitted[] = [{ event: 'issues', action: 'opened', repo, issue, sender: login }];
    // Labels given at creation (an issue form's `labels:`) are recorded and delivered as "labeled".
    for (const name of input.labels ?? []) emitted.push(...this.addLabel(login, repo, issue, name));
    // "opened" carries the issue as it is once its labels are on, as GitHub's does.
    return { issue, emitted };
  }

  addLabel(as: string, repo: StoredRepo, issue: StoredIssue, name: string): Emitted[] {
    if (issue.labels.some((l) => same(l, name))) return [];
    const label = this.ensureLabel(repo, name);
    issue.labels.push(label.name);
    issue.updatedAt = this.time();
    issue.events.push({
      id: this.nextSeq(),
      actor: as,
      event: 'labeled',
      createdAt: issue.updatedAt,
      label: { name: label.name, color: label.color },
    });
    return [{ event: 'issues', action: 'labeled', repo, issue, sender: as, label }];
  }

  removeLabel(as: string, repo: StoredRepo, issue: StoredIssue, name: string): Emitted[] | null {
    const index = issue.labels.findIndex((l) => same(l, name));
    if (index < 0) return null;
    const label = this.ensureLabel(repo, issue.labels[index]);
    issue.labels.splice(index, 1);
    issue.updatedAt = this.time();
    issue.events.push({
      id: this.nextSeq(),
      actor: as,
      event: 'unlabeled',
      createdAt: issue.updatedAt,
      label: { name: label.name, color: label.color },
    });
    return [{ event: 'issues', action: 'unlabeled', repo, issue, sender: as, label }];
  }

  comment(
    as: string,
    repo: StoredRepo,
    issue: StoredIssue,
    body: string,
  ): { comment: StoredComment; emitted: Emitted[] } {
    const at = this.time();
    const comment = { id: this.nextSeq(), user: as, body, createdAt: at, updatedAt: at };
    issue.comments.push(comment);
    issue.updatedAt = at;
    return { comment, emitted: [{ event: 'issue_comment', action: 'created', repo, issue, sender: as, comment }] };
  }

  setState(
    as: string,
    repo: StoredRepo,
    issue: StoredIssue,
    state: 'open' | 'closed',
    reason: string | null,
  ): Emitted[] {
    if (issue.state === state) return [];
    const at = this.time();
    issue.state = state;
    issue.updatedAt = at;
    if (state === 'closed') {
      issue.stateReason = reason ?? 'completed';
      issue.closedAt = at;
      issue.closedBy = as;
      issue.events.push({
        id: this.nextSeq(),
        actor: as,
        event: 'closed',
        createdAt: at,
        stateReason: issue.stateReason,
      });
      return [{ event: 'issues', action: 'closed', repo, issue, sender: as }];
    }
    issue.stateReason = 'reopened';
    issue.closedAt = null;
    issue.events.push({ id: this.nextSeq(), actor: as, event: 'reopened', createdAt: at, stateReason: 'reopened' });
    return [{ event: 'issues', action: 'reopened', repo, issue, sender: as }];
  }

  edit(as: string, repo: StoredRepo, issue: StoredIssue, fields: { title?: string; body?: string | null }): Emitted[] {
    const changes: Record<string, { from: string }> = {};
    if (fields.title !== undefined && fields.title !== issue.title) {
      changes.title = { from: issue.title };
      issue.events.push({ id: this.nextSeq(), actor: as, event: 'renamed', createdAt: this.time() });
      issue.title = fields.title;
    }
    if (fields.body !== undefined && fields.body !== issue.body) {
      changes.body = { from: issue.body ?? '' };
      issue.body = fields.body;
    }
    if (!Object.keys(changes).length) return [];
    issue.updatedAt = this.time();
    return [{ event: 'issues', action: 'edited', repo, issue, sender: as, changes }];
  }

  /** A person's role on a repository: direct role, else none. */
  roleOf(repo: StoredRepo, login: string): RepoRole | null {
    return repo.collaborators.get(login.toLowerCase()) ?? null;
  }

  team(org: string, slug: string) {
    return this.teams.find((t) => same(t.org, org) && same(t.slug, slug));
  }
}
