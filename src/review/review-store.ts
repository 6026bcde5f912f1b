import { createHash, randomBytes } from 'node:crypto';
import type { Actor, TicketRef } from '../domain/ticket';
import type { StoreEngine } from '../store/store-engine';
import { DocumentCollection } from '../store/document-collection';
import type { PurgeCandidate, ReviewPeriod } from './review-types';
import type { ReviewPolicy } from '../policy/review-policy-schema';
import type { headline } from './review-views';
import { CredgateError } from '../util/errors';

export type ReviewState =
  /** Collected and stored; its ticket is not created yet (a crash here is finished by the sweep). */
  | 'collected'
  /** The ticket exists; the purge waits for an approver. */
  | 'open'
  /** Approved: the purge runs, one candidate at a time. */
  | 'purging'
  | 'purged'
  /** An approver declined the purge: nothing changes. */
  | 'declined';

export type PurgeStatus = 'pending' | 'done' | 'failed' | 'skipped';

/** One review: a versioned document, changed by compare-and-swap only. */
export interface ReviewDocument {
  version: number;
  id: string;
  period: ReviewPeriod;
  state: ReviewState;
  createdAt: string;
  connector: string;
  ticket: TicketRef | null;
  /** SHA-256 of the report link's token: reading the store does not yield a working link. */
  reportHash: string;
  figures: ReturnType<typeof headline>;
  candidates: PurgeCandidate[];
  /** The policy's purge settings when the review was created: a later policy edit does not move them. */
  action: ReviewPolicy['purge']['action'];
  approvers: ReviewPolicy['approvers'];
  /** Status-change ids already judged, so a redelivered change does nothing twice. */
  seenChanges: string[];
  decidedBy: Actor | null;
  decidedAt: string | null;
  purge: Record<string, { status: PurgeStatus; detail: string; at: string | null }>;
  /** The ticket's description as rendered when collected, the report link still a placeholder. */
  description: string;
  /** Comments (and their audit entries) owed, in order: stored with the change that owes them. */
  outbox: ReviewNotice[];
}

/**
 * A comment on the review ticket, keyed by `ref` (in its footer) so a retry finds it instead of
 * posting twice, and its audit entry; `template: null` owes the audit entry alone.
 */
export interface ReviewNotice {
  ref: string;
  template: string | null;
  view: Record<string, unknown>;
  /** Written to the audit trail once the comment is on the ticket. */
  audit: { action: string; actor: string | null; outcome: string; detail?: Record<string, unknown> };
}

/** The report page, under the hash of its token. */
export interface StoredReport {
  reviewId: string;
  html: string;
}

/** A review's id from its period's: the same period gives the same id on every replica. */
export const reviewIdFor = (periodId: string): string =>
  `rv-${createHash('sha256').update(periodId).digest('hex').slice(0, 12)}`;

/** 256 random bits, URL-safe: the report link is its own credential. */
export const newReportToken = (): string => randomBytes(32).toString('base64url');
export const hashReportToken = (token: string): string => createHash('sha256').update(token).digest('hex');
export const REPORT_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * The `reviews` namespace: `period:<id>` claims a period (set-if-absent: one review per period,
 * whichever replica or restart asks), `doc:<id>` is the review, `report:<hash>` its page and
 * `ticket:<connector>:<id>` finds a review from its ticket.
 */
export class ReviewStore {
  private readonly docs: DocumentCollection<ReviewDocument>;

  constructor(private readonly engine: StoreEngine) {
    this.docs = new DocumentCollection<ReviewDocument>(engine, 'reviews');
  }

  private get kv() {
    return this.engine.keyv('reviews');
  }

  /** True for the one caller that claims the period. */
  claimPeriod(periodId: string, reviewId: string): Promise<boolean> {
    return this.engine.setIfAbsent('reviews', `period:${periodId}`, reviewId);
  }

  reviewOfPeriod(periodId: string): Promise<ReviewDocument | null> {
    return this.get(reviewIdFor(periodId));
  }

  get(id: string): Promise<ReviewDocument | null> {
    return this.docs.get(`doc:${id}`);
  }

  /** Writes the review if it is still at `expected` (0: new); null when another writer won. */
  save(doc: ReviewDocument, expected: number): Promise<ReviewDocument | null> {
    return this.docs.compareAndSet(`doc:${doc.id}`, expected, doc);
  }

  /** Applies `change` to the stored review, retrying on a concurrent write; null when it is gone. */
  async update(id: string, change: (doc: ReviewDocument) => ReviewDocument | null): Promise<ReviewDocument | null> {
    for (;;) {
      const current = await this.get(id);
      if (!current) return null;
      const next = change(structuredClone(current));
      if (!next) return current;
      const stored = await this.save(next, current.version);
      if (stored) return stored;
    }
  }

  async putReport(token: string, report: StoredReport): Promise<void> {
    await this.kv.set(`report:${hashReportToken(token)}`, report);
  }

  /** Moves a report under a new token (the old link stops working); false when there is none. */
  async moveReport(oldHash: string, token: string): Promise<boolean> {
    const report = (await this.kv.get(`report:${oldHash}`)) as StoredReport | undefined;
    if (!report) return false;
    await this.putReport(token, report);
    await this.kv.delete(`report:${oldHash}`);
    return true;
  }

  async report(token: string): Promise<StoredReport | null> {
    if (!REPORT_TOKEN.test(token)) return null;
    return ((await this.kv.get(`report:${hashReportToken(token)}`)) as StoredReport | undefined) ?? null;
  }

  async indexTicket(ref: TicketRef, reviewId: string): Promise<void> {
    await this.kv.set(`ticket:${ref.connector}:${ref.id}`, reviewId);
  }

  async reviewOfTicket(ref: Pick<TicketRef, 'connector' | 'id'>): Promise<string | null> {
    return ((await this.kv.get(`ticket:${ref.connector}:${ref.id}`)) as string | undefined) ?? null;
  }

  /** Every review, oldest period first. */
  async all(): Promise<ReviewDocument[]> {
    const kv = this.kv;
    if (!kv.iterator) throw new CredgateError('config', 'this store cannot list reviews');
    const ids: string[] = [];
    // Keys first, documents after: keyv's SQLite iterator pages with LIMIT/OFFSET.
    for await (const [key] of kv.iterator(undefined))
      if (String(key).startsWith('doc:')) ids.push(String(key).slice(4));
    const docs = (await Promise.all(ids.map((id) => this.get(id)))).filter((d): d is ReviewDocument => d !== null);
    return docs.sort((a, b) => a.period.until.localeCompare(b.period.until));
  }
}
