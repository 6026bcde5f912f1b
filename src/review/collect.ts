import type { CredentialRequest, Risk } from '../domain/request';
import type { AuditEntry } from '../audit/audit-log';
import { purgeCandidates } from './account-findings';
import { bucketsFor } from './time-buckets';
import {
  OUTCOMES,
  type AccountObservation,
  type ActiveGrantRow,
  type BreakGlassRow,
  type ApproverFigures,
  type CategoryFigures,
  type DurationRow,
  type DurationStats,
  type RequestOutcome,
  type ReviewPeriod,
  type ReviewSummary,
  type RevocationRow,
} from './review-types';

export interface CollectInput {
  /** Every stored request (store.requests.all()). */
  requests: CredentialRequest[];
  /** Audit entries (at least those of the period); other requests' entries are ignored. */
  audit: Pick<AuditEntry, 'requestId' | 'action' | 'outcome' | 'at'>[];
  /** Shared accounts with what their providers reported (see knownAccounts). */
  accounts: AccountObservation[];
  period: ReviewPeriod;
  now: Date;
  staleAfterDays: number;
}

/** A revocation that ended more than this after it was due is late. */
export const LATE_AFTER_MS = 60_000;

/** Audit actions that mark the moment a provider actually took access away. */
const ACCESS_ENDED = new Set(['access-revoked', 'provider-revoked', 'account-rotated', 'access-kept']);

const zeroRisk = (): Record<Risk, number> => ({ low: 0, high: 0 });
const zeroOutcomes = () => Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<RequestOutcome, number>;

/**
 * What a periodic access review reports, computed from stored history alone: no I/O, no clock
 * (`now` is given), so the same inputs always give the same figures.
 */
export function collectReview(input: CollectInput): ReviewSummary {
  const { period, now } = input;
  const inPeriod = (iso: string | null | undefined) =>
    Boolean(iso) && (iso as string) >= period.since && (iso as string) < period.until;
  const created = input.requests.filter((r) => inPeriod(r.createdAt)).sort(byCreated);
  const granted = input.requests.filter((r) => inPeriod(r.grantedAt)).sort(byCreated);

  const totals = { requests: created.length, byRisk: zeroRisk(), byOutcome: zeroOutcomes() };
  const categories = new Map<string, CategoryFigures>();
  for (const r of created) {
    const outcome = outcomeOf(r);
    totals.byRisk[r.risk] += 1;
    totals.byOutcome[outcome] += 1;
    const c = categories.get(r.category.id) ?? {
      id: r.category.id,
      name: r.category.name,
      total: 0,
      byRisk: zeroRisk(),
      byOutcome: zeroOutcomes(),
    };
    c.total += 1;
    c.byRisk[r.risk] += 1;
    c.byOutcome[outcome] += 1;
    categories.set(c.id, c);
  }

  const approvers = new Map<string, ApproverFigures>();
  for (const r of input.requests) {
    for (const a of r.approvals) {
      if (!inPeriod(a.at)) continue;
      const f = approvers.get(a.actor.id) ?? {
        id: a.actor.id,
        name: a.actor.displayName,
        total: 0,
        byRisk: zeroRisk(),
      };
      f.total += 1;
      f.byRisk[r.risk] += 1;
      approvers.set(f.id, f);
    }
  }

  const approvalWaits = granted.map((r) => ({
    risk: r.risk,
    ms: Math.max(0, Date.parse(r.grantedAt as string) - Date.parse(r.pendingSince ?? r.createdAt)),
  }));
  const waitsOf = (risk?: Risk) => approvalWaits.filter((w) => !risk || w.risk === risk).map((w) => w.ms);

  const durationRows: DurationRow[] = granted.map((r) => {
    const end = r.state === 'granted' ? null : (r.endedAt ?? null);
    return {
      requestId: r.id,
      ticket: r.ticket.key,
      risk: r.risk,
      requestedMs: r.requestedMs,
      grantedMs: r.grantMs,
      actualMs: end ? Math.max(0, Date.parse(end) - Date.parse(r.grantedAt as string)) : null,
      capped: r.requestedMs !== null && r.grantMs < r.requestedMs,
    };
  });

  const revocations = revocationRows(input, inPeriod);
  const activeGrants: ActiveGrantRow[] = input.requests
    .filter((r) => r.state === 'granted')
    .map((r) => ({
      requestId: r.id,
      ticket: r.ticket.key,
      requester: r.requester?.displayName ?? 'unknown',
      account: r.facts.account,
      systems: r.facts.systems,
      expiresAt: r.expiresAt,
    }))
    .sort((a, b) => (a.expiresAt ?? '').localeCompare(b.expiresAt ?? '') || a.requestId.localeCompare(b.requestId));
  const breakGlass: BreakGlassRow[] = granted.flatMap((r) =>
    r.breakGlass
      ? [
          {
            requestId: r.id,
            ticket: r.ticket.key,
            requester: r.requester?.displayName ?? 'unknown',
            account: r.facts.account,
            systems: r.facts.systems,
            grantedAt: r.grantedAt as string,
            confirmedBy: r.breakGlass.approvals.map((a) => a.actor.displayName),
            needed: r.breakGlass.needed,
            status: r.breakGlass.confirmedAt ? 'confirmed' : r.state === 'granted' ? 'pending' : 'unconfirmed',
          },
        ]
      : [],
  );
  const bySystem = new Map<string, number>();
  for (const g of activeGrants)
    for (const s of new Set(g.systems.map((x) => x.trim()).filter(Boolean)))
      bySystem.set(s, (bySystem.get(s) ?? 0) + 1);

  const buckets = bucketsFor(period.since, period.until);
  for (const r of created) {
    const b = [...buckets.buckets].reverse().find((x) => x.start <= r.createdAt);
    if (b) b.byRisk[r.risk] += 1;
  }

  return {
    period,
    generatedAt: now.toISOString(),
    staleAfterDays: input.staleAfterDays,
    totals,
    byCategory: [...categories.values()].sort((a, b) => b.total - a.total || a.id.localeCompare(b.id)),
    approvers: [...approvers.values()].sort((a, b) => b.total - a.total || a.name.localeCompare(b.name)),
    timeToApproval: { all: stats(waitsOf()), low: stats(waitsOf('low')), high: stats(waitsOf('high')) },
    approvalWaits,
    durations: {
      rows: durationRows,
      capped: durationRows.filter((d) => d.capped).length,
      requested: stats(durationRows.map((d) => d.requestedMs).filter((v): v is number => v !== null)),
      granted: stats(durationRows.map((d) => d.grantedMs)),
      actual: stats(durationRows.map((d) => d.actualMs).filter((v): v is number => v !== null)),
    },
    revocations: {
      onTime: revocations.filter((r) => r.status === 'on-time').length,
      late: revocations.filter((r) => r.status === 'late').length,
      failed: revocations.filter((r) => r.status === 'failed').length,
      rows: revocations,
    },
    activeGrants,
    breakGlass,
    activeBySystem: [...bySystem]
      .map(([system, count]) => ({ system, count }))
      .sort((a, b) => b.count - a.count || a.system.localeCompare(b.system)),
    requestsOverTime: buckets,
    accounts: {
      inspected: input.accounts.filter((a) => a.state).length,
      uninspected: input.accounts.filter((a) => !a.state).length,
    },
    candidates: purgeCandidates(input.accounts, input.requests, now, input.staleAfterDays),
  };
}

/** Where a request stands now, in the review's words. */
export function outcomeOf(r: CredentialRequest): RequestOutcome {
  switch (r.state) {
    case 'awaiting-info':
    case 'pending-approval':
      return 'pending';
    default:
      return r.state;
  }
}

/**
 * Revocations due in the period: an expiry is due at `expiresAt`, an early end (declined after
 * grant, ticket closed, /revoke) when it was decided. The access ended at the last audit entry
 * saying so; a request whose revocation failed for good is `failed` however long ago.
 */
function revocationRows(input: CollectInput, inPeriod: (iso: string | null) => boolean): RevocationRow[] {
  const endedAt = new Map<string, string>();
  for (const e of input.audit) {
    if (!ACCESS_ENDED.has(e.action)) continue;
    const prev = endedAt.get(e.requestId);
    if (!prev || e.at > prev) endedAt.set(e.requestId, e.at);
  }
  const rows: RevocationRow[] = [];
  for (const r of input.requests) {
    if (!r.grantedAt || (r.state !== 'revoked' && r.state !== 'revocation-failed')) continue;
    const dueAt = r.endReason === 'expired' && r.expiresAt ? r.expiresAt : (r.endedAt ?? r.expiresAt);
    if (!dueAt || !inPeriod(dueAt)) continue;
    const row = { requestId: r.id, ticket: r.ticket.key, account: r.facts.account, dueAt };
    if (r.state === 'revocation-failed') {
      rows.push({ ...row, lagMs: null, status: 'failed' });
      continue;
    }
    const ended =
      [r.endedAt, endedAt.get(r.id)]
        .filter((t): t is string => Boolean(t))
        .sort()
        .pop() ?? dueAt;
    const lagMs = Math.max(0, Date.parse(ended) - Date.parse(dueAt));
    rows.push({ ...row, lagMs, status: lagMs > LATE_AFTER_MS ? 'late' : 'on-time' });
  }
  return rows.sort((a, b) => a.dueAt.localeCompare(b.dueAt) || a.requestId.localeCompare(b.requestId));
}

/** Median (mean of the middle two when even) and nearest-rank 90th percentile. */
export function stats(values: number[]): DurationStats {
  if (!values.length) return { count: 0, medianMs: null, p90Ms: null };
  const v = [...values].sort((a, b) => a - b);
  const mid = v.length >> 1;
  return {
    count: v.length,
    medianMs: v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2,
    p90Ms: v[Math.ceil(0.9 * v.length) - 1],
  };
}

const byCreated = (a: CredentialRequest, b: CredentialRequest) =>
  a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);
