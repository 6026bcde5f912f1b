import { createHash } from 'node:crypto';
import type { Actor, TicketSnapshot } from '../domain/ticket';
import type { ApprovalStep, FactName, Facts, FiredRule, RecordedContext, Risk } from '../domain/request';
import type { AutoApproval, BreakGlassTerms, Category, Policy } from '../policy/policy';
import type { ObservedContext } from '../domain/event';
import type { LinkedTicket } from '../domain/ticket';
import { extractFacts, missingFacts } from '../policy/extract-facts';
import { parseDuration } from '../policy/parse-duration';

/** Everything policy says about a ticket as it stands now. */
export interface Evaluation {
  category: Category;
  facts: Facts;
  fingerprint: string;
  missing: FactName[];
  /** Problems with facts that are present but unusable, e.g. a duration nobody can parse. */
  invalid: { fact: FactName; problem: string }[];
  risk: Risk;
  riskRules: FiredRule[];
  steps: ApprovalStep[];
  requestedMs: number | null;
  grantMs: number;
  capRule: string | null;
  /** The auto-approval rule that approves the request as it stands, if any. */
  autoApproval: AutoApproval | null;
  /** Break-glass terms when the request is an emergency. */
  breakGlass: BreakGlassTerms | null;
  /** What was looked up and judged, to be recorded with the request. */
  context: RecordedContext;
  /** The client overlay applied (policy `clients`), or null. */
  overlay: string | null;
}

/** Looked up before deciding: absent, the checks that need it find nothing. */
export interface Observed {
  now: Date;
  context?: ObservedContext;
  people?: ResolvedPeople;
}

/** People found outside the ticket before deciding (the requester's manager from the directory). */
export interface ResolvedPeople {
  managers?: string[];
}

/** Classifies and assesses a ticket; null when it is not a shared-credential request. */
export async function evaluateTicket(
  snapshot: TicketSnapshot,
  basePolicy: Policy,
  observed: Observed = { now: new Date(0) },
): Promise<Evaluation | null> {
  const facts = extractFacts(snapshot, basePolicy.factLabels);
  // The client's overlay, when one matches, decides everything that follows.
  const policy = basePolicy.overlayFor(facts);
  const people = observed.people ?? {};
  const category = await policy.classify(snapshot, facts);
  if (!category) return null;

  const missing = missingFacts(facts, category.required);
  const invalid: Evaluation['invalid'] = [];
  const requestedMs = facts.duration.trim() ? parseDuration(facts.duration) : null;
  if (facts.duration.trim() && requestedMs === null) {
    invalid.push({ fact: 'duration', problem: 'is not a duration (write e.g. "4h", "90m" or "2d")' });
  }

  const seen = observed.context ?? {};
  const context: RecordedContext = {};
  if (category.linkedTicket && facts.linked?.trim()) {
    const linked = seen.linked && sameKey(seen.linked.key, facts.linked) ? seen.linked : null;
    context.linked = linked;
    const problem = linkedProblem(facts.linked.trim(), linked, category.linkedTicket, snapshot);
    if (problem) invalid.push({ fact: 'linked', problem });
  }

  const { risk, riskRules } = await policy.assessRisk(snapshot, facts, category);
  let autoApproval: AutoApproval | null = null;
  if (seen.requesterGroups !== undefined || seen.priorGrants !== undefined) {
    context.requesterGroups = seen.requesterGroups ?? [];
    autoApproval = await policy.autoApproval(snapshot, facts, category, risk, {
      now: observed.now,
      requesterGroups: seen.requesterGroups ?? [],
      priorGrants: seen.priorGrants ?? [],
    });
    if (autoApproval?.renewalOf) context.renewalOf = autoApproval.renewalOf;
  }
  const cap = policy.maxDurationMs(category, risk);
  const wanted = requestedMs ?? policy.defaultDurationMs;
  const capped = wanted > cap.ms;

  return {
    category,
    facts,
    fingerprint: fingerprint(facts),
    missing,
    invalid,
    risk,
    riskRules,
    steps: resolveSteps(policy.approvalSteps(category, risk), policy, facts, snapshot.reporter, people),
    requestedMs,
    grantMs: capped ? cap.ms : wanted,
    capRule: capped ? cap.rule : null,
    autoApproval,
    breakGlass: policy.breakGlassFor(category, snapshot.labels),
    context,
    overlay: policy.overlayId,
  };
}

const sameKey = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** Why the linked ticket does not qualify, in words for the requester; null when it does. */
function linkedProblem(
  key: string,
  linked: LinkedTicket | null,
  rule: NonNullable<Category['linkedTicket']>,
  snapshot: TicketSnapshot,
): string | null {
  if (!linked) return `names ${key}, which credgate cannot read here`;
  if (!linked.found) return `names ${key}, which does not exist`;
  if (rule.open && !linked.open) return `names ${key}, which is no longer open (${linked.status})`;
  if (rule.assignedToRequester && (!linked.assignee || linked.assignee.id !== snapshot.reporter?.id)) {
    return `names ${key}, which is not assigned to the requester`;
  }
  return null;
}

/**
 * Fills steps that name a source with the people it names now, never the requester. A step whose
 * source names nobody and that has a fallback gets the fallback at once.
 */
export function resolveSteps(
  steps: ApprovalStep[],
  policy: Policy,
  facts: Facts,
  requester: Actor | null,
  people: ResolvedPeople,
): ApprovalStep[] {
  const self = [requester?.id, requester?.email].filter(Boolean).map((s) => String(s).toLowerCase());
  return steps.map((s) => {
    if (!s.source) return s;
    const found =
      s.source === 'manager'
        ? (people.managers ?? [])
        : s.source === 'client-owner'
          ? policy.clientOwners
          : policy.systemOwners(facts.systems);
    const resolved = [...new Set(found)].filter((p) => !self.includes(p.toLowerCase()));
    const step: ApprovalStep = { ...s, users: [...new Set([...s.users, ...resolved])], resolved };
    if (!step.groups.length && !step.users.length && step.escalateTo) {
      const { groups, users } = step.escalateTo;
      Object.assign(step, { groups: [...groups], users: [...users], escalated: true });
    }
    return step;
  });
}

/** A digest of the facts: approvals are given to these facts, so any change resets them. */
export function fingerprint(facts: Facts): string {
  return createHash('sha256').update(JSON.stringify(facts)).digest('hex').slice(0, 16);
}

/** credgate's id for a request: derived from the ticket, so every replica computes the same one. */
export function requestIdFor(connector: string, ticketId: string): string {
  return `cg-${createHash('sha256').update(`${connector}:${ticketId}`).digest('hex').slice(0, 10)}`;
}
