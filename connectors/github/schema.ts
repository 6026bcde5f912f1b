import { createPrivateKey } from 'node:crypto';
import { z } from 'zod';
import { FACT_NAMES } from '../../src/domain/request';
import { parseDuration } from '../../src/policy/parse-duration';
import { envSettings } from '../kit/env-settings';

const duration = (fallback: string) =>
  z
    .string()
    .refine((s) => parseDuration(s) !== null, 'expected a duration such as "5m"')
    .default(fallback);

/** GitHub caps label names at 50 characters; a comma would split the `labels` filter of a listing. */
const labelName = z
  .string()
  .min(1)
  .max(50, 'GitHub label names have at most 50 characters')
  .refine((s) => !s.includes(','), 'a label name cannot contain ","');

const repoName = z.string().regex(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, 'expected "owner/repo"');
const teamName = z.string().regex(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, 'expected "org/team-slug"');

/** Repository roles from least to most; GitHub's `role_name` (custom roles aside) is one of these. */
export const PERMISSION_LEVELS = ['read', 'triage', 'write', 'maintain', 'admin'] as const;

const isPem = (s: string): boolean => {
  try {
    createPrivateKey(s);
    return true;
  } catch {
    return false;
  }
};

/**
 * The `github:` section. Label names are configuration because they are visible to every user of
 * the repository; secrets come from the environment (see `githubFromEnv`).
 */
export const githubConfigSchema = z
  .object({
    apiUrl: z
      .url({ message: 'expected the REST API URL, e.g. https://api.github.com or https://ghe.example.com/api/v3' })
      .default('https://api.github.com'),
    token: z.string().min(1).optional(),
    appId: z
      .string()
      .regex(/^(\d+|Iv[A-Za-z0-9._-]+)$/, 'expected the GitHub App id (digits) or client id (Iv...)')
      .optional(),
    // Never echoed: a PEM that does not parse gets this message, not its content.
    privateKey: z
      .string()
      .refine(isPem, 'expected the GitHub App private key in PEM format (-----BEGIN RSA PRIVATE KEY----- ...)')
      .optional(),
    installationId: z.coerce.number().int().positive().optional(),
    webhookSecret: z.string().min(16, 'expected at least 16 characters').optional(),
    /** credgate's own login, when it cannot be read from GET /user or GET /app (Actions' GITHUB_TOKEN). */
    login: z.string().min(1).optional(),
    repositories: z.array(repoName).default([]),
    /** Issues with this label (or opened from the issue form, or carrying a credgate label) are in scope. */
    requestLabel: labelName.default('credential-request'),
    /** The issue type credgate reports for in-scope issues (policies classify on it). */
    issueType: z.string().min(1).default('Credential request'),
    labels: z
      .object({
        awaitingInfo: labelName.default('credgate: awaiting info'),
        pendingApproval: labelName.default('credgate: pending approval'),
        /** Optional: without it, approvals are `/approve` comments only. */
        approved: labelName.optional(),
        declined: labelName.default('credgate: declined'),
        granted: labelName.default('credgate: access granted'),
        revoked: labelName.default('credgate: access revoked'),
        expired: labelName.default('credgate: expired'),
        revocationFailed: labelName.default('credgate: revocation failed'),
      })
      .strict()
      .prefault({}),
    /** Issue-form headings that hold a fact, besides the standard labels ("Target systems", ...). */
    formFields: z
      .partialRecord(z.enum(FACT_NAMES as [string, ...string[]]), z.string().min(1))
      .default({})
      .describe('Fact → issue-form field heading, for forms whose headings differ from the policy labels.'),
    /** Policy group → team(s) whose active members belong to it, as "org/team-slug". */
    approverTeams: z.record(z.string().min(1), z.union([teamName, z.array(teamName).min(1)])).default({}),
    /** Policy group → people with at least this role on this repository. */
    repositoryPermissions: z
      .record(z.string().min(1), z.object({ repository: repoName, permission: z.enum(PERMISSION_LEVELS) }).strict())
      .default({}),
    /** Approver groups as a configured list (group → logins) instead of teams and permissions. */
    groupMembers: z.record(z.string(), z.array(z.string())).optional(),
    groupCacheTtl: duration('5m'),
    requestTimeout: duration('10s'),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (Boolean(c.appId) !== Boolean(c.privateKey)) {
      ctx.addIssue({
        code: 'custom',
        path: [c.appId ? 'privateKey' : 'appId'],
        message: 'GitHub App authentication needs both GITHUB_APP_ID and GITHUB_PRIVATE_KEY',
      });
    }
  });

export type GithubConfig = z.infer<typeof githubConfigSchema>;

/** Secrets and site settings from the environment; they override the file. */
export function githubFromEnv(env: Record<string, string | undefined>): Record<string, unknown> {
  return envSettings(
    // A PEM in one environment variable often arrives with its newlines written as "\n".
    { ...env, GITHUB_PRIVATE_KEY: env.GITHUB_PRIVATE_KEY?.replace(/\\n/g, '\n') },
    {
      apiUrl: 'GITHUB_API_URL',
      token: 'GITHUB_TOKEN',
      appId: 'GITHUB_APP_ID',
      privateKey: 'GITHUB_PRIVATE_KEY',
      installationId: 'GITHUB_INSTALLATION_ID',
      webhookSecret: 'GITHUB_WEBHOOK_SECRET',
    },
  );
}

export const GITHUB_ENABLE_HINT =
  'set GITHUB_TOKEN (or GITHUB_APP_ID and GITHUB_PRIVATE_KEY for a GitHub App) and GITHUB_WEBHOOK_SECRET to enable GitHub Issues';

export const isGithubConfigured = (c: GithubConfig): boolean => Boolean(c.token || (c.appId && c.privateKey));
