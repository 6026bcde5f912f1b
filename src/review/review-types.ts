import type { Risk } from '../domain/request';
import type { TicketRef } from '../domain/ticket';
import type { AccountState } from '../providers/types';
import type { AccessTarget } from '../domain/access-target';

/** The time a review covers: from `since` (inclusive) to `until` (exclusive). */
export interface ReviewPeriod {
  /** Stable id of the period: the same scheduled run on any replica, or a CLI run's bounds. */
  id: string;
  since: string;
  until: string;
}

/** Median and 90th percentile of a set of durations (ms); null when the set is empty. */
export interface DurationStats {
  count: number;
  medianMs: number | null;
  p90Ms: number | null;
}

export type RequestOutcome =
  | 'granted'
  | 'revoked'
  | 'revocation-failed'
  | 'declined'
  | 'expired'
  | 'cancelled'
  | 'pending';

export const OUTCOMES: readonly RequestOutcome[] = [
  'granted',
  'revoked',
  'revocation-failed',
  'declined',
  'expired',
  'cancelled',
  'pending',
];

export interface CategoryFigures {
  id: string;
  name: string;
  total: number;
  byRisk: Record<Risk, number>;
  byOutcome: Record<RequestOutcome, number>;
}

export interface ApproverFigures {
  id: string;
  name: string;
  total: number;
  byRisk: Record<Risk, number>;
}

/** Requests created in one bucket of the period (a day or a week). */
export interface TimeBucket {
  start: string;
  label: string;
  byRisk: Record<Risk, number>;
}

export interface DurationRow {
  requestId: string;
  ticket: string;
  risk: Risk;
  requestedMs: number | null;
  grantedMs: number;
  /** How long the access actually lasted; null while it is still active. */
  actualMs: number | null;
  capped: boolean;
}

export type RevocationStatus = 'on-time' | 'late' | 'failed';

export interface RevocationRow {
  requestId: string;
  ticket: string;
  account: string;
  dueAt: string;
  /** How long after it was due the access ended; null when the revocation failed. */
  lagMs: number | null;
  status: RevocationStatus;
}

/** A break-glass grant of the period: access given before approval, and what the approvers did. */
export interface BreakGlassRow {
  requestId: string;
  ticket: string;
  requester: string;
  account: string;
  systems: string[];
  grantedAt: string;
  /** Who confirmed it afterwards, in order. */
  confirmedBy: string[];
  needed: number;
  /** confirmed: enough approvers in time; unconfirmed: revoked at the deadline; pending: still due. */
  status: 'confirmed' | 'unconfirmed' | 'pending';
}

export interface ActiveGrantRow {
  requestId: string;
  ticket: string;
  requester: string;
  account: string;
  systems: string[];
  expiresAt: string | null;
}

/** One shared account as credgate's history and its provider see it. */
export interface AccountObservation {
  /** Provider + account, the way the access ledger keys an account. */
  key: string;
  account: string;
  provider: string;
  target: AccessTarget | null;
  systems: string[];
  /** The provider's view; null when the provider cannot inspect accounts (or failed to). */
  state: AccountState | null;
  /** Why `state` is missing, for the report: "provider has no inspect", or the error's message. */
  stateNote?: string;
}

export type FindingKind = 'stale' | 'expired-enabled';

/** An account the review proposes to purge, and why. */
export interface PurgeCandidate {
  key: string;
  account: string;
  provider: string;
  target: AccessTarget | null;
  systems: string[];
  reasons: FindingKind[];
  /** Last use the provider reported, else when the last grant on it ended. */
  lastUsedAt: string | null;
  lastUsedSource: 'provider' | 'last-grant' | 'never';
  /** The account's own expiry, when the provider reported one. */
  expiresAt: string | null;
  /** The request whose facts and target a rotation uses (the latest one on the account). */
  latestRequestId: string;
  latestTicket: TicketRef;
}

/** Everything a review found, computed from stored history: the report, the ticket and the purge read it. */
export interface ReviewSummary {
  period: ReviewPeriod;
  generatedAt: string;
  staleAfterDays: number;
  totals: { requests: number; byRisk: Record<Risk, number>; byOutcome: Record<RequestOutcome, number> };
  byCategory: CategoryFigures[];
  approvers: ApproverFigures[];
  timeToApproval: Record<Risk | 'all', DurationStats>;
  /** Each granted request's wait for approval (ms), for the histogram. */
  approvalWaits: { risk: Risk; ms: number }[];
  durations: {
    rows: DurationRow[];
    capped: number;
    requested: DurationStats;
    granted: DurationStats;
    actual: DurationStats;
  };
  revocations: { onTime: number; late: number; failed: number; rows: RevocationRow[] };
  activeGrants: ActiveGrantRow[];
  /** Every break-glass grant of the period, confirmed or not. */
  breakGlass: BreakGlassRow[];
  activeBySystem: { system: string; count: number }[];
  requestsOverTime: { unit: 'day' | 'week' | 'month'; buckets: TimeBucket[] };
  accounts: { inspected: number; uninspected: number };
  candidates: PurgeCandidate[];
}
