import type { AuditEntry, AuditLog } from '../audit/audit-log';
import type { DeskRequestRow, FailedRevocation } from './collect-overview';

/** An audit entry as the desk lists it. */
export interface DeskAuditRow {
  seq: number;
  at: string;
  requestId: string;
  ticketKey: string;
  action: string;
  actor: string | null;
  outcome: string;
  rules: string[];
}

export interface AuditFilter {
  ticket?: string;
  requester?: string;
  system?: string;
}

export interface AuditPage {
  filter: AuditFilter;
  page: number;
  pages: number;
  total: number;
  entries: DeskAuditRow[];
}

export const AUDIT_PAGE_SIZE = 50;

interface Failure {
  requestId: string;
  ticketKey: string;
  at: string;
  action: string;
  error: string | null;
}

/**
 * A small in-memory index of the audit log. The log is append-only, so each refresh reads only
 * the entries written since the last one; searching and spotting failed revocations then never
 * walk the store again. Each replica keeps its own copy of the same log.
 */
export class AuditDigest {
  private readonly rows: DeskAuditRow[] = [];
  private readonly failures = new Map<string, Failure>();
  private lastSeq = 0;
  private pulling: Promise<void> = Promise.resolve();
  private queued: Promise<void> | null = null;

  constructor(private readonly audit: AuditLog) {}

  /**
   * Brings the index up to date. Callers arriving while a read runs share the one read queued
   * after it (which starts after they asked), so a burst of page views walks the log twice at most.
   */
  refresh(): Promise<void> {
    if (this.queued) return this.queued;
    const next = this.pulling
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        return this.pull();
      });
    this.queued = next;
    this.pulling = next;
    return next;
  }

  private async pull(): Promise<void> {
    // Only what was appended since the last pull is read.
    for await (const e of this.audit.entries(this.lastSeq + 1)) {
      if (e.seq <= this.lastSeq) continue;
      this.lastSeq = e.seq;
      this.rows.push({
        seq: e.seq,
        at: e.at,
        requestId: e.requestId,
        ticketKey: e.ticket.key,
        action: e.action,
        actor: e.actor,
        outcome: e.outcome,
        rules: e.rules,
      });
      if (isFailedRevocation(e)) {
        const error = typeof e.detail?.error === 'string' ? e.detail.error : null;
        this.failures.set(e.requestId, {
          requestId: e.requestId,
          ticketKey: e.ticket.key,
          at: e.at,
          action: e.action,
          error,
        });
      }
    }
  }

  /** Entries matching every given field (substring, any case), newest first, one page of 50. */
  search(filter: AuditFilter, requests: Map<string, DeskRequestRow>, page: number): AuditPage {
    const ticket = norm(filter.ticket);
    const requester = norm(filter.requester);
    const system = norm(filter.system);
    const matches: DeskAuditRow[] = [];
    for (let i = this.rows.length - 1; i >= 0; i--) {
      const row = this.rows[i];
      if (ticket && !row.ticketKey.toLowerCase().includes(ticket)) continue;
      if (requester || system) {
        const r = requests.get(row.requestId);
        if (!r) continue;
        if (requester && !`${r.requester}\n${r.requesterId ?? ''}`.toLowerCase().includes(requester)) continue;
        if (system && !r.systems.some((s) => s.toLowerCase().includes(system))) continue;
      }
      matches.push(row);
    }
    const pages = Math.max(1, Math.ceil(matches.length / AUDIT_PAGE_SIZE));
    const current = Math.min(Math.max(1, Math.floor(page) || 1), pages);
    return {
      filter: { ticket: filter.ticket ?? '', requester: filter.requester ?? '', system: filter.system ?? '' },
      page: current,
      pages,
      total: matches.length,
      entries: matches.slice((current - 1) * AUDIT_PAGE_SIZE, current * AUDIT_PAGE_SIZE),
    };
  }

  /** Requests whose revocation the audit log records as failed, joined to what the store knows. */
  failedRevocations(requests: Map<string, DeskRequestRow>): FailedRevocation[] {
    const out: FailedRevocation[] = [];
    for (const f of this.failures.values()) {
      const r = requests.get(f.requestId);
      const base: DeskRequestRow = r ?? {
        requestId: f.requestId,
        ticketKey: f.ticketKey,
        ticketUrl: null,
        summary: '',
        state: 'unknown',
        requester: 'unknown',
        requesterId: null,
        systems: [],
        account: '',
        justification: '',
        risk: '',
      };
      out.push({ ...base, failedAt: f.at, source: `audit ${f.action}`, error: f.error });
    }
    return out;
  }
}

/**
 * `revoke` actions with outcome `failed`, and what the effect runner writes when a revoke effect
 * fails for good (`effect-failed` with outcome `revoke`).
 */
export const isFailedRevocation = (e: Pick<AuditEntry, 'action' | 'outcome'>): boolean =>
  (e.action.includes('revoke') && e.outcome === 'failed') || (e.action === 'effect-failed' && e.outcome === 'revoke');

const norm = (s: string | undefined) => (s ?? '').trim().toLowerCase();
