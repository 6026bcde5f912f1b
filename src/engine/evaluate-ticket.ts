import { createHash } from 'node:crypto';
import type { TicketSnapshot } from '../domain/ticket';
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
}

/** Classifies and assesses a ticket; null when it is not a shared-credential request. */
export async function evaluateTicket(snapshot: TicketSnapshot, policy: Policy): Promise<Evaluation | null> {
  const facts = extractFacts(snapshot, policy.factLabels);
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
    steps: policy.approvalSteps(category, risk),
    requestedMs,
    grantMs: capped ? cap.ms : wanted,
    capRule: capped ? cap.rule : null,
  };
}

/** A digest of the facts: approvals are given to these facts, so any change resets them. */
export function fingerprint(facts: Facts): string {
  return createHash('sha256').update(JSON.stringify(facts)).digest('hex').slice(0, 16);
}

/** credgate's id for a request: derived from the ticket, so every replica computes the same one. */
export function requestIdFor(connector: string, ticketId: string): string {
  return `cg-${createHash('sha256').update(`${connector}:${ticketId}`).digest('hex').slice(0, 10)}`;
}
