import { z } from 'zod';
import { FACT_NAMES } from '../../src/domain/request';
import { parseDuration } from '../../src/policy/parse-duration';
import { envSettings } from '../kit/env-settings';

const duration = (example: string) =>
  z.string().refine((s) => parseDuration(s) !== null, `expected a duration such as "${example}"`);
const fieldName = z
  .string()
  .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/, 'expected a field name such as u_target_systems');
const stateValue = z.string().min(1, 'expected a choice value of the state field, e.g. "102"');

/**
 * The `servicenow:` section of the config file. The table's state *values* (not labels) are
 * configuration: sys_audit records values, and every instance adds its own choices.
 * Secrets come from the environment (see `servicenowFromEnv`).
 */
export const servicenowConfigSchema = z
  .object({
    instanceUrl: z.url({ message: 'expected the instance URL, e.g. https://acme.service-now.com' }).optional(),
    /** credgate's own user_name: basic auth, and how credgate recognises its own changes. */
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    /** An OAuth access token for the same user, instead of the password. */
    token: z.string().min(1).optional(),
    webhookSecret: z.string().min(16, 'expected at least 16 characters').optional(),
    /** How old a signed delivery's X-Credgate-Timestamp may be. */
    webhookTolerance: duration('5m').default('5m'),
    table: z
      .string()
      .regex(/^[a-z][a-z0-9_]*$/, 'expected a table name such as incident or sc_req_item')
      .default('incident'),
    stateField: fieldName.default('state'),
    /** The reference to sys_user holding the requester: caller_id on incident, requested_for on sc_req_item. */
    reporterField: fieldName.default('caller_id'),
    /** The field whose label is the ticket's type for the policy (issueType). */
    categoryField: fieldName.default('category'),
    /** Where credgate writes: work_notes (agents only) or comments (visible to the requester). */
    commentField: z.enum(['work_notes', 'comments']).default('work_notes'),
    /** Only tickets assigned to one of these groups (names); empty: any. */
    assignmentGroups: z.array(z.string().min(1)).default([]),
    /** Only tickets whose category (value or label) is one of these; empty: any. */
    categories: z.array(z.string().min(1)).default([]),
    fields: z.partialRecord(z.enum(FACT_NAMES as [string, ...string[]]), fieldName).default({}),
    states: z
      .object({
        awaitingInfo: stateValue.default('101'),
        pendingApproval: stateValue.default('102'),
        approved: stateValue.default('103'),
        declined: stateValue.default('104'),
        granted: stateValue.default('105'),
        revoked: stateValue.default('106'),
        expired: stateValue.default('104'),
        closed: z.array(stateValue).default(['6', '7', '8']),
      })
      .strict()
      .prefault({}),
    /** Approver groups as a configured list (group → user_names) instead of sys_user_grmember. */
    groupMembers: z.record(z.string(), z.array(z.string())).optional(),
    groupCacheTtl: duration('5m').default('5m'),
    requestTimeout: duration('10s').default('10s'),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.token && !c.username) {
      ctx.addIssue({
        code: 'custom',
        path: ['username'],
        message:
          'set SERVICENOW_USERNAME to the user_name the token belongs to: credgate needs it to recognise its own changes',
      });
    }
  });

export type ServiceNowConfig = z.infer<typeof servicenowConfigSchema>;

/** Secrets and instance settings from the environment; they override the file. */
export function servicenowFromEnv(env: Record<string, string | undefined>): Record<string, unknown> {
  return envSettings(env, {
    instanceUrl: 'SERVICENOW_INSTANCE_URL',
    username: 'SERVICENOW_USERNAME',
    password: 'SERVICENOW_PASSWORD',
    token: 'SERVICENOW_TOKEN',
    webhookSecret: 'SERVICENOW_WEBHOOK_SECRET',
  });
}

export const SERVICENOW_ENABLE_HINT =
  'set SERVICENOW_INSTANCE_URL, SERVICENOW_USERNAME and SERVICENOW_PASSWORD (or SERVICENOW_TOKEN) and SERVICENOW_WEBHOOK_SECRET to enable ServiceNow';

export const isServiceNowConfigured = (c: ServiceNowConfig): boolean =>
  Boolean(c.instanceUrl && c.username && (c.password || c.token));
