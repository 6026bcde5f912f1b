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
export class Inbox {
  private readonly pending: Keyv;

  constructor(private readonly engine: StoreEngine) {
    this.pending = engine.keyv('inbox');
  }

  /** Persists a delivery; 'duplicate' when the same delivery id was accepted before, on any replica. */
  async accept(entry: Omit<InboxEntry, 'attempts'>): Promise<{ key: string; outcome: 'accepted' | 'duplicate' }> {
    const key = `${entry.connector}:${entry.deliveryId}`;
    if ((await this.engine.keyv('deliveries').get(`delivery:${key}`)) !== undefined)
      return { key, outcome: 'duplicate' };
    // Pending entry first, dedupe marker second: a crash between them makes a redelivery
    // overwrite the same entry, never lose it. Two replicas racing both write the same entry;
    // the marker's set-if-absent lets exactly one of them call it accepted.
    await this.pending.set(key, { ...entry, attempts: 0 });
    const first = await this.engine.setIfAbsent('deliveries', `delivery:${key}`, entry.receivedAt, DEDUPE_TTL_MS);
    return { key, outcome: first ? 'accepted' : 'duplicate' };
  }

  get(key: string): Promise<InboxEntry | undefined> {
    return this.pending.get(key) as Promise<InboxEntry | undefined>;
  }

  async done(key: string): Promise<void> {
    await this.pending.delete(key);
  }

  /** Counts a failed attempt; the caller then sets when to retry with `retryAt`. */
  async failedAttempt(key: string): Promise<number> {
    const entry = await this.get(key);
    if (!entry) return 0;
    await this.pending.set(key, { ...entry, attempts: entry.attempts + 1 });
    return entry.attempts + 1;
  }

  async retryAt(key: string, notBefore: Date): Promise<void> {
    const entry = await this.get(key);
    if (entry) await this.pending.set(key, { ...entry, notBefore: notBefore.toISOString() });
  }

  async *keys(): AsyncGenerator<string> {
    if (!this.pending.iterator) return;
    for await (const [key] of this.pending.iterator(undefined)) yield String(key);
  }
}
