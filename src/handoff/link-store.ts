import { DocumentCollection } from '../store/document-collection';
import type { Store } from '../store/open-store';
import { CredgateError } from '../util/errors';
import type { HandoffDoc, IssueRecord, LinkRecord, ReplacedLink, Viewer } from './types';

/** Compare-and-swap loops that lose this often are not contention but a bug or an outage. */
const MAX_RACES = 20;

const issueKey = (idempotencyKey: string) => `issued:${idempotencyKey}`;

/**
 * How long the list of links issued for an effect outlives the last of them. A purge racing a
 * retry could otherwise delete a list just extended and let a later retry miss a live link; no
 * effect is retried a day after its link expired.
 */
const ISSUE_GRACE_MS = 86_400_000;

/**
 * The `handoff` namespace: links under their id (SHA-256 of the token), and per idempotency key
 * the list of links issued for it. Every state change is a compare-and-swap on the document's
 * version, so racing reveals, retried issues and replicas settle on one outcome.
 */
export class LinkStore {
  private readonly docs: DocumentCollection<HandoffDoc>;

  constructor(private readonly store: Store) {
    this.docs = new DocumentCollection<HandoffDoc>(store.engine, 'handoff');
  }

  async getLink(id: string): Promise<LinkRecord | ReplacedLink | null> {
    const doc = await this.docs.get(id);
    return doc?.kind === 'link' ? doc : null;
  }

  /** Stores a new link; false when its id is already taken (a retry already retired it). */
  async createLink(id: string, record: LinkRecord): Promise<boolean> {
    return (await this.docs.compareAndSet(id, 0, record)) !== null;
  }

  /** Appends `id` to the links of `idempotencyKey`; returns the links issued before it. */
  async recordIssue(idempotencyKey: string, id: string, expiresAt: string): Promise<string[]> {
    const key = issueKey(idempotencyKey);
    for (let i = 0; i < MAX_RACES; i++) {
      const current = (await this.docs.get(key)) as IssueRecord | null;
      const previous = current?.links ?? [];
      const next: IssueRecord = {
        kind: 'issue',
        version: 0,
        links: [...previous, id],
        expiresAt: current && current.expiresAt > expiresAt ? current.expiresAt : expiresAt,
      };
      if (await this.docs.compareAndSet(key, current?.version ?? 0, next)) return previous;
    }
    throw new CredgateError('transient', 'one-time link: too many concurrent issues for the same effect; try again');
  }

  /**
   * Makes a link unusable unless it was already revealed: a live one loses its sealed secret, an
   * absent one (still being written by a stale worker, or purged) is taken by a tombstone.
   */
  async retire(id: string, replacedAt: string, expiresAt: string): Promise<'retired' | 'revealed'> {
    for (let i = 0; i < MAX_RACES; i++) {
      const current = await this.getLink(id);
      if (current?.state === 'revealed') return 'revealed';
      if (current?.state === 'replaced') return 'retired';
      const tombstone: ReplacedLink = {
        kind: 'link',
        version: 0,
        state: 'replaced',
        replacedAt,
        expiresAt: current ? current.expiresAt : expiresAt,
        ...(current ? { requestId: current.requestId } : {}),
      };
      if (await this.docs.compareAndSet(id, current?.version ?? 0, tombstone)) return 'retired';
    }
    throw new CredgateError('transient', 'one-time link: the earlier link could not be retired; try again');
  }

  /**
   * Burns a live link for one viewer: state revealed, sealed secret dropped, in one write. Only
   * one of several racing claims on the same version wins.
   */
  async claim(id: string, record: LinkRecord, viewer: Viewer): Promise<boolean> {
    const { box: _box, ...rest } = record;
    const next: LinkRecord = {
      ...rest,
      state: 'revealed',
      revealedAt: viewer.at,
      revealedIp: viewer.ip,
      revealedUserAgent: viewer.userAgent,
      ...(viewer.identity ? { revealedBy: viewer.identity } : {}),
    };
    return (await this.docs.compareAndSet(id, record.version, next)) !== null;
  }

  /** Deletes links past their expiry (and issue lists a day later); returns how many links went. */
  async purgeExpired(now: Date): Promise<number> {
    const kv = this.store.kv.handoff;
    if (!kv.iterator) throw new CredgateError('config', 'this store cannot list one-time links');
    const cutoff = now.toISOString();
    const issueCutoff = new Date(now.getTime() - ISSUE_GRACE_MS).toISOString();
    // Keys first, deletes after: the SQLite iterator pages with OFFSET and would skip rows.
    const expired: { key: string; link: boolean }[] = [];
    for await (const [key, value] of kv.iterator(undefined)) {
      const doc = value as HandoffDoc | undefined;
      if (!doc || typeof doc.expiresAt !== 'string') continue;
      if (doc.expiresAt <= (doc.kind === 'issue' ? issueCutoff : cutoff))
        expired.push({ key: String(key), link: doc.kind === 'link' });
    }
    let links = 0;
    for (const { key, link } of expired) if ((await kv.delete(key)) && link) links++;
    return links;
  }
}
