import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { describeYamlSyntaxError } from '../util/yaml-syntax-error';
import type { TopLevelCondition } from 'json-rules-engine';
import { policySchema, type PolicyDocument } from './policy-schema';
import { createRuleEngine } from './rule-engine';
import { policyProblems } from './compile-checks';
import { describeProblems } from './config-checks';
import { parseDuration } from './parse-duration';
import { formatZodError } from '../util/format-zod-error';
import { CredgateError } from '../util/errors';
import type { ApprovalStep, FactName, Facts, FiredRule, Risk } from '../domain/request';
import type { TicketSnapshot } from '../domain/ticket';
import type { FactLabels } from './extract-facts';
import type { AccessTarget } from '../domain/access-target';
import type { PriorGrant } from '../domain/event';
import type { BusinessCalendar } from './business-hours';

export interface Category {
  id: string;
  name: string;
  required: FactName[];
  path: string;
  maxDurationMs: number | null;
  /** What the linked ticket (the `linked` fact, then required) must be; null: none is needed. */
  linkedTicket: { open: boolean; assignedToRequester: boolean } | null;
}

/** What decide looks up before judging auto-approval (resolved by the processor, recorded). */
export interface AutoApprovalContext {
  now: Date;
  requesterGroups: string[];
  priorGrants: PriorGrant[];
}

export interface AutoApproval {
  rule: FiredRule;
  /** The earlier grant a `renewalWithin` rule found; null for other rules. */
  renewalOf: string | null;
}

export interface BreakGlassTerms {
  maxMs: number;
  approvals: number;
  confirmWithinMs: number;
}

export interface Assessment {
  category: Category;
  risk: Risk;
  riskRules: FiredRule[];
}

/**
 * A loaded, validated policy. Evaluation is pure (no I/O) but asynchronous, because
 * json-rules-engine evaluates conditions asynchronously.
 */
export interface Policy {
  readonly document: PolicyDocument;
  readonly factLabels: FactLabels;
  readonly defaultDurationMs: number;
  readonly pendingTimeoutMs: number;
  readonly reminderBeforeMs: number;
  /** The category of a ticket, or null when it is not a shared-credential request. */
  classify(snapshot: TicketSnapshot, facts: Facts): Promise<Category | null>;
  assessRisk(
    snapshot: TicketSnapshot,
    facts: Facts,
    category: Category,
  ): Promise<{ risk: Risk; riskRules: FiredRule[] }>;
  maxDurationMs(category: Category, risk: Risk): { ms: number; rule: string };
  approvalSteps(category: Category, risk: Risk): ApprovalStep[];
  /** The longest a grant may last without a new approval, for a category id (extensions). */
  maxGrantMs(categoryId: string, risk: Risk): number;
  /** Which provider holds this request's access; null when no binding matches (builtin ledger). */
  accessTargetFor(categoryId: string, facts: Facts): AccessTarget | null;
  /** The first auto-approval rule that approves this request, or null (people decide). */
  autoApproval(
    snapshot: TicketSnapshot,
    facts: Facts,
    category: Category,
    risk: Risk,
    context: AutoApprovalContext,
  ): Promise<AutoApproval | null>;
  /** Break-glass terms when the category or a label marks the request as an emergency. */
  breakGlassFor(category: Category, labels: string[]): BreakGlassTerms | null;
  /** The client overlay this policy is the effect of, or null for the base policy. */
  readonly overlayId: string | null;
  /** The client directory entry's owners (empty for the base policy). */
  readonly clientOwners: string[];
  /** The effective policy for a request's facts: its client's overlay, or this policy. */
  overlayFor(facts: Facts): Policy;
  /** The effective policy for a client name (`policy check --client`), or this policy. */
  forClient(client: string): Policy;
  /** The effective policy a stored request was judged under (by overlay id), or this policy. */
  overlay(id: string | null | undefined): Policy;
  /** Owners of the given systems from the system catalogue, each once. */
  systemOwners(systems: string[]): string[];
  readonly calendar: BusinessCalendar | null;
}

/** What `policy check` warns about: valid, but probably not what the author meant. */
export function policyWarnings(doc: PolicyDocument): string[] {
  return (doc.autoApprove?.rules ?? [])
    .filter((r) => r.allowHighRisk)
    .map((r) => `auto-approval rule "${r.id}" may approve HIGH risk requests without any person (allowHighRisk: true)`);
}

export function loadPolicy(path: string): Policy {
  let raw: unknown;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CredgateError('config', `policy file ${path} cannot be read: ${(err as Error).message}`);
  }
  try {
    raw = parseYaml(text);
  } catch (err) {
    const where = describeYamlSyntaxError(err, text) ?? 'it cannot be parsed';
    throw new CredgateError('config', `policy file ${path} is not valid YAML: ${where}`);
  }
  return compilePolicy(raw, `policy file ${path}`);
}

export function compilePolicy(raw: unknown, source = 'policy'): Policy {
  const parsed = policySchema.safeParse(raw);
  if (!parsed.success) throw new CredgateError('config', formatZodError(parsed.error, source));
  const problems = policyProblems(parsed.data);
  if (problems.length) throw new CredgateError('config', describeProblems(source, problems));
  const base = compileDocument(parsed.data, null, []);
  const overlays = parsed.data.clients.map((c) => ({
    client: c,
    policy: compileDocument(applyOverlay(parsed.data, c), c.id, c.owners),
  }));
  const find = (name: string) =>
    name.trim() ? overlays.find((o) => o.client.match.some((p) => globMatches(p, name))) : undefined;
  const withOverlays = (p: Policy): Policy =>
    Object.assign(p, {
      overlayFor: (facts: Facts) => (find(facts.client) ?? find(facts.company))?.policy ?? base,
      forClient: (name: string) => find(name)?.policy ?? base,
      overlay: (id: string | null | undefined) => overlays.find((o) => o.client.id === id)?.policy ?? base,
    });
  withOverlays(base);
  for (const o of overlays) withOverlays(o.policy);
  return base;
}

/** The base document with one client's overrides applied (the overlay's own list left out). */
function applyOverlay(doc: PolicyDocument, c: PolicyDocument['clients'][number]): PolicyDocument {
  const off = new Set(c.risk?.disable ?? []);
  return {
    ...doc,
    clients: [],
    categories: doc.categories.map((cat) => {
      const o = c.categories?.[cat.id];
      return o
        ? {
            ...cat,
            ...(o.required ? { required: o.required } : {}),
            ...(o.maxDuration ? { maxDuration: o.maxDuration } : {}),
          }
        : cat;
    }),
    risk: { rules: [...doc.risk.rules.filter((r) => !off.has(r.id)), ...(c.risk?.add ?? [])] },
    durations: {
      default: c.durations?.default ?? doc.durations.default,
      max: { ...doc.durations.max, ...c.durations?.max },
    },
    approvals: { paths: { ...doc.approvals.paths, ...c.approvals?.paths } },
    providers: [...(c.providers ?? []), ...doc.providers],
  };
}

function compileDocument(doc: PolicyDocument, overlayId: string | null, clientOwners: string[]): Policy {
  const ms = (d: string) => parseDuration(d) as number;

  const categories: Category[] = doc.categories.map((c) => ({
    id: c.id,
    name: c.name,
    required: c.required as FactName[],
    path: c.path,
    maxDurationMs: c.maxDuration ? ms(c.maxDuration) : null,
    linkedTicket: c.linkedTicket ?? null,
  }));
  // A category that checks a linked ticket needs one named.
  for (const c of categories) if (c.linkedTicket && !c.required.includes('linked')) c.required.push('linked');

  const categoryEngine = createRuleEngine();
  doc.categories.forEach((c, order) =>
    categoryEngine.addRule({
      name: c.id,
      conditions: c.when as TopLevelCondition,
      event: { type: 'category', params: { order } },
    }),
  );
  const riskEngine = createRuleEngine();
  for (const r of doc.risk.rules) {
    riskEngine.addRule({
      name: r.id,
      conditions: r.when as TopLevelCondition,
      event: { type: 'risk', params: { id: r.id } },
    });
  }
  // Rules are pure functions of what they read: the engines run once per distinct input, not on
  // every delivery that re-reads an unchanged ticket (an approval, a comment, a redelivery).
  const classified = memo<number | null>(RULE_MEMO_SIZE);
  const assessed = memo<Set<string>>(RULE_MEMO_SIZE);

  const autoRules = doc.autoApprove?.rules ?? [];
  const autoEngine = createRuleEngine();
  for (const r of autoRules) {
    if (!r.when) continue;
    autoEngine.addRule({
      name: r.id,
      conditions: r.when as TopLevelCondition,
      event: { type: 'auto-approve', params: { id: r.id } },
    });
  }

  const unbound = (): never => {
    throw new CredgateError('permanent', 'overlays are bound by compilePolicy');
  };
  return {
    document: doc,
    overlayId,
    clientOwners,
    calendar: doc.calendar ?? null,
    overlayFor: unbound,
    forClient: unbound,
    overlay: unbound,
    systemOwners(systems) {
      const owners = doc.systems.filter((e) => systems.some((s) => e.match.some((p) => globMatches(p, s))));
      return [...new Set(owners.flatMap((e) => e.owners))];
    },
    factLabels: doc.facts as FactLabels,
    defaultDurationMs: ms(doc.durations.default),
    pendingTimeoutMs: ms(doc.lifecycle.pendingTimeout),
    reminderBeforeMs: ms(doc.lifecycle.reminderBefore),

    async classify(snapshot, facts) {
      const input = ruleFacts(snapshot, facts);
      const order = await classified(JSON.stringify(input), async () => {
        const { events } = await categoryEngine.run(input);
        const orders = events.map((e) => Number(e.params?.order));
        return orders.length ? Math.min(...orders) : null;
      });
      return order === null ? null : categories[order];
    },

    async assessRisk(snapshot, facts, category) {
      const input = { ...ruleFacts(snapshot, facts), category: category.id };
      const fired = await assessed(JSON.stringify(input), async () => {
        const { events } = await riskEngine.run(input);
        return new Set(events.map((e) => String(e.params?.id)));
      });
      const rules = doc.risk.rules.filter((r) => fired.has(r.id));
      const high = rules.filter((r) => r.risk === 'high');
      return {
        risk: high.length ? 'high' : 'low',
        // Name the rules that decided: the high ones when high, otherwise every low one that fired.
        riskRules: (high.length ? high : rules).map((r) => ({ id: r.id, description: r.description })),
      };
    },

    maxDurationMs(category, risk) {
      const byRisk = ms(doc.durations.max[risk]);
      if (category.maxDurationMs !== null && category.maxDurationMs < byRisk) {
        return { ms: category.maxDurationMs, rule: `${category.id}-max-duration` };
      }
      return { ms: byRisk, rule: `max-duration-${risk}` };
    },

    approvalSteps(category, risk) {
      return doc.approvals.paths[category.path][risk].map((s) => ({
        id: s.id,
        name: s.name,
        groups: [...s.groups],
        users: [...s.users],
        count: s.count,
        ...(s.source ? { source: s.source } : {}),
        ...(s.remindAfter ? { remindAfterMs: ms(s.remindAfter) } : {}),
        ...(s.escalateAfter ? { escalateAfterMs: ms(s.escalateAfter) } : {}),
        ...(s.escalateTo ? { escalateTo: structuredClone(s.escalateTo) } : {}),
        ...(s.businessHours ? { businessHours: true } : {}),
      }));
    },

    maxGrantMs(categoryId, risk) {
      const category = categories.find((c) => c.id === categoryId);
      const byRisk = ms(doc.durations.max[risk]);
      return category?.maxDurationMs != null ? Math.min(category.maxDurationMs, byRisk) : byRisk;
    },

    accessTargetFor(categoryId, facts) {
      const binding = doc.providers.find((b) => bindingMatches(b.match, categoryId, facts));
      if (!binding) return null;
      return {
        binding: binding.id,
        provider: binding.provider,
        settings: { ...binding.with },
        rotateOnRevoke: binding.rotateOnRevoke,
        share: binding.share,
      };
    },

    async autoApproval(snapshot, facts, category, risk, context) {
      if (!autoRules.length) return null;
      const now = context.now;
      const { events } = await autoEngine.run({
        ...ruleFacts(snapshot, facts),
        category: category.id,
        risk,
        requesterGroups: context.requesterGroups,
        hourUtc: now.getUTCHours(),
        weekdayUtc: now.getUTCDay(),
      });
      const fired = new Set(events.map((e) => String(e.params?.id)));
      for (const r of autoRules) {
        if (risk === 'high' && !r.allowHighRisk) continue;
        if (r.when && !fired.has(r.id)) continue;
        let renewalOf: string | null = null;
        if (r.renewalWithin) {
          const since = now.getTime() - ms(r.renewalWithin);
          const prior = context.priorGrants.find(
            (g) => g.category === category.id && sameAccess(g, facts) && Date.parse(g.endsAt) >= since,
          );
          if (!prior) continue;
          renewalOf = prior.requestId;
        }
        return { rule: { id: r.id, description: r.description }, renewalOf };
      }
      return null;
    },

    breakGlassFor(category, labels) {
      const bg = doc.breakGlass;
      if (!bg) return null;
      const wanted = new Set(bg.labels.map((l) => l.toLowerCase()));
      if (!bg.categories.includes(category.id) && !labels.some((l) => wanted.has(l.toLowerCase()))) return null;
      return { maxMs: ms(bg.maxDuration), approvals: bg.approvals, confirmWithinMs: ms(bg.confirmWithin) };
    },
  };
}

/** Distinct rule inputs remembered per engine: open requests times the edits they see, roughly. */
const RULE_MEMO_SIZE = 2_000;

/** Results of a pure async function by key, the oldest forgotten past `size`. */
function memo<T>(size: number): (key: string, compute: () => Promise<T>) => Promise<T> {
  const results = new Map<string, T>();
  return async (key, compute) => {
    if (results.has(key)) return results.get(key) as T;
    const value = await compute();
    if (results.size >= size) results.delete(results.keys().next().value as string);
    results.set(key, value);
    return value;
  };
}

/** The same account on the same systems (case-insensitive, in any order). */
function sameAccess(g: PriorGrant, facts: Facts): boolean {
  const norm = (xs: string[]) =>
    xs
      .map((x) => x.trim().toLowerCase())
      .sort()
      .join('\n');
  return (
    g.account.trim().toLowerCase() === facts.account.trim().toLowerCase() && norm(g.systems) === norm(facts.systems)
  );
}

/** True when some approval step of the policy or of a client overlay names this source. */
export function usesSource(policy: Policy, source: string): boolean {
  const doc = policy.document;
  return [doc.approvals.paths, ...doc.clients.map((c) => c.approvals?.paths ?? {})]
    .flatMap((paths) => Object.values(paths))
    .some((p) => [...p.low, ...p.high].some((s) => s.source === source));
}

/** The facts rules can test, flattened so conditions read naturally ("systems matches prod"). */
function ruleFacts(snapshot: TicketSnapshot, facts: Facts): Record<string, unknown> {
  const durationMs = parseDuration(facts.duration);
  return {
    ...facts,
    summary: snapshot.summary,
    description: snapshot.description,
    issueType: snapshot.issueType,
    project: snapshot.project,
    labels: snapshot.labels,
    requester: snapshot.reporter?.id ?? '',
    external: facts.company.trim() !== '',
    durationHours: durationMs === null ? 0 : durationMs / 3_600_000,
  };
}

/** `*` matches any run of characters; everything else literally, case-insensitively. */
const globMatches = (pattern: string, value: string): boolean =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
    'i',
  ).test(value.trim());

function bindingMatches(
  match: PolicyDocument['providers'][number]['match'],
  categoryId: string,
  facts: Facts,
): boolean {
  if (match.categories && !match.categories.includes(categoryId)) return false;
  if (match.systems && !facts.systems.some((s) => match.systems!.some((p) => globMatches(p, s)))) return false;
  if (match.accounts && !match.accounts.some((p) => globMatches(p, facts.account))) return false;
  return true;
}
