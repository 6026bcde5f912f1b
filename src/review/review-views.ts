import { formatDuration } from '../policy/parse-duration';
import { formatTime } from '../engine/views';
import type {
  DurationStats,
  FindingKind,
  PurgeCandidate,
  RequestOutcome,
  ReviewPeriod,
  ReviewSummary,
} from './review-types';
import type { ReviewPolicy } from '../policy/review-policy-schema';

/** Words shared by the HTML report and the ticket's description and comments. */

export const periodLabel = (p: Pick<ReviewPeriod, 'since' | 'until'>): string =>
  `${p.since.slice(0, 10)} to ${p.until.slice(0, 10)}`;

export const durationText = (ms: number | null): string => (ms === null ? '–' : ms < 1000 ? '0s' : formatDuration(ms));

export const statsText = (s: DurationStats): { count: number; median: string; p90: string } => ({
  count: s.count,
  median: durationText(s.medianMs),
  p90: durationText(s.p90Ms),
});

const REASONS: Record<FindingKind, string> = {
  stale: 'unused',
  'expired-enabled': 'enabled with no grant',
};

export const reasonsText = (c: PurgeCandidate, staleAfterDays: number): string =>
  c.reasons.map((r) => (r === 'stale' ? `${REASONS[r]} for ${staleAfterDays}+ days` : REASONS[r])).join('; ');

export const lastUsedText = (c: PurgeCandidate): string =>
  c.lastUsedSource === 'never'
    ? 'never'
    : `${formatTime(c.lastUsedAt)} (${c.lastUsedSource === 'provider' ? 'reported by the provider' : 'end of the last grant'})`;

const OUTCOME_WORDS: Record<RequestOutcome, string> = {
  granted: 'active',
  revoked: 'revoked',
  'revocation-failed': 'revocation failed',
  declined: 'declined',
  expired: 'expired',
  cancelled: 'cancelled',
  pending: 'pending',
};

/** "2 active, 1 declined": non-zero outcomes only. */
export const outcomesText = (byOutcome: Record<RequestOutcome, number>): string =>
  (Object.entries(byOutcome) as [RequestOutcome, number][])
    .filter(([, n]) => n > 0)
    .map(([o, n]) => `${n} ${OUTCOME_WORDS[o]}`)
    .join(', ') || 'none';

/** "group security-approvers or user acc-1": who may approve the purge. */
export const approversText = (p: Pick<ReviewPolicy, 'approvers'>): string =>
  [...p.approvers.groups.map((g) => `group ${g}`), ...p.approvers.users.map((u) => `user ${u}`)].join(' or ');

/** What the purge does to one account, in words: "disable svc_backup through corp-ad". */
export const purgeActionText = (
  action: ReviewPolicy['purge']['action'],
  c: Pick<PurgeCandidate, 'account' | 'provider'>,
): string => `${action} ${c.account} through ${c.provider}`;

/** The figures every view starts from. */
export function headline(s: ReviewSummary) {
  return {
    requests: s.totals.requests,
    low: s.totals.byRisk.low,
    high: s.totals.byRisk.high,
    granted: s.durations.rows.length,
    active: s.activeGrants.length,
    onTime: s.revocations.onTime,
    late: s.revocations.late,
    failed: s.revocations.failed,
    candidates: s.candidates.length,
    stale: s.candidates.filter((c) => c.reasons.includes('stale')).length,
    enabledWithoutGrant: s.candidates.filter((c) => c.reasons.includes('expired-enabled')).length,
  };
}
