import { isCredgateError } from '../../src/util/errors';
import { createGithubAuth, type GithubAuth } from './app-auth';
import { createGithubHttp, type GithubHttp, type GithubRequest } from './http';
import type { GithubConfig } from './schema';
import type {
  GithubCollaboratorPermission,
  GithubComment,
  GithubIssue,
  GithubIssueEvent,
  GithubRepoHook,
  GithubRepoHookInput,
  GithubTeamMembership,
  GithubUser,
  IssueAddress,
  RepoName,
} from './types';

/**
 * One function per GitHub REST endpoint credgate calls (https://docs.github.com/en/rest). Every
 * failure is a CredgateError (mapped once, in http.ts) whose message holds no header or token.
 */
export interface GithubClient {
  /** The installation id a delivery named for a repository owner (GitHub App only). */
  rememberInstallation(owner: string, installationId: number): void;
  /** GET /user: the account a token belongs to. */
  getAuthenticatedUser(): Promise<GithubUser>;
  /** GET /app (JWT): the app, for its slug; null when authenticating with a token. */
  getAuthenticatedApp(): Promise<{ slug?: string } | null>;
  getIssue(issue: IssueAddress): Promise<GithubIssue>;
  listComments(issue: IssueAddress): Promise<GithubComment[]>;
  listEvents(issue: IssueAddress): Promise<GithubIssueEvent[]>;
  createComment(issue: IssueAddress, body: string): Promise<void>;
  addLabels(issue: IssueAddress, labels: string[]): Promise<void>;
  removeLabel(issue: IssueAddress, label: string): Promise<void>;
  closeIssue(issue: IssueAddress, reason: 'completed' | 'not_planned'): Promise<void>;
  /** Open issues (pull requests included, as GitHub lists them) carrying a label. */
  listOpenIssuesWithLabel(repo: RepoName, label: string): Promise<GithubIssue[]>;
  /** null when the person is not on the team (404). */
  getTeamMembership(org: string, teamSlug: string, username: string): Promise<GithubTeamMembership | null>;
  /** null when GitHub knows no such user (404). */
  getCollaboratorPermission(repo: RepoName, username: string): Promise<GithubCollaboratorPermission | null>;
  /** GET /repos/{owner}/{repo}/hooks (needs admin, or an app's "Webhooks" permission). */
  listRepoHooks(repo: RepoName): Promise<GithubRepoHook[]>;
  createRepoHook(repo: RepoName, hook: GithubRepoHookInput): Promise<GithubRepoHook>;
  updateRepoHook(repo: RepoName, id: number, hook: GithubRepoHookInput): Promise<GithubRepoHook>;
}

const enc = encodeURIComponent;
const issuePath = (i: IssueAddress) => `/repos/${enc(i.owner)}/${enc(i.repo)}/issues/${i.number}`;
const issueName = (i: IssueAddress) => `${i.owner}/${i.repo}#${i.number}`;

export function createGithubClient(
  config: GithubConfig,
  now: () => number,
  http: GithubHttp = createGithubHttp(config, now),
): GithubClient {
  const auth: GithubAuth = createGithubAuth(config, http, now);

  /** A call about `owner`'s resources; an installation token GitHub refuses (401) is replaced once. */
  async function call<T>(
    owner: string,
    repo: string | undefined,
    req: Omit<GithubRequest, 'auth'>,
    run: (r: GithubRequest) => Promise<T>,
  ): Promise<T> {
    try {
      return await run({ ...req, auth: await auth.header(owner, repo) });
    } catch (err) {
      if (auth.mode !== 'app' || !isCredgateError(err, 'auth') || err.status !== 401) throw err;
      auth.invalidate(owner);
      return run({ ...req, auth: await auth.header(owner, repo) });
    }
  }
  const one = <T>(owner: string, repo: string | undefined, req: Omit<GithubRequest, 'auth'>) =>
    call(owner, repo, req, async (r) => (await http.send<T>(r)).data);
  const all = <T>(owner: string, repo: string | undefined, req: Omit<GithubRequest, 'auth'>) =>
    call(owner, repo, req, (r) => http.paginate<T>(r));
  const orNull = async <T>(p: Promise<T>): Promise<T | null> => {
    try {
      return await p;
    } catch (err) {
      if (isCredgateError(err, 'not-found')) return null;
      throw err;
    }
  };

  return {
    rememberInstallation: (owner, id) => auth.remember(owner, id),

    getAuthenticatedUser: async () =>
      (await http.send<GithubUser>({ method: 'GET', url: '/user', auth: await auth.header(''), what: 'GET user' }))
        .data,

    async getAuthenticatedApp() {
      const jwt = auth.appHeader();
      return jwt
        ? (await http.send<{ slug?: string }>({ method: 'GET', url: '/app', auth: jwt, what: 'GET app' })).data
        : null;
    },

    getIssue: (i) =>
      one<GithubIssue>(i.owner, i.repo, { method: 'GET', url: issuePath(i), what: `GET issue ${issueName(i)}` }),

    listComments: (i) =>
      all<GithubComment>(i.owner, i.repo, {
        method: 'GET',
        url: `${issuePath(i)}/comments`,
        what: `GET comments ${issueName(i)}`,
      }),

    listEvents: (i) =>
      all<GithubIssueEvent>(i.owner, i.repo, {
        method: 'GET',
        url: `${issuePath(i)}/events`,
        what: `GET events ${issueName(i)}`,
      }),

    createComment: async (i, body) => {
      await one(i.owner, i.repo, {
        method: 'POST',
        url: `${issuePath(i)}/comments`,
        data: { body },
        what: `POST comment ${issueName(i)}`,
      });
    },

    addLabels: async (i, labels) => {
      // GitHub creates a label that does not exist yet in the repository.
      await one(i.owner, i.repo, {
        method: 'POST',
        url: `${issuePath(i)}/labels`,
        data: { labels },
        what: `POST labels ${issueName(i)}`,
      });
    },

    removeLabel: async (i, label) => {
      await one(i.owner, i.repo, {
        method: 'DELETE',
        url: `${issuePath(i)}/labels/${enc(label)}`,
        what: `DELETE label ${issueName(i)}`,
      });
    },

    closeIssue: async (i, reason) => {
      await one(i.owner, i.repo, {
        method: 'PATCH',
        url: issuePath(i),
        data: { state: 'closed', state_reason: reason },
        what: `PATCH issue ${issueName(i)}`,
      });
    },

    listOpenIssuesWithLabel: (r, label) =>
      all<GithubIssue>(r.owner, r.repo, {
        method: 'GET',
        url: `/repos/${enc(r.owner)}/${enc(r.repo)}/issues`,
        params: { state: 'open', labels: label },
        what: `GET issues ${r.owner}/${r.repo}`,
      }),

    getTeamMembership: (org, team, username) =>
      orNull(
        one<GithubTeamMembership>(org, undefined, {
          method: 'GET',
          url: `/orgs/${enc(org)}/teams/${enc(team)}/memberships/${enc(username)}`,
          what: `GET membership ${org}/${team}`,
        }),
      ),

    getCollaboratorPermission: (r, username) =>
      orNull(
        one<GithubCollaboratorPermission>(r.owner, r.repo, {
          method: 'GET',
          url: `/repos/${enc(r.owner)}/${enc(r.repo)}/collaborators/${enc(username)}/permission`,
          what: `GET permission ${r.owner}/${r.repo}`,
        }),
      ),

    listRepoHooks: (r) =>
      all<GithubRepoHook>(r.owner, r.repo, {
        method: 'GET',
        url: `/repos/${enc(r.owner)}/${enc(r.repo)}/hooks`,
        what: `GET hooks ${r.owner}/${r.repo}`,
      }),

    createRepoHook: (r, hook) =>
      one<GithubRepoHook>(r.owner, r.repo, {
        method: 'POST',
        url: `/repos/${enc(r.owner)}/${enc(r.repo)}/hooks`,
        data: { name: 'web', ...hook },
        what: `POST hook ${r.owner}/${r.repo}`,
      }),

    updateRepoHook: (r, id, hook) =>
      one<GithubRepoHook>(r.owner, r.repo, {
        method: 'PATCH',
        url: `/repos/${enc(r.owner)}/${enc(r.repo)}/hooks/${id}`,
        data: hook,
        what: `PATCH hook ${r.owner}/${r.repo}`,
      }),
  };
}
