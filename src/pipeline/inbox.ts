import type Keyv from 'keyv';
import type { TicketRef } from '../domain/ticket';
import type { StoreEngine } from '../store/store-engine';

export interface InboxEntry {
  connector: string;
  deliveryId: string;
  tickets: TicketRef[];
  receivedAt: string;
  attempts: number;
  /** After a failure: not to be retried before this time (the server's Retry-After, or backoff). */
  notBefore?: string;
}

/** How long a delivery id is remembered, so a redelivery within it changes nothing. */
export const DEDUPE_TTL_MS = 14 * 86_400_000;

/**
 * Deliveries are written here before they are acknowledged and deleted only once processed, so a
 * crash between the two loses nothing. Only ticket references are kept, never the payload: the
 * processor reads the ticket back from the API anyway.
 */
/** Entries an embedded-store inbox keeps in memory after writing them, at most. */
const HELD_MAX = 10_000;

export class Inbox {
  private readonly pending: Keyv;
  /**
   * On a store one process holds (embedded SQLite), the entries this inbox wrote, so processing
   * does not read back what it has just written. With replicas another one may have processed or
   * retried an entry meanwhile, so there every read goes to the store.
   */
  private readonly held = new Map<string, InboxEntry>();

  constructor(private readonly engine: StoreEngine) {
    this.pending = engine.keyv('inbox');
  }

  /** Persists a delivery; 'duplicate' when the same delivery id was accepted before, on any replica. */
  async accept(entry: Omit<InboxEntry, 'attempts'>): Promise<{ key: string; outcome: 'accepted' | 'duplicate' }> {
    const key = `${entry.connector}:${entry.deliveryId}`;
    // The dedupe marker and the pending entry in one atomic step: exactly one of racing replicas
    // claims the marker, a redelivery writes nothing, and a crash leaves both or neither.
    const held: InboxEntry = { ...entry, attempts: 0 };
    const first = await this.engine.claimAndPut(
      { ns: 'deliveries', key: `delivery:${key}`, value: entry.receivedAt, ttlMs: DEDUPE_TTL_MS },
      { ns: 'inbox', key, value: held },
    );
    if (first) this.hold(key, held);
    return { key, outcome: first ? 'accepted' : 'duplicate' };
  }

  async get(key: string): Promise<InboxEntry | undefined> {
    const held = this.held.get(key);
    if (held) return held;
    const entry = (await this.pending.get(key)) as InboxEntry | undefined;
    if (entry) this.hold(key, entry);
    return entry;
  }

  async done(key: string): Promise<void> {
    this.held.delete(key);
    await this.pending.delete(key);
  }

  /** Counts a failed attempt; the caller then sets when to retry with `retryAt`. */
  async failedAttempt(key: string): Promise<number> {
    const entry = await this.get(key);
    if (!entry) return 0;
    await this.put(key, { ...entry, attempts: entry.attempts + 1 });
    return entry.attempts + 1;
  }

  async retryAt(key: string, notBefore: Date): Promise<void> {
    const entry = await this.get(key);
    if (entry) await this.put(key, { ...entry, notBefore: notBefore.toISOString() });
  }

  private async put(key: string, entry: InboxEntry): Promise<void> {
    await this.pending.set(key, entry);
    this.hold(key, entry);
  }

  private hold(key: string, entry: InboxEntry): void {
    if (this.engine.shared) return;
    if (this.held.has(key) || this.held.size < HELD_MAX) this.held.set(key, entry);
  }

  /** Keys of the entries whose retry time (if any) has come: what a sweep hands over. */
  async *dueKeys(now: Date): AsyncGenerator<string> {
    if (this.engine.listDue) {
      yield* this.engine.listDue('inbox', 'notBefore', now);
      return;
    }
    if (!this.pending.iterator) return;
    for await (const [key, value] of this.pending.iterator(undefined)) {
      const notBefore = (value as InboxEntry).notBefore;
      if (!notBefore || Date.parse(notBefore) <= now.getTime()) yield String(key);
    }
  }

  async *keys(): AsyncGenerator<string> {
    if (!this.pending.iterator) return;
    for await (const [key] of this.pending.iterator(undefined)) yield String(key);
  }
}
