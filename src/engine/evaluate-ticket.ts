import { createHash } from 'node:crypto';
import type { Actor, TicketSnapshot } from '../domain/ticket';
import type { ApprovalStep, FactName, Facts, FiredRule, Risk } from '../domain/request';
import type { Category, Policy } from '../policy/policy';
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
  /** The client overlay applied (policy `clients`), or null. */
  overlay: string | null;
}

/** People found outside the ticket before deciding (the requester's manager from the directory). */
export interface ResolvedPeople {
  managers?: string[];
}

/** Classifies and assesses a ticket; null when it is not a shared-credential request. */
export async function evaluateTicket(
  snapshot: TicketSnapshot,
  basePolicy: Policy,
  people: ResolvedPeople = {},
): Promise<Evaluation | null> {
  const facts = extractFacts(snapshot, basePolicy.factLabels);
  // The client's overlay, when one matches, decides everything that follows.
  const policy = basePolicy.overlayFor(facts);
  const category = await policy.classify(snapshot, facts);
  if (!category) return null;

  const missing = missingFacts(facts, category.required);
  const invalid: Evaluation['invalid'] = [];
  const requestedMs = facts.duration.trim() ? parseDuration(facts.duration) : null;
  if (facts.duration.trim() && requestedMs === null) {
    invalid.push({ fact: 'duration', problem: 'is not a duration (write e.g. "4h", "90m" or "2d")' });
  }

  const { risk, riskRules } = await policy.assessRisk(snapshot, facts, category);
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
    overlay: policy.overlayId,
  };
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
