import { CredgateError } from '../../src/util/errors';
import type { GithubClient } from './client';
import type { GithubConfig } from './schema';
import type { GithubRepoHook, GithubRepoHookInput, RepoName } from './types';

/** The deliveries credgate reads: issues opened, edited, labelled, closed; comments. */
export const GITHUB_HOOK_EVENTS = ['issues', 'issue_comment'];

export const githubHookUrl = (publicUrl: string) => `${publicUrl.replace(/\/+$/, '')}/webhooks/github`;

const repoName = (full: string): RepoName => {
  const [owner, repo] = full.split('/') as [string, string];
  return { owner, repo };
};

/** credgate's hook among a repository's: the one delivering to its URL. */
export const findGithubHook = (hooks: GithubRepoHook[], url: string) => hooks.find((h) => h.config.url === url);

/**
 * `credgate webhooks register github`: a repository hook on each of github.repositories pointing
 * at `<publicUrl>/webhooks/github`, JSON, with the webhook secret and credgate's events. A hook
 * already delivering to that URL is updated (events, secret, active), never duplicated, so the
 * command can be run again after the secret or the events change. Needs admin on the repository
 * (a token) or the "Webhooks: write" permission (a GitHub App).
 */
export async function registerGithubWebhooks(
  config: GithubConfig,
  client: GithubClient,
  publicUrl: string,
): Promise<string[]> {
  if (!config.webhookSecret)
    throw new CredgateError('config', 'set GITHUB_WEBHOOK_SECRET first (generate one with: openssl rand -hex 32)');
  if (!config.repositories.length)
    throw new CredgateError(
      'config',
      'github.repositories is empty: name the repositories whose issues credgate serves',
    );
  const url = githubHookUrl(publicUrl);
  const hook: GithubRepoHookInput = {
    active: true,
    events: GITHUB_HOOK_EVENTS,
    config: { url, content_type: 'json', insecure_ssl: '0', secret: config.webhookSecret },
  };
  const done: string[] = [];
  for (const full of config.repositories) {
    const repo = repoName(full);
    const existing = findGithubHook(await client.listRepoHooks(repo), url);
    if (existing) {
      await client.updateRepoHook(repo, existing.id, hook);
      done.push(`${full}: updated hook ${existing.id} → ${url}`);
    } else {
      const created = await client.createRepoHook(repo, hook);
      done.push(`${full}: created hook ${created.id} → ${url}`);
    }
  }
  return done;
}
