import { z } from 'zod';

/**
 * Five fields (minute hour day-of-month month day-of-week) or six (seconds first), as node-schedule
 * reads them. Only the shape is checked here; node-schedule itself refuses a bad value at start.
 */
const CRON = /^\s*(\S+\s+){4,5}\S+\s*$/;
const CRON_FIELD = /^[0-9*,/?LW#A-Za-z-]+$/;
const isCron = (s: string) =>
  CRON.test(s) &&
  s
    .trim()
    .split(/\s+/)
    .every((f) => CRON_FIELD.test(f));

/**
 * The policy's `review:` section: when periodic access reviews run, where their ticket goes, who may
 * approve the purge they propose, and what a purge does. Absent: no review is scheduled.
 */
export const reviewPolicySchema = z
  .object({
    /** Cron expression (server time zone) of the runs; each review covers the time since the last one. */
    schedule: z
      .string()
      .refine(isCron, 'expected a cron expression such as "0 6 1 * *" (minute hour day-of-month month day-of-week)')
      .default('0 6 1 * *'),
    /** Connector the review ticket is created in; it must support creating tickets. */
    connector: z.string().min(1).default('jira'),
    /** Project (Jira project key) of the review ticket. */
    project: z.string().min(1),
    issueType: z.string().min(1).default('Task'),
    /** A shared account nobody used (or held) for this many days is proposed for purging. */
    staleAfterDays: z.number().int().min(1).max(3650).default(30),
    /** Who may approve the purge: any one of them, like an approval step's groups and users. */
    approvers: z
      .object({
        groups: z.array(z.string().min(1)).default([]),
        users: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .refine((a) => a.groups.length + a.users.length > 0, { message: 'name at least one approver group or user' }),
    purge: z
      .object({
        /** disable: the provider disables the account; rotate: it sets a new password nobody receives. */
        action: z.enum(['disable', 'rotate']).default('disable'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type ReviewPolicy = z.infer<typeof reviewPolicySchema>;
