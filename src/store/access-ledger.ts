import type { StoreEngine } from './store-engine';
import type { Leases } from './leases';
import { DocumentCollection } from './document-collection';
import { viewOfHolders, type Holders, type HoldersView } from '../domain/overlapping-grants';

/**
 * The overlapping-grants ledger, kept in the store (the rules are in src/domain/overlapping-grants.ts).
 * Which grants cover which access, so that overlapping grants (a renewal filed before the first
 * ends, two tickets for the same vendor) end the access only when the last of them ends. Every
 * change to one piece of access, and the provider call that goes with it, runs under a lease on
 * that access: a revocation and a concurrent grant cannot interleave on the target system.
 */
export class AccessLedger {
  private readonly docs: DocumentCollection<Holders>;

  constructor(
    engine: StoreEngine,
    private readonly leases: Leases,
  ) {
    this.docs = new DocumentCollection<Holders>(engine, 'meta');
  }

  /** Runs `fn` holding the lease on `key`, waiting for another replica's (or this process's) call to finish. */
  async exclusive<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let result!: T;
    for (let wait = 20; ; wait = Math.min(wait * 2, 500)) {
      if (await this.leases.run(`access:${key}`, async () => void (result = await fn()))) return result;
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  hold(key: string, requestId: string, expiresAt: string | null): Promise<HoldersView> {
    return this.change(key, (h) => void (h.holders[requestId] = expiresAt), requestId);
  }

  release(key: string, requestId: string): Promise<HoldersView> {
    return this.change(key, (h) => void delete h.holders[requestId], requestId);
  }

  keepSecret(key: string, sealed: string | null): Promise<HoldersView> {
    return this.change(key, (h) => void (h.sealedSecret = sealed), '');
  }

  private async change(key: string, apply: (h: Holders) => void, self: string): Promise<HoldersView> {
    const id = `holders:${key}`;
    for (;;) {
      const current = await this.docs.get(id);
      const next: Holders = structuredClone(current ?? { version: 0, holders: {} });
      apply(next);
      if (!Object.keys(next.holders).length) next.sealedSecret = null;
      if (await this.docs.compareAndSet(id, current?.version ?? 0, next)) return viewOfHolders(next, self);
    }
  }
}
