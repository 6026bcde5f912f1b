import type Keyv from 'keyv';
import type { TicketRef } from '../domain/ticket';
import type { InboxEntry } from './inbox';

/** What became of an accepted delivery, in the words an operator reads. */
export type DeliveryStatus = 'received' | 'processed' | 'ignored' | 'waiting' | 'failed';

/** One ticket's result within a processed delivery. */
export interface TicketResult {
  ticket: string;
  /** The request the delivery concerned; absent when the ticket is none. */
  requestId?: string;
  /** "new → pending-approval", "no change", or why the ticket was ignored. */
  change: string;
  ignored?: boolean;
}

export interface DeliveryRecord {
  /** `connector:deliveryId`, the inbox key; a duplicate or an ignored delivery gets a suffix of its own. */
  id: string;
  connector: string;
  deliveryId: string;
  tickets: string[];
  receivedAt: string;
  updatedAt: string;
  status: DeliveryStatus;
  /** Ignored: why. Waiting and failed: the last error. */
  reason?: string;
  attempts: number;
  /** Waiting: when the next attempt is due. */
  nextAttemptAt?: string;
  results?: TicketResult[];
}

/**
 * Every delivery credgate answered 202, with what became of it, kept for `retentionMs` (the
 * store's TTL drops them after that). Written beside the inbox, never instead of it: losing a log
 * line must not lose a delivery, so the inbox stays the source of truth for work.
 */
export class DeliveryLog {
  constructor(
    private readonly kv: Keyv,
    private readonly retentionMs: number,
    private readonly clock: () => Date,
    /** Told each status a delivery reaches (metrics). */
    private readonly onStatus?: (connector: string, status: DeliveryStatus) => void,
  ) {}

  async received(input: {
    id: string;
    connector: string;
    deliveryId: string;
    tickets: TicketRef[];
    receivedAt: string;
  }) {
    await this.write({
      ...input,
      tickets: input.tickets.map((t) => t.key),
      updatedAt: input.receivedAt,
      status: 'received',
      attempts: 0,
    });
  }

  /** A delivery answered 202 but not queued: why, in words (own account, not a ticket event, duplicate). */
  async ignored(input: {
    id: string;
    connector: string;
    deliveryId: string;
    tickets: TicketRef[];
    receivedAt: string;
    reason: string;
  }) {
    await this.write({
      ...input,
      tickets: input.tickets.map((t) => t.key),
      updatedAt: input.receivedAt,
      status: 'ignored',
      attempts: 0,
    });
  }

  /**
   * `entry`, the inbox entry the worker holds: the record is rebuilt from it, so nothing is read
   * back first (one statement instead of two).
   */
  async processed(id: string, results: TicketResult[], entry?: InboxEntry) {
    const allIgnored = results.length > 0 && results.every((r) => r.ignored);
    const change: Partial<DeliveryRecord> = {
      status: allIgnored ? 'ignored' : 'processed',
      results,
      reason: allIgnored ? results.map((r) => r.change).join('; ') : undefined,
      nextAttemptAt: undefined,
    };
    if (!entry) return this.update(id, change);
    await this.write(
      clean({
        id,
        connector: entry.connector,
        deliveryId: entry.deliveryId,
        tickets: entry.tickets.map((t) => t.key),
        receivedAt: entry.receivedAt,
        attempts: entry.attempts,
        ...change,
        updatedAt: this.clock().toISOString(),
      } as DeliveryRecord),
    );
  }

  async waiting(id: string, error: string, attempts: number, nextAttemptAt: Date) {
    await this.update(id, { status: 'waiting', reason: error, attempts, nextAttemptAt: nextAttemptAt.toISOString() });
  }

  async failed(id: string, error: string) {
    await this.update(id, { status: 'failed', reason: error, nextAttemptAt: undefined });
  }

  /** Newest first, optionally for one ticket key (case-insensitive) and from a time on. */
  async list(filter: { ticket?: string; since?: Date; status?: DeliveryStatus } = {}): Promise<DeliveryRecord[]> {
    const out: DeliveryRecord[] = [];
    if (!this.kv.iterator) return out;
    const ticket = filter.ticket?.trim().toLowerCase();
    for await (const [, value] of this.kv.iterator(undefined)) {
      const r = value as DeliveryRecord;
      if (ticket && !r.tickets.some((t) => t.toLowerCase() === ticket)) continue;
      if (filter.since && Date.parse(r.receivedAt) < filter.since.getTime()) continue;
      if (filter.status && r.status !== filter.status) continue;
      out.push(r);
    }
    return out.sort((a, b) => b.receivedAt.localeCompare(a.receivedAt) || b.id.localeCompare(a.id));
  }

  private async update(id: string, change: Partial<DeliveryRecord>) {
    const current = (await this.kv.get(id)) as DeliveryRecord | undefined;
    if (!current) return;
    await this.write(clean({ ...current, ...change, updatedAt: this.clock().toISOString() }));
  }

  private async write(record: DeliveryRecord) {
    await this.kv.set(record.id, record, this.retentionMs);
    this.onStatus?.(record.connector, record.status);
  }
}

function clean(record: DeliveryRecord): DeliveryRecord {
  for (const k of Object.keys(record) as (keyof DeliveryRecord)[]) if (record[k] === undefined) delete record[k];
  return record;
}

/** One line per delivery for a terminal: when, which, what became of it. */
export function formatDeliveries(records: DeliveryRecord[]): string {
  if (!records.length) return 'no deliveries';
  return records
    .map((r) => {
      const head = `${r.receivedAt.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z')}  ${r.connector}:${r.deliveryId}  ${r.tickets.join(',') || '-'}  ${r.status}`;
      const tail =
        r.status === 'processed'
          ? (r.results ?? []).map((t) => `${t.ticket}${t.requestId ? ` (${t.requestId})` : ''}: ${t.change}`).join('; ')
          : r.status === 'waiting'
            ? `${r.reason}; attempt ${r.attempts}, next at ${r.nextAttemptAt}`
            : (r.reason ?? '');
      return tail ? `${head}  ${safe(tail)}` : head;
    })
    .join('\n');
}

// Text that came from vendors: no control or bidi characters reach the terminal.
const safe = (text: string) => text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '�');
