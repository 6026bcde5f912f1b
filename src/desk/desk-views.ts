import { formatTime } from '../engine/views';
import { formatDuration } from '../policy/parse-duration';
import type { AuditPage } from './audit-digest';
import type { ActiveGrant, DeskRequestRow, FailedRevocation, PendingApproval } from './collect-overview';
import type { DeliveryRecord } from '../pipeline/delivery-log';

/** The data behind both the page and `GET <path>/api/overview`. */
export interface DeskOverview {
  generatedAt: string;
  activeGrants: ActiveGrant[];
  pendingApprovals: PendingApproval[];
  upcomingRevocations: ActiveGrant[];
  failedRevocations: FailedRevocation[];
  audit: AuditPage;
  /** The delivery log, newest first, filtered by ticket and outcome. */
  deliveries: { filter: { ticket: string; status: string }; total: number; records: DeliveryRecord[] };
}

/** What became of a delivery, in one cell. */
function deliveryOutcome(r: DeliveryRecord): string {
  if (r.status === 'processed')
    return (r.results ?? []).map((t) => `${t.ticket}${t.requestId ? ` (${t.requestId})` : ''}: ${t.change}`).join('; ');
  if (r.status === 'waiting')
    return `${r.reason ?? ''}; attempt ${r.attempts}, next at ${formatSeconds(r.nextAttemptAt ?? '')}`;
  return r.reason ?? '';
}

const HOUR_MS = 3_600_000;

/** "2026-11-25 14:30:05 UTC": audit entries written in the same minute stay apart. */
const formatSeconds = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;

/** "1h 30m", "overdue by 5m", "no expiry". */
export function timeLeft(msLeft: number | null): string {
  if (msLeft === null) return 'no expiry';
  if (msLeft <= 0) return `overdue by ${formatDuration(-msLeft)}`;
  return formatDuration(msLeft);
}

const rowView = (r: DeskRequestRow) => ({
  ticketKey: r.ticketKey,
  ticketUrl: r.ticketUrl,
  summary: r.summary,
  requester: r.requester,
  systems: r.systems.join(', '),
  account: r.account,
});

const grantView = (g: ActiveGrant) => ({
  ...rowView(g),
  approvers: g.approvers.join(', '),
  expiresAt: formatTime(g.expiresAt),
  timeLeft: timeLeft(g.msLeft),
  soon: g.msLeft !== null && g.msLeft <= HOUR_MS,
});

/** The dashboard's view model: strings only, formatted here, escaped by the template. */
export function dashboardView(o: DeskOverview, basePath: string, user: { name: string; csrf: string | null }) {
  const a = o.audit;
  const filtered = Boolean(a.filter.ticket || a.filter.requester || a.filter.system);
  const href = (page: number) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(a.filter)) if (v) q.set(k, v);
    q.set('page', String(page));
    return `${basePath}?${q.toString()}#audit`;
  };
  return {
    title: 'Dashboard',
    basePath,
    user,
    generatedAt: formatTime(o.generatedAt),
    active: o.activeGrants.map(grantView),
    upcoming: o.upcomingRevocations.map(grantView),
    pending: o.pendingApprovals.map((p) => ({
      ...rowView(p),
      age: formatDuration(Math.max(0, p.ageMs)),
      risk: p.risk.toUpperCase(),
      riskClass: p.risk === 'high' ? 'high' : 'low',
      justification: p.justification,
      needs: p.needs,
      oldest: p.oldest,
    })),
    failed: o.failedRevocations.map((f) => ({
      ...rowView(f),
      failedAt: formatTime(f.failedAt),
      source: f.source,
      error: f.error ?? '',
    })),
    audit: {
      ticket: a.filter.ticket ?? '',
      requester: a.filter.requester ?? '',
      system: a.filter.system ?? '',
      filtered,
      total: a.total,
      noun: a.total === 1 ? 'entry' : 'entries',
      page: a.page,
      pages: a.pages,
      rows: a.entries.map((e) => ({
        seq: e.seq,
        at: formatSeconds(e.at),
        ticketKey: e.ticketKey,
        action: e.action,
        actor: e.actor ?? 'credgate',
        outcome: e.outcome,
        rules: e.rules.join(', '),
      })),
      prevHref: a.page > 1 ? href(a.page - 1) : null,
      nextHref: a.page < a.pages ? href(a.page + 1) : null,
    },
    deliveries: {
      ticket: o.deliveries.filter.ticket,
      statuses: ['received', 'processed', 'ignored', 'waiting', 'failed'].map((s) => ({
        value: s,
        selected: s === o.deliveries.filter.status,
      })),
      filtered: Boolean(o.deliveries.filter.ticket || o.deliveries.filter.status),
      total: o.deliveries.total,
      shown: o.deliveries.records.length,
      rows: o.deliveries.records.map((r) => ({
        at: formatSeconds(r.receivedAt),
        connector: r.connector,
        tickets: r.tickets.join(', '),
        status: r.status,
        outcome: deliveryOutcome(r),
      })),
    },
  };
}

export function loginView(basePath: string, error: string | null, username = '') {
  return { title: 'Sign in', basePath, user: null, error, username };
}
