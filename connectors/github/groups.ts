import type { GithubClient } from './client';
import { PERMISSION_LEVELS, type GithubConfig } from './schema';

/**
 * The policy groups a person belongs to, read through the API: active membership of a configured
 * team (`GET /orgs/{org}/teams/{team_slug}/memberships/{username}`; a pending invitation is not
 * membership), or at least a configured role on a repository
 * (`GET /repos/{owner}/{repo}/collaborators/{username}/permission`).
 */
export async function resolveGroups(
  login: string,
  config: Pick<GithubConfig, 'approverTeams' | 'repositoryPermissions'>,
  client: GithubClient,
): Promise<string[]> {
  const groups = new Set<string>();
  for (const [group, teams] of Object.entries(config.approverTeams)) {
    for (const team of Array.isArray(teams) ? teams : [teams]) {
      const [org, slug] = team.split('/');
      const membership = await client.getTeamMembership(org, slug, login);
      if (membership?.state === 'active') {
        groups.add(group);
        break;
      }
    }
  }
  for (const [group, { repository, permission }] of Object.entries(config.repositoryPermissions)) {
    if (groups.has(group)) continue;
    const [owner, repo] = repository.split('/');
    const found = await client.getCollaboratorPermission({ owner, repo }, login);
    if (found && roleRank(found) >= PERMISSION_LEVELS.indexOf(permission)) groups.add(group);
  }
  return [...groups];
}

/**
 * A role's rank among read < triage < write < maintain < admin. `role_name` is exact for the base
 * roles; a custom role falls back to `permission`, the base role it extends (maintain and triage
 * reported there as write and read).
 */
function roleRank(p: { permission?: string; role_name?: string }): number {
  const byName = PERMISSION_LEVELS.indexOf((p.role_name ?? '') as (typeof PERMISSION_LEVELS)[number]);
  if (byName >= 0) return byName;
  return PERMISSION_LEVELS.indexOf((p.permission ?? '') as (typeof PERMISSION_LEVELS)[number]);
}
