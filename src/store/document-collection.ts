import type Keyv from 'keyv';
import { KeyMutex } from './key-mutex';

/** A versioned document: `version` increases by one on every write. */
export interface Versioned {
  version: number;
}

/**
 * Documents with compare-and-swap on `version`. keyv has no CAS of its own, so this class provides
 * it: here with an in-process per-key mutex, which is exact for the single-process embedded store.
 */
export class DocumentCollection<T extends Versioned> {
  private readonly mutex = new KeyMutex();

  constructor(private readonly kv: Keyv) {}

  async get(id: string): Promise<T | null> {
    return ((await this.kv.get(id)) as T | undefined) ?? null;
  }

  /**
   * Writes `next` only if the stored version is still `expected` (0 = must not exist yet).
   * Returns the stored document, or null when another writer got there first.
   */
  async compareAndSet(id: string, expected: number, next: T): Promise<T | null> {
    return this.mutex.run(id, async () => {
      const current = await this.get(id);
      if ((current?.version ?? 0) !== expected) return null;
      const stored = { ...next, version: expected + 1 };
      await this.kv.set(id, stored);
      return stored;
    });
  }

  /** Every document; order unspecified. */
  async *all(): AsyncGenerator<T> {
    if (!this.kv.iterator) throw new Error('this store cannot list documents');
    for await (const [, value] of this.kv.iterator(undefined)) yield value as T;
  }
}
