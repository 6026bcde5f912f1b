/**
 * GitHub's JSON for the fake's state, shaped like the REST API and webhook examples
 * (@octokit/openapi-types schemas `simple-user`, `issue`, `issue-comment`, `issue-event`,
 * `repository`; @octokit/webhooks-examples for the payload envelopes).
 */
import type {
  Emitted,
  GithubState,
  StoredComment,
  StoredEvent,
  StoredIssue,
  StoredLabel,
  StoredRepo,
} from './github-state';

export function userJson(state: GithubState, login: string): Record<string, unknown> {
  const u = state.user(login);
  const name = u?.login ?? login;
  return {
    login: name,
    id: u?.id ?? 0,
    node_id: `U_${u?.id ?? 0}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${u?.id ?? 0}?v=4`,
    url: `${state.baseUrl}/users/${name}`,
    html_url: `https://github.com/${name}`,
    type: u?.type ?? 'User',
    site_admin: false,
  };
}

export function labelJson(state: GithubState, repo: StoredRepo, label: StoredLabel): Record<string, unknown> {
  return {
    id: label.id,
    node_id: `LA_${label.id}`,
    url: `${state.baseUrl}/repos/${repo.fullName}/labels/${encodeURIComponent(label.name)}`,
    name: label.name,
    color: label.color,
    default: false,
    description: label.description,
  };
}

export function repoJson(state: GithubState, repo: StoredRepo): Record<string, unknown> {
  const orgId = state.orgs.get(repo.owner.toLowerCase());
  const owner = orgId
    ? {
        login: repo.owner,
        id: orgId,
        node_id: `O_${orgId}`,
        url: `${state.baseUrl}/orgs/${repo.owner}`,
        html_url: `https://github.com/${repo.owner}`,
        type: 'Organization',
        site_admin: false,
      }
    : userJson(state, repo.owner);
  return {
    id: repo.id,
    node_id: `R_${repo.id}`,
    name: repo.name,
    full_name: repo.fullName,
    private: true,
    owner,
    html_url: `https://github.com/${repo.fullName}`,
    url: `${state.baseUrl}/repos/${repo.fullName}`,
    default_branch: 'main',
  };
}

export function issueJson(state: GithubState, repo: StoredRepo, issue: StoredIssue): Record<string, unknown> {
  const url = `${state.baseUrl}/repos/${repo.fullName}/issues/${issue.number}`;
  return {
    url,
    repository_url: `${state.baseUrl}/repos/${repo.fullName}`,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: `https://github.com/${repo.fullName}/issues/${issue.number}`,
    id: issue.id,
    node_id: `I_${issue.id}`,
    number: issue.number,
    title: issue.title,
    user: userJson(state, issue.user),
    labels: issue.labels.map((name) => labelJson(state, repo, state.ensureLabel(repo, name))),
    state: issue.state,
    state_reason: issue.stateReason,
    locked: false,
    assignee: null,
    assignees: [],
    milestone: null,
    comments: issue.comments.length,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_at: issue.closedAt,
    closed_by: issue.closedBy ? userJson(state, issue.closedBy) : null,
    author_association: 'MEMBER',
    active_lock_reason: null,
    body: issue.body,
    performed_via_github_app: null,
  };
}

export function commentJson(
  state: GithubState,
  repo: StoredRepo,
  issue: StoredIssue,
  comment: StoredComment,
): Record<string, unknown> {
  return {
    url: `${state.baseUrl}/repos/${repo.fullName}/issues/comments/${comment.id}`,
    html_url: `https://github.com/${repo.fullName}/issues/${issue.number}#issuecomment-${comment.id}`,
    issue_url: `${state.baseUrl}/repos/${repo.fullName}/issues/${issue.number}`,
    id: comment.id,
    node_id: `IC_${comment.id}`,
    user: userJson(state, comment.user),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    author_association: 'MEMBER',
    body: comment.body,
    performed_via_github_app: null,
  };
}

export function eventJson(state: GithubState, repo: StoredRepo, event: StoredEvent): Record<string, unknown> {
  return {
    id: event.id,
    node_id: `LE_${event.id}`,
    url: `${state.baseUrl}/repos/${repo.fullName}/issues/events/${event.id}`,
    actor: userJson(state, event.actor),
    event: event.event,
    commit_id: null,
    commit_url: null,
    created_at: event.createdAt,
    performed_via_github_app: null,
    ...(event.label ? { label: event.label } : {}),
    ...(event.event === 'closed' || event.event === 'reopened' ? { state_reason: event.stateReason ?? null } : {}),
  };
}

/** The body of one webhook delivery, rendered when the mutation happened (not when it is sent). */
export function webhookPayload(state: GithubState, e: Emitted, installationId: number | null): Record<string, unknown> {
  const orgId = state.orgs.get(e.repo.owner.toLowerCase());
  return {
    action: e.action,
    issue: issueJson(state, e.repo, e.issue),
    ...(e.comment ? { comment: commentJson(state, e.repo, e.issue, e.comment) } : {}),
    ...(e.label ? { label: labelJson(state, e.repo, e.label) } : {}),
    ...(e.changes ? { changes: e.changes } : {}),
    repository: repoJson(state, e.repo),
    ...(orgId
      ? {
          organization: {
            login: e.repo.owner,
            id: orgId,
            node_id: `O_${orgId}`,
            url: `${state.baseUrl}/orgs/${e.repo.owner}`,
          },
        }
      : {}),
    sender: userJson(state, e.sender),
    ...(installationId
      ? { installation: { id: installationId, node_id: `MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u${installationId}` } }
      : {}),
  };
}
