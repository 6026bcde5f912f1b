import type { SetupCheck, SetupNeeds } from '../../src/doctor/check';
import { SetupProblem } from '../../src/doctor/check';
import { isCredgateError } from '../../src/util/errors';
import type { GithubClient } from './client';
import { findGithubHook, GITHUB_HOOK_EVENTS, githubHookUrl } from './register-webhook';
import { PERMISSION_LEVELS, type GithubConfig } from './schema';

/** Labels, comments and closing an issue need triage on the repository. */
const NEEDED_ROLE = 'triage';

const repoOf = (full: string) => {
  const [owner, repo] = full.split('/') as [string, string];
  return { owner, repo };
};

/** The setup GitHub must have for credgate (`credgate doctor`, /readyz). */
export function githubChecks(
  config: GithubConfig,
  client: GithubClient,
  needs: SetupNeeds,
  selfLogin: () => Promise<string>,
): SetupCheck[] {
  const noRepos = 'github.repositories is empty, so there is no repository to check';
  return [
    {
      name: 'github.auth',
      dependency: true,
      async run() {
        try {
          return `signed in as ${await selfLogin()}`;
        } catch (err) {
          if (isCredgateError(err, 'auth') || isCredgateError(err, 'config'))
            throw new SetupProblem(
              `GitHub at ${config.apiUrl} refused credgate's credentials: ${(err as Error).message}`,
              config.appId
                ? 'check GITHUB_APP_ID and GITHUB_PRIVATE_KEY (the app settings → Private keys) and that the app is installed'
                : 'check GITHUB_TOKEN: a token of the bot account with the "repo" scope (fine-grained: Issues read/write)',
            );
          throw new SetupProblem(
            `GitHub at ${config.apiUrl} could not be reached: ${(err as Error).message}`,
            'check GITHUB_API_URL, DNS, the network path and the TLS certificate',
          );
        }
      },
    },
    {
      name: 'github.permissions',
      async run() {
        if (!config.repositories.length) return `skipped: ${noRepos}`;
        if (config.appId)
          return 'skipped for a GitHub App: its installation permissions (Issues: read and write) are set on the app';
        const login = await selfLogin();
        const problems: string[] = [];
        for (const full of config.repositories) {
          const held = await client.getCollaboratorPermission(repoOf(full), login).catch((err) => {
            if (isCredgateError(err, 'not-found') || isCredgateError(err, 'auth')) return null;
            throw err;
          });
          const role = held?.role_name ?? 'none';
          const rank = PERMISSION_LEVELS.indexOf(role as (typeof PERMISSION_LEVELS)[number]);
          if (rank < PERMISSION_LEVELS.indexOf(NEEDED_ROLE))
            problems.push(`${login} has ${held ? `the ${role} role` : 'no access'} on ${full}`);
        }
        if (problems.length)
          throw new SetupProblem(
            `${problems.join('; ')}: credgate labels, comments on and closes issues, which needs ${NEEDED_ROLE} or more`,
            'add the bot account as a collaborator with the Triage role (or Write) in Settings → Collaborators and teams',
          );
        return `${login} has ${NEEDED_ROLE} or more on ${config.repositories.join(', ')}`;
      },
    },
    {
      name: 'github.webhook',
      async run() {
        if (!config.repositories.length) return `skipped: ${noRepos}`;
        if (!needs.publicUrl) return 'skipped: server.publicUrl is not set, so there is no URL to look for';
        const url = githubHookUrl(needs.publicUrl);
        const problems: string[] = [];
        for (const full of config.repositories) {
          let hooks: Awaited<ReturnType<GithubClient['listRepoHooks']>>;
          try {
            hooks = await client.listRepoHooks(repoOf(full));
          } catch (err) {
            if (!isCredgateError(err, 'not-found') && !isCredgateError(err, 'auth')) throw err;
            return `cannot tell: credgate may not read the hooks of ${full} (that needs admin); check Settings → Webhooks for ${url}`;
          }
          const hook = findGithubHook(hooks, url);
          if (!hook) problems.push(`${full} has no webhook to ${url}`);
          else if (!hook.active) problems.push(`the webhook of ${full} to ${url} is inactive`);
          else {
            const missing = GITHUB_HOOK_EVENTS.filter((e) => !hook.events.includes(e) && !hook.events.includes('*'));
            if (missing.length) problems.push(`the webhook of ${full} does not send ${missing.join(', ')}`);
          }
        }
        if (problems.length)
          throw new SetupProblem(
            problems.join('; '),
            'run `credgate webhooks register github`, or fix the hook in Settings → Webhooks',
          );
        return `every repository delivers ${GITHUB_HOOK_EVENTS.join(', ')} to ${url}`;
      },
    },
  ];
}
