/**
 * The parts of GitHub's JSON credgate reads: a deliberately partial, hand-kept subset of the
 * schemas in @octokit/openapi-types (`issue`, `issue-comment`, `issue-event`, `team-membership`,
 * `repository-collaborator-permission`, `installation-token`) and of the webhook payloads in
 * @octokit/webhooks-examples. GitHub sends far more; unknown fields are ignored.
 */
export interface GithubUser {
  login: string;
  id?: number;
  /** 'User', 'Bot' (GitHub Apps act as `<slug>[bot]`), 'Organization'. */
  type?: string;
  name?: string | null;
  email?: string | null;
}

export interface GithubLabel {
  id?: number;
  name: string;
  color?: string;
}

export interface GithubIssue {
  id: number;
  number: number;
  title: string;
  body?: string | null;
  user?: GithubUser | null;
  labels?: (GithubLabel | string)[];
  state: 'open' | 'closed';
  state_reason?: string | null;
  html_url?: string;
  /** Present on pull requests: every pull request is an issue to the Issues API. */
  pull_request?: unknown;
  /** Organization issue types, where the organization uses them. */
  type?: { name?: string } | null;
  created_at?: string;
  updated_at?: string;
}

export interface GithubComment {
  id: number;
  body?: string | null;
  user?: GithubUser | null;
  created_at: string;
  updated_at?: string;
  html_url?: string;
}

/** One entry of `GET /repos/{owner}/{repo}/issues/{issue_number}/events`. */
export interface GithubIssueEvent {
  id: number;
  event: string;
  actor?: GithubUser | null;
  created_at: string;
  /** On labeled / unlabeled events. */
  label?: { name: string; color?: string };
  state_reason?: string | null;
}

export interface GithubRepository {
  id?: number;
  name?: string;
  full_name: string;
  owner?: GithubUser;
  html_url?: string;
}

/** The common envelope of `issues` and `issue_comment` deliveries. */
export interface GithubWebhook {
  action?: string;
  issue?: GithubIssue;
  comment?: GithubComment;
  label?: GithubLabel;
  repository?: GithubRepository;
  sender?: GithubUser;
  installation?: { id?: number };
}

/** A repository hook (GET/POST/PATCH /repos/{owner}/{repo}/hooks); GitHub never returns the secret. */
export interface GithubRepoHook {
  id: number;
  active: boolean;
  events: string[];
  config: { url?: string; content_type?: string; insecure_ssl?: string };
}

/** What credgate sends to create or update its hook. */
export interface GithubRepoHookInput {
  active: boolean;
  events: string[];
  config: { url: string; content_type: 'json'; insecure_ssl: '0'; secret: string };
}

export interface GithubTeamMembership {
  role?: 'member' | 'maintainer';
  state?: 'active' | 'pending';
}

export interface GithubCollaboratorPermission {
  /** Legacy base role: admin, write, read or none (maintain → write, triage → read). */
  permission?: string;
  /** The assigned role, custom roles included. */
  role_name?: string;
}

export interface GithubInstallationToken {
  token: string;
  expires_at: string;
}

/** `owner/repo` split once, so the two halves are never re-parsed from strings. */
export interface RepoName {
  owner: string;
  repo: string;
}

/** The address of one issue through the REST API. */
export interface IssueAddress extends RepoName {
  number: number;
}
