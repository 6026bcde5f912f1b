import type { ApprovalStep, CredentialRequest, FactName } from '../domain/request';
import type { Policy } from '../policy/policy';
import { formatDuration } from '../policy/parse-duration';

/** View models for comment templates: small, explicit, never a raw vendor payload. */

/**
 * "2026-11-25 14:30 UTC": what people read in a ticket, unambiguous across time zones;
 * "2026-11-25 14:30:45 UTC" with `seconds` (grants the minute cannot describe, see grantTime).
 */
export const formatTime = (iso: string | null, seconds = false): string =>
  iso ? `${iso.slice(0, 10)} ${iso.slice(11, seconds ? 19 : 16)} UTC` : 'unknown';

/**
 * A time of a grant (its start, its end, an earlier end): to the second when the grant is shorter
 * than a minute or not a whole number of minutes, so "granted 10:00, ends 10:00" never happens.
 */
export function grantTime(r: Pick<CredentialRequest, 'grantedAt' | 'expiresAt'>, iso: string | null): string {
  const span = r.grantedAt && r.expiresAt ? Date.parse(r.expiresAt) - Date.parse(r.grantedAt) : null;
  return formatTime(iso, span !== null && (span < 60_000 || span % 60_000 !== 0));
}

const DEFAULT_LABELS: Record<FactName, string> = {
  systems: 'Target systems',
  account: 'Account',
  access: 'Access',
  justification: 'Justification',
  duration: 'Duration',
  company: 'Company',
  client: 'Client',
  linked: 'Linked ticket',
};

export const factLabel = (policy: Policy, fact: FactName): string =>
  policy.factLabels[fact]?.label ?? DEFAULT_LABELS[fact];

const SOURCE_LABEL = { manager: 'manager', 'client-owner': 'client owner', 'system-owner': 'system owner' } as const;

export function stepsView(steps: ApprovalStep[]) {
  return steps.map((s) => {
    const found = new Set(s.resolved ?? []);
    const label = s.source ? SOURCE_LABEL[s.source] : 'user';
    const who = [
      ...s.groups.map((g) => `group ${g}`),
      ...s.users.map((u) => (found.has(u) ? `${label} @${u}` : `user @${u}`)),
    ].join(' or ');
    return {
      name: s.name,
      count: s.count,
      who: who || (s.source ? `nobody found (${label}); credgate cannot fill this step` : 'nobody'),
    };
  });
}

export function requestView(r: CredentialRequest, policy: Policy) {
  return {
    category: r.category.name,
    categoryId: r.category.id,
    risk: r.risk.toUpperCase(),
    riskRules: r.riskRules,
    requester: r.requester?.displayName ?? 'unknown',
    facts: (Object.keys(DEFAULT_LABELS) as FactName[])
      .map((f) => ({
        label: factLabel(policy, f),
        value: Array.isArray(r.facts[f]) ? r.facts[f].join(', ') : (r.facts[f] ?? ''),
      }))
      .filter((f) => f.value !== ''),
    steps: stepsView(r.steps),
    duration: formatDuration(r.grantMs),
    requested: r.requestedMs === null ? null : formatDuration(r.requestedMs),
    capRule: r.capRule,
    pendingTimeout: formatDuration(policy.pendingTimeoutMs),
  };
}

export function approvalsView(r: CredentialRequest) {
  return r.approvals.map((a) => ({
    name: a.onBehalfOf ? `${a.actor.displayName} (for ${a.onBehalfOf.displayName})` : a.actor.displayName,
    step: r.steps.find((s) => s.id === a.step)?.name ?? a.step,
    at: formatTime(a.at),
  }));
}

/** Approvals still needed, per step, e.g. "1 more from Client owner". */
export function remainingView(r: CredentialRequest) {
  return r.steps
    .map((s) => ({ name: s.name, left: s.count - r.approvals.filter((a) => a.step === s.id).length }))
    .filter((s) => s.left > 0);
}
