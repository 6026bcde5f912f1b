import type { Fence, Namespace, StoreEngine } from './store-engine';
import { CredgateError } from '../util/errors';

/** A versioned document: `version` increases by one on every write. */
export interface Versioned {
  version: number;
}

/**
 * Documents with compare-and-swap on `version`: reads through keyv, writes through the engine's
 * own atomic primitive, so replicas race on the version and never overwrite each other.
 */
export class DocumentCollection<T extends Versioned> {
  constructor(
    private readonly engine: StoreEngine,
    private readonly ns: Namespace,
  ) {}

  async get(id: string): Promise<T | null> {
    return ((await this.engine.keyv(this.ns).get(id)) as T | undefined) ?? null;
  }

  /**
   * Writes `next` only if the stored version is still `expected` (0 = must not exist yet).
   * Returns the stored document, or null when another writer got there first. A lease holder
   * passes its `fence`: once the lease is lost the write is refused (throws `lease-lost`).
   */
  async compareAndSet(id: string, expected: number, next: T, fence?: Fence): Promise<T | null> {
    const stored = { ...next, version: expected + 1 };
    return (await this.engine.compareAndSet(this.ns, id, expected, stored, fence)) ? stored : null;
  }

  /** Every document; order unspecified. */
  async *all(): AsyncGenerator<T> {
    const kv = this.engine.keyv(this.ns);
    if (!kv.iterator) throw new CredgateError('config', 'this store cannot list documents');
    for await (const [, value] of kv.iterator(undefined)) yield value as T;
  }
}
