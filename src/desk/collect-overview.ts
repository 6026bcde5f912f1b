import type { CredentialRequest, RequestState } from '../domain/request';

const DAY_MS = 86_400_000;

/** A request as the desk shows it: what people look for, no outbox, no policy internals. */
export interface DeskRequestRow {
  requestId: string;
  ticketKey: string;
  /** Only http(s) links; anything else is shown as plain text. */
  ticketUrl: string | null;
  summary: string;
  state: string;
  requester: string;
  /** The ticketing system's id for the requester (searchable alongside the name). */
  requesterId: string | null;
  systems: string[];
  account: string;
  justification: string;
  risk: string;
}

export interface ActiveGrant extends DeskRequestRow {
  approvers: string[];
  grantedAt: string | null;
  expiresAt: string | null;
  /** Milliseconds until expiry (negative: overdue), null when the grant has no expiry. */
  msLeft: number | null;
}

export interface PendingApproval extends DeskRequestRow {
  pendingSince: string;
  ageMs: number;
  /** Approvals still needed, e.g. "1 more from IT approver (group credential-approvers)". */
  needs: string[];
  /** True for the one waiting longest. */
  oldest: boolean;
}

export interface FailedRevocation extends DeskRequestRow {
  failedAt: string;
  /** What recorded the failure: the request's state, or the audit entry's action. */
  source: string;
  error: string | null;
}

export interface RequestsOverview {
  activeGrants: ActiveGrant[];
  pendingApprovals: PendingApproval[];
  upcomingRevocations: ActiveGrant[];
  failedRevocations: FailedRevocation[];
  /** Every request by id, for joining audit entries to their requester and systems. */
  byId: Map<string, DeskRequestRow>;
}

/** States whose request needs people because its access may not have been removed. */
export const DEFAULT_FAILED_STATES: readonly string[] = ['revocation-failed' satisfies RequestState];

/**
 * Sorts every request into the desk's sections in one pass over the store, so the page stays
 * cheap with thousands of requests: nothing is read twice and nothing but small rows is kept.
 */
export async function collectOverview(
  requests: AsyncIterable<CredentialRequest>,
  now: Date,
  failedStates: readonly string[] = DEFAULT_FAILED_STATES,
): Promise<RequestsOverview> {
  const t = now.getTime();
  const out: RequestsOverview = {
    activeGrants: [],
    pendingApprovals: [],
    upcomingRevocations: [],
    failedRevocations: [],
    byId: new Map(),
  };
  for await (const r of requests) {
    const row = requestRow(r);
    out.byId.set(r.id, row);
    if (r.state === 'granted') {
      const msLeft = r.expiresAt ? Date.parse(r.expiresAt) - t : null;
      const grant: ActiveGrant = {
        ...row,
        approvers: unique(r.approvals.map((a) => a.actor.displayName)),
        grantedAt: r.grantedAt,
        expiresAt: r.expiresAt,
        msLeft,
      };
      out.activeGrants.push(grant);
      if (msLeft !== null && msLeft <= DAY_MS) out.upcomingRevocations.push(grant);
    } else if (r.state === 'pending-approval') {
      const since = r.pendingSince ?? r.createdAt;
      out.pendingApprovals.push({
        ...row,
        pendingSince: since,
        ageMs: t - Date.parse(since),
        needs: stillNeeded(r),
        oldest: false,
      });
    } else if (failedStates.includes(r.state)) {
      out.failedRevocations.push({
        ...row,
        failedAt: r.endedAt ?? r.updatedAt,
        source: `state ${r.state}`,
        error: r.endReason,
      });
    }
  }
  // No expiry sorts last: such a grant is the least urgent to look at.
  const byExpiry = (a: ActiveGrant, b: ActiveGrant) => (a.msLeft ?? Infinity) - (b.msLeft ?? Infinity);
  out.activeGrants.sort(byExpiry);
  out.upcomingRevocations.sort(byExpiry);
  out.pendingApprovals.sort((a, b) => b.ageMs - a.ageMs);
  if (out.pendingApprovals.length) out.pendingApprovals[0].oldest = true;
  out.failedRevocations.sort((a, b) => (a.failedAt < b.failedAt ? 1 : -1));
  return out;
}

function requestRow(r: CredentialRequest): DeskRequestRow {
  return {
    requestId: r.id,
    ticketKey: r.ticket.key,
    ticketUrl: r.ticketUrl && /^https?:\/\//i.test(r.ticketUrl) ? r.ticketUrl : null,
    summary: r.summary,
    state: r.state,
    requester: r.requester?.displayName ?? 'unknown',
    requesterId: r.requester?.id ?? null,
    systems: r.facts.systems,
    account: r.facts.account,
    justification: r.facts.justification,
    risk: r.risk,
  };
}

function stillNeeded(r: CredentialRequest): string[] {
  return r.steps
    .map((s) => {
      const left = s.count - r.approvals.filter((a) => a.step === s.id).length;
      const who = [...s.groups.map((g) => `group ${g}`), ...s.users.map((u) => `user ${u}`)].join(' or ');
      return left > 0 ? `${left} more from ${s.name}${who ? ` (${who})` : ''}` : '';
    })
    .filter(Boolean);
}

const unique = (xs: string[]) => [...new Set(xs)];
