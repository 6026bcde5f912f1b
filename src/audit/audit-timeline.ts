import type { AuditEntry, AuditRecord } from './audit-log';
import { isSystemEntry } from './audit-log';

/**
 * Whether a record belongs to the request a person named: by request id (cg-…), by ticket key as
 * the ticketing system shows it (PROJ-12, owner/repo#3, INC0010001; case-insensitive), or by the
 * ticket's internal id.
 */
export function matchesTicket(record: AuditRecord, query: string): record is AuditEntry {
  if (isSystemEntry(record)) return false;
  const q = query.trim();
  return record.requestId === q || record.ticket.key.toLowerCase() === q.toLowerCase() || record.ticket.id === q;
}

/** Every entry of the matching request(s), in chain order; only those are held in memory. */
export async function collectTimeline(records: AsyncIterable<AuditRecord>, query: string): Promise<AuditEntry[]> {
  const found: AuditEntry[] = [];
  for await (const r of records) if (matchesTicket(r, query)) found.push(r);
  return found;
}

/**
 * The story of a request for a person: one line per entry with time, action, who, outcome, the
 * rules that applied and a short summary of the detail. Text that came from requesters or vendors
 * is stripped of control and bidi characters, so it cannot rewrite the terminal it is shown on.
 */
export function formatTimeline(entries: AuditEntry[]): string {
  const byRequest = new Map<string, AuditEntry[]>();
  for (const e of entries) byRequest.set(e.requestId, [...(byRequest.get(e.requestId) ?? []), e]);
  const blocks: string[] = [];
  for (const [requestId, list] of byRequest) {
    const t = list[0].ticket;
    const lines = [
      `${safe(t.key)} (${safe(t.connector)} ticket ${safe(t.id)}), request ${safe(requestId)}: ${list.length} audit ${list.length === 1 ? 'entry' : 'entries'}`,
    ];
    const actionWidth = Math.max(...list.map((e) => e.action.length));
    for (const e of list) {
      const parts = [
        formatAt(e.at),
        `#${e.seq}`.padEnd(6),
        safe(e.action).padEnd(actionWidth),
        `by ${safe(e.actor ?? 'credgate')}`,
        `→ ${safe(e.outcome)}`,
      ];
      if (e.rules.length) parts.push(`rules: ${e.rules.map(safe).join(', ')}`);
      const detail = summarize(e.detail);
      if (detail) parts.push(`(${detail})`);
      lines.push('  ' + parts.join('  '));
    }
    blocks.push(lines.join('\n'));
  }
  return blocks.join('\n\n');
}

const SUMMARY_MAX = 160;

/** `key=value` pairs on one line, cut short: the full detail is in `--json`. */
export function summarize(detail: Record<string, unknown> | undefined): string {
  if (!detail) return '';
  const text = Object.entries(detail)
    .filter(([, v]) => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0))
    .map(
      ([k, v]) =>
        `${k}=${Array.isArray(v) ? v.map(String).join(',') : typeof v === 'object' ? JSON.stringify(v) : String(v)}`,
    )
    .join(' ');
  const clean = safe(text);
  return clean.length > SUMMARY_MAX ? clean.slice(0, SUMMARY_MAX - 1) + '…' : clean;
}

/** "2026-11-25 10:00:00Z": seconds are enough to read a story. */
function formatAt(at: string): string {
  const ms = Date.parse(at);
  return Number.isFinite(ms)
    ? new Date(ms)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d{3}Z$/, 'Z')
    : safe(at);
}

// C0 and C1 controls (escape sequences), and the bidi overrides and isolates.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const safe = (text: string): string => String(text).replace(UNSAFE, '�');
