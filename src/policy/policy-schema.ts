import { z } from 'zod';
import { parseDuration } from './parse-duration';
import { FACT_NAMES } from '../domain/request';
import { reviewPolicySchema } from './review-policy-schema';

/**
 * The policy file's shape. Conditions use json-rules-engine's format ({all|any: [{fact, operator,
 * value}]}) so operators and nesting need no evaluator of our own.
 */
const duration = z.string().refine((s) => parseDuration(s) !== null, {
  message: 'expected a duration such as "30m", "4h", "2d" or "PT4H"',
});

const factName = z.enum(FACT_NAMES as [string, ...string[]]);

const condition: z.ZodType<unknown> = z.lazy(() =>
  z.union([
    z.object({ all: z.array(condition).min(1) }).strict(),
    z.object({ any: z.array(condition).min(1) }).strict(),
    z.object({ not: condition }).strict(),
    z
      .object({
        fact: z.string().min(1),
        operator: z.string().min(1),
        value: z.unknown(),
        path: z.string().optional(),
      })
      .strict(),
  ]),
);

const topCondition = z.union([
  z.object({ all: z.array(condition).min(1) }).strict(),
  z.object({ any: z.array(condition).min(1) }).strict(),
  z.object({ not: condition }).strict(),
]);

const ruleId = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a lowercase id such as "prod-system"');

/** Where a step's approvers are found at run time, besides its fixed groups and users. */
export const APPROVER_SOURCES = ['manager', 'client-owner', 'system-owner'] as const;

const approvalStep = z
  .object({
    id: ruleId,
    name: z.string().min(1),
    groups: z.array(z.string().min(1)).default([]),
    users: z.array(z.string().min(1)).default([]),
    count: z.number().int().min(1).max(10).default(1),
    /**
     * `manager`: the requester's manager from the directory; `client-owner`: the owners of the
     * request's client (`clients`); `system-owner`: the owners of each requested system (`systems`).
     */
    source: z.enum(APPROVER_SOURCES).optional(),
    /** Mention the step's approvers again after this long without their approval. */
    remindAfter: duration.optional(),
    /** After this long, the fallback approvers join the step (or replace its approvers). */
    escalateAfter: duration.optional(),
    escalateTo: z
      .object({
        groups: z.array(z.string().min(1)).default([]),
        users: z.array(z.string().min(1)).default([]),
        mode: z.enum(['join', 'replace']).default('join'),
      })
      .strict()
      .refine((e) => e.groups.length + e.users.length > 0, { message: 'a fallback needs a group or a user' })
      .optional(),
    /** Count remindAfter and escalateAfter in working hours of the policy's `calendar`. */
    businessHours: z.boolean().default(false),
  })
  .strict()
  .refine((s) => s.groups.length + s.users.length > 0 || s.source !== undefined, {
    message: 'a step needs at least one group, user or source',
  })
  .refine((s) => s.escalateAfter === undefined || s.escalateTo !== undefined, {
    message: 'escalateAfter needs escalateTo (the fallback approvers)',
  });

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a local time such as "09:00"');

/** Working time for `businessHours` steps. */
const calendar = z
  .object({
    timeZone: z.string().refine(
      (tz) => {
        try {
          new Intl.DateTimeFormat('en-US', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      },
      { message: 'expected an IANA time zone such as "Europe/Berlin"' },
    ),
    days: z.array(z.number().int().min(1).max(7)).min(1).default([1, 2, 3, 4, 5]),
    hours: z.object({ start: hhmm, end: hhmm }).strict().default({ start: '09:00', end: '17:00' }),
    holidays: z.array(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date such as "2026-12-25"')).default([]),
  })
  .strict()
  .refine((c) => c.hours.start < c.hours.end, { message: 'hours.start must be before hours.end' });

/** Where a request's access lives: the first binding whose every given pattern matches wins. */
const providerBinding = z
  .object({
    id: ruleId,
    /** Name of a provider in the service configuration (`providers.<name>`). */
    provider: z.string().min(1),
    match: z
      .object({
        /** Glob patterns (`*` any run of characters), case-insensitive; any system may match. */
        systems: z.array(z.string().min(1)).optional(),
        accounts: z.array(z.string().min(1)).optional(),
        categories: z.array(ruleId).optional(),
      })
      .strict()
      .default({}),
    /** Settings for the provider (a group DN, a KV path): plain strings, never secrets. */
    with: z.record(z.string(), z.string()).default({}),
    /**
     * `rotate`: the account is shared; a grant sets a fresh password and hands it to the requester
     * through a one-time link, instead of changing membership.
     */
    share: z.enum(['none', 'rotate']).default('none'),
    /** Rotate the account's password when the last grant covering it ends. */
    rotateOnRevoke: z.boolean().default(false),
  })
  .strict();

/**
 * A rule that approves a request without people: its conditions (as for risk rules, plus
 * `risk`, `requesterGroups`, `hourUtc`, `weekdayUtc`) hold, and with `renewalWithin` the same
 * requester had the same access approved by people, ended no longer ago than that.
 */
const autoApproveRule = z
  .object({
    id: ruleId,
    description: z.string().min(1),
    when: topCondition.optional(),
    renewalWithin: duration.optional(),
    /** A rule never approves high risk unless it says so here (`policy check` warns about it). */
    allowHighRisk: z.boolean().default(false),
  })
  .strict()
  .refine((r) => r.when !== undefined || r.renewalWithin !== undefined, {
    message: 'an auto-approval rule needs `when`, `renewalWithin` or both',
  });

/** Emergency access: granted at once, short, and revoked unless approvers confirm it in time. */
const breakGlass = z
  .object({
    categories: z.array(ruleId).default([]),
    labels: z.array(z.string().min(1)).default([]),
    /** The longest a break-glass grant lasts, whatever was asked for. */
    maxDuration: duration,
    /** Distinct approvers of the request's approval steps who must confirm it afterwards. */
    approvals: z.number().int().min(1).max(10).default(1),
    /** How long after the grant they have; then the access is revoked. */
    confirmWithin: duration,
  })
  .strict()
  .refine((b) => b.categories.length + b.labels.length > 0, {
    message: 'break-glass needs at least one category or label',
  });

/** A category that needs a referenced change or incident (the `linked` fact). */
const linkedTicket = z
  .object({
    /** The ticket must not be resolved or closed (default true). */
    open: z.boolean().default(true),
    /** The ticket must be assigned to the requester. */
    assignedToRequester: z.boolean().default(false),
  })
  .strict();

const approvalPath = z.object({ low: z.array(approvalStep).min(1), high: z.array(approvalStep).min(1) }).strict();

const riskRule = z
  .object({ id: ruleId, description: z.string().min(1), when: topCondition, risk: z.enum(['low', 'high']) })
  .strict();

/**
 * A client overlay: for requests whose client (the client, company or organization fact) is one
 * of `match`, these parts of the policy are replaced. `owners` is the client directory entry that
 * `source: client-owner` steps read.
 */
const clientOverlay = z
  .object({
    id: ruleId,
    name: z.string().min(1).optional(),
    /** Client, company or organization names (case-insensitive, `*` any run of characters). */
    match: z.array(z.string().min(1)).min(1),
    owners: z.array(z.string().min(1)).default([]),
    /** Approval paths replaced by name; paths not named stay as in the base policy. */
    approvals: z
      .object({ paths: z.record(z.string(), approvalPath) })
      .strict()
      .optional(),
    durations: z
      .object({
        default: duration.optional(),
        max: z.object({ low: duration, high: duration }).partial().strict().optional(),
      })
      .strict()
      .optional(),
    /** Per category id: the facts it requires and its maximum duration, for this client. */
    categories: z
      .record(
        z.string(),
        z.object({ required: z.array(factName).optional(), maxDuration: duration.optional() }).strict(),
      )
      .optional(),
    risk: z
      .object({
        add: z.array(riskRule).default([]),
        /** Base risk rule ids switched off for this client. */
        disable: z.array(ruleId).default([]),
      })
      .strict()
      .optional(),
    /** Provider bindings tried before the base policy's. */
    providers: z.array(providerBinding).optional(),
  })
  .strict();

/** The system catalogue: owners of systems, for `source: system-owner` steps. */
const systemEntry = z
  .object({
    /** System names (case-insensitive, `*` any run of characters). */
    match: z.array(z.string().min(1)).min(1),
    owners: z.array(z.string().min(1)).min(1),
  })
  .strict();

export const policySchema = z
  .object({
    version: z.literal(1),
    // partialRecord: zod 4's record over an enum demands every key; a policy may label only some.
    facts: z
      .partialRecord(
        factName,
        z.object({ label: z.string().min(1), aliases: z.array(z.string().min(1)).default([]) }).strict(),
      )
      .default({}),
    categories: z
      .array(
        z
          .object({
            id: ruleId,
            name: z.string().min(1),
            description: z.string().optional(),
            when: topCondition,
            required: z.array(factName).default([]),
            path: z.string().min(1).default('standard'),
            maxDuration: duration.optional(),
            /**
             * With an OpenID provider configured, a one-time link opens only for the requester signed
             * in (`signed-in`, the default); `unbound` for vendors with no account there.
             */
            oneTimeLink: z.enum(['signed-in', 'unbound']).optional(),
            /** Requires the `linked` fact to name a ticket that exists (and is open, ...). */
            linkedTicket: linkedTicket.optional(),
          })
          .strict(),
      )
      .min(1),
    risk: z
      .object({
        rules: z.array(riskRule).default([]),
      })
      .strict(),
    durations: z
      .object({
        default: duration,
        max: z.object({ low: duration, high: duration }).strict(),
      })
      .strict(),
    approvals: z.object({ paths: z.record(z.string(), approvalPath) }).strict(),
    providers: z.array(providerBinding).default([]),
    autoApprove: z
      .object({ rules: z.array(autoApproveRule).default([]) })
      .strict()
      .optional(),
    breakGlass: breakGlass.optional(),
    /** Per-client overlays (first match wins) and the client directory. */
    clients: z.array(clientOverlay).default([]),
    systems: z.array(systemEntry).default([]),
    calendar: calendar.optional(),
    /** Periodic access reviews (src/review); absent: none is scheduled. */
    review: reviewPolicySchema.optional(),
    lifecycle: z
      .object({
        pendingTimeout: duration.default('72h'),
        reminderBefore: duration.default('1h'),
      })
      .strict()
      .default({ pendingTimeout: '72h', reminderBefore: '1h' }),
  })
  .strict()
  .superRefine((p, ctx) => {
    p.categories.forEach((c, i) => {
      if (!p.approvals.paths[c.path]) {
        ctx.addIssue({
          code: 'custom',
          path: ['categories', i, 'path'],
          message: `unknown approval path "${c.path}"; defined: ${Object.keys(p.approvals.paths).join(', ')}`,
        });
      }
    });
    const bindings = p.providers.map((b) => b.id);
    const dupBinding = bindings.find((id, i) => bindings.indexOf(id) !== i);
    if (dupBinding)
      ctx.addIssue({
        code: 'custom',
        path: ['providers'],
        message: `provider binding id "${dupBinding}" is used twice`,
      });
    for (const [i, id] of (p.breakGlass?.categories ?? []).entries()) {
      if (!p.categories.some((c) => c.id === id))
        ctx.addIssue({ code: 'custom', path: ['breakGlass', 'categories', i], message: `unknown category "${id}"` });
    }
    const usesCalendar = Object.values(p.approvals.paths)
      .concat(p.clients.flatMap((c) => Object.values(c.approvals?.paths ?? {})))
      .some((path) => [...path.low, ...path.high].some((s) => s.businessHours));
    if (usesCalendar && !p.calendar)
      ctx.addIssue({
        code: 'custom',
        path: ['calendar'],
        message: 'a step counts business hours but no calendar is set',
      });
    const clientIds = p.clients.map((c) => c.id);
    const dupClient = clientIds.find((id, i) => clientIds.indexOf(id) !== i);
    if (dupClient)
      ctx.addIssue({ code: 'custom', path: ['clients'], message: `client id "${dupClient}" is used twice` });
    p.clients.forEach((c, i) => {
      for (const off of c.risk?.disable ?? [])
        if (!p.risk.rules.some((r) => r.id === off))
          ctx.addIssue({
            code: 'custom',
            path: ['clients', i, 'risk', 'disable'],
            message: `unknown risk rule "${off}"`,
          });
      for (const cat of Object.keys(c.categories ?? {}))
        if (!p.categories.some((x) => x.id === cat))
          ctx.addIssue({ code: 'custom', path: ['clients', i, 'categories'], message: `unknown category "${cat}"` });
    });
    const ids = [
      ...p.categories.map((c) => c.id),
      ...p.risk.rules.map((r) => r.id),
      ...(p.autoApprove?.rules ?? []).map((r) => r.id),
    ];
    const dup = ids.find((id, i) => ids.indexOf(id) !== i);
    if (dup) ctx.addIssue({ code: 'custom', path: ['risk'], message: `rule id "${dup}" is used twice` });
  });

export type PolicyDocument = z.infer<typeof policySchema>;
