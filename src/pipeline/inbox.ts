import type Keyv from 'keyv';
import type { TicketRef } from '../domain/ticket';
import { KeyMutex } from '../store/key-mutex';

export interface InboxEntry {
  connector: string;
  deliveryId: string;
  tickets: TicketRef[];
  receivedAt: string;
  attempts: number;
}

/** How long a delivery id is remembered, so a redelivery within it changes nothing. */
const DEDUPE_TTL_MS = 14 * 86_400_000;

/**
 * Deliveries are written here before they are acknowledged and deleted only once processed, so a
 * crash between the two loses nothing. Only ticket references are kept, never the payload: the
 * processor reads the ticket back from the API anyway.
 */
export class Inbox {
  private readonly mutex = new KeyMutex();

  constructor(
    private readonly pending: Keyv,
    private readonly seen: Keyv,
  ) {}

  /** Persists a delivery; 'duplicate' when the same delivery id was accepted before. */
  accept(entry: Omit<InboxEntry, 'attempts'>): Promise<{ key: string; outcome: 'accepted' | 'duplicate' }> {
    const key = `${entry.connector}:${entry.deliveryId}`;
    return this.mutex.run(key, async () => {
      if (await this.seen.has(`delivery:${key}`)) return { key, outcome: 'duplicate' as const };
      // Pending entry first, dedupe marker second: a crash between them makes a redelivery
      // overwrite the same entry, never lose it.
      await this.pending.set(key, { ...entry, attempts: 0 });
      await this.seen.set(`delivery:${key}`, entry.receivedAt, DEDUPE_TTL_MS);
      return { key, outcome: 'accepted' as const };
    });
  }

  get(key: string): Promise<InboxEntry | undefined> {
    return this.pending.get(key) as Promise<InboxEntry | undefined>;
  }

  async done(key: string): Promise<void> {
    await this.pending.delete(key);
  }

  async failedAttempt(key: string): Promise<number> {
    const entry = await this.get(key);
    if (!entry) return 0;
    await this.pending.set(key, { ...entry, attempts: entry.attempts + 1 });
    return entry.attempts + 1;
  }

  async *keys(): AsyncGenerator<string> {
    if (!this.pending.iterator) return;
    for await (const [key] of this.pending.iterator(undefined)) yield String(key);
  }
}
